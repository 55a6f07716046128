// A failure counter with a lock-out, for the MQTT broker's CONNECT (ingest/connect-limiter.ts),
// where the key is a device id or an address. HTTP sign-ins no longer use it: a lock-out keyed by an
// account lets a stranger lock the owner out; they are rate-limited instead (api/rate-limits.ts).

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
