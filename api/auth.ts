// Bearer tokens for drivers (and operators): `<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`,
// signed with AUTH_TOKEN_SECRET. Stateless and short-lived (12 h) so a leaked token expires on its
// own; logging out is forgetting the token. Operators sign in at POST /api/v1/operator/login
// (api/routes/operators.ts); scripts can mint a token with `npm run operator:token`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OneLotError } from '../core/errors.ts';

export const TOKEN_TTL_S = 12 * 3600;

export interface TokenClaims {
  driverId?: number;
  operatorId?: string;
  /** Expiry, unix seconds. */
  exp: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireDriver / optionalDriver. */
    driverId?: number;
    operatorId?: string;
  }
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

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

export interface Auth {
  /** preHandler: 401 ONELOT_ERR_UNAUTHORIZED unless a valid driver token is presented. */
  requireDriver(req: FastifyRequest): Promise<void>;
  /** preHandler: sets req.driverId when a valid driver token is presented; an invalid one is a 401. */
  optionalDriver(req: FastifyRequest): Promise<void>;
  /** preHandler: 401 unless a valid operator token is presented. */
  requireOperator(req: FastifyRequest): Promise<void>;
}

export function createAuth(secret: string): Auth {
  const claimsOf = (req: FastifyRequest): TokenClaims | null | undefined => {
    const token = bearer(req);
    return token === undefined ? undefined : verifyToken(secret, token);
  };
  return {
    async requireDriver(req) {
      const claims = claimsOf(req);
      if (!claims || typeof claims.driverId !== 'number') throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
      req.driverId = claims.driverId;
    },
    async optionalDriver(req) {
      const claims = claimsOf(req);
      if (claims === undefined) return;
      // A token that was sent but is bad must not silently downgrade to anonymous.
      if (!claims || typeof claims.driverId !== 'number') throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
      req.driverId = claims.driverId;
    },
    async requireOperator(req) {
      const claims = claimsOf(req);
      if (!claims || typeof claims.operatorId !== 'string') throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
      req.operatorId = claims.operatorId;
    },
  };
}

/**
 * Login attempts per phone, in memory: after `maxFailures` wrong passwords the phone is locked
 * for `lockMs` (guessing a password online must be slow). One process only; a restart forgets.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();
  constructor(private readonly maxFailures = 5, private readonly lockMs = 15 * 60_000) {}

  /** Milliseconds until the phone may try again; 0 when it may try now. */
  retryAfterMs(phone: string, now = Date.now()): number {
    const f = this.failures.get(phone);
    return f && f.lockedUntil > now ? f.lockedUntil - now : 0;
  }

  fail(phone: string, now = Date.now()): void {
    const f = this.failures.get(phone) ?? { count: 0, lockedUntil: 0 };
    f.count++;
    if (f.count >= this.maxFailures) {
      f.lockedUntil = now + this.lockMs;
      f.count = 0;
    }
    this.failures.set(phone, f);
    if (this.failures.size > 100_000) this.failures.clear(); // bounded memory under a spray attack
  }

  succeed(phone: string): void {
    this.failures.delete(phone);
  }
}

/**
 * A sign-in behind the limiter: 429 (with retry-after) while `key` is locked; otherwise `attempt`
 * runs, and finding no account (null) counts a failure and answers 401 with `wrong`, one message
 * for an unknown name and a wrong password.
 */
export async function limitedLogin<T>(limiter: LoginLimiter, key: string, reply: FastifyReply, attempt: () => Promise<T | null>, wrong: string): Promise<T> {
  const wait = limiter.retryAfterMs(key);
  if (wait > 0) {
    reply.header('retry-after', Math.ceil(wait / 1000));
    throw new OneLotError('ONELOT_ERR_RATE_LIMITED');
  }
  const account = await attempt();
  if (account === null) {
    limiter.fail(key);
    const err = new OneLotError('ONELOT_ERR_UNAUTHORIZED');
    err.message = wrong;
    throw err;
  }
  limiter.succeed(key);
  return account;
}
