// Online password guessing must be slow: a sign-in (drivers by phone, operators by id) runs behind
// a limiter that locks a key after repeated failures, and answers an unknown account and a wrong
// password with the same message.
import type { FastifyReply } from 'fastify';
import { OneLotError } from './errors.ts';

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
