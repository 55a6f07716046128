// Bearer tokens for drivers and operators: `<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`,
// signed with AUTH_TOKEN_SECRET. Stateless and short-lived (12 h) so a leaked token expires on its
// own; logging out is forgetting the token. The API shell checks them (api/auth.ts); the modules
// that sign people in issue them (payments' driver accounts, operators' console sign-in).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOKEN_TTL_S = 12 * 3600;

export interface TokenClaims {
  driverId?: number;
  operatorId?: string;
  /** Expiry, unix seconds. */
  exp: number;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

export function issueToken(secret: string, who: { driverId: number } | { operatorId: string }, nowS = Math.floor(Date.now() / 1000), ttlS = TOKEN_TTL_S): string {
  const payload = Buffer.from(JSON.stringify({ ...who, exp: nowS + ttlS })).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The claims of a valid, unexpired token; null otherwise (never throws on bad input). */
export function verifyToken(secret: string, token: string, nowS = Math.floor(Date.now() / 1000)): TokenClaims | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 2048) return null;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    if (typeof claims.exp !== 'number' || claims.exp <= nowS) return null;
    return claims;
  } catch {
    return null;
  }
}
