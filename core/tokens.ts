// Bearer tokens for drivers and operators: `<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`,
// signed with AUTH_TOKEN_SECRET. A token only names a session (core/sessions.ts): the signature
// spares the database a lookup for forged or expired tokens, and the session row decides whether a
// well-signed one is still honoured (signed out, password changed, account disabled).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOKEN_TTL_S = 12 * 3600;

export interface TokenClaims {
  /** The session (auth_sessions.id) the token stands for. */
  sid: string;
  /** Expiry, unix seconds. */
  exp: number;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

export function issueToken(secret: string, sid: string, nowS = Math.floor(Date.now() / 1000), ttlS = TOKEN_TTL_S): string {
  const payload = Buffer.from(JSON.stringify({ sid, exp: nowS + ttlS })).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The claims of a well-signed, unexpired token; null otherwise (never throws on bad input). */
export function verifyToken(secret: string, token: string, nowS = Math.floor(Date.now() / 1000)): TokenClaims | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 2048) return null;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    if (typeof claims.exp !== 'number' || claims.exp <= nowS || typeof claims.sid !== 'string') return null;
    return claims;
  } catch {
    return null;
  }
}
