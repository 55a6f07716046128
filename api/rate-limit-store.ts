// @fastify/rate-limit's counters for processes by role (README, "Roles"): the sign-in and account
// limits (api/rate-limits.ts, each made with createRateLimit, which asks the store for a child)
// count in the database (migrations/026), so every api process on it shares them; the API-wide
// per-address limit stays in this process's memory, where it guards what it is for — one
// process's capacity — without a database round trip on every request.
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Pool } from '../core/db/index.ts';
import type { Job } from '../core/module.ts';

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1];
// The plugin's own in-memory store, for the API-wide limit (not in its typings).
const LocalStore = createRequire(import.meta.url)('@fastify/rate-limit/store/LocalStore.js') as new (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number) => FastifyRateLimitStore;

/** A fixed window per key, as the plugin's LocalStore counts: the first hit opens it, `timeWindow` ms long. */
const INCR_SQL = `
INSERT INTO rate_limit_hits AS h (key, hits, reset_at) VALUES ($1, 1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN h.reset_at <= clock_timestamp() THEN 1 ELSE h.hits + 1 END,
  reset_at = CASE WHEN h.reset_at <= clock_timestamp() THEN EXCLUDED.reset_at ELSE h.reset_at END
RETURNING hits, GREATEST(0, ceil(extract(epoch FROM h.reset_at - clock_timestamp()) * 1000))::int AS ttl`;

class DatabaseStore implements FastifyRateLimitStore {
  constructor(private readonly pool: Pool, private readonly secret: string) {}

  incr(key: string, callback: IncrCallback, timeWindow: number): void {
    // Keys name addresses and phones: only a keyed hash of them is stored.
    const hashed = createHmac('sha256', this.secret).update(key).digest('base64url');
    this.pool.query<{ hits: number; ttl: number }>(INCR_SQL, [hashed, timeWindow]).then(
      ({ rows }) => callback(null, { current: rows[0].hits, ttl: rows[0].ttl }),
      (err: Error) => callback(err),
    );
  }

  child(): FastifyRateLimitStore {
    return this;
  }
}

/** The store to register the plugin with: API-wide in memory, every createRateLimit limit in the database. */
export function sharedSignInStore(pool: Pool, secret: string): FastifyRateLimitStoreCtor {
  return class SplitStore implements FastifyRateLimitStore {
    private readonly local: FastifyRateLimitStore;
    constructor(params: { continueExceeding?: boolean; exponentialBackoff?: boolean }) {
      this.local = new LocalStore(params.continueExceeding ?? false, params.exponentialBackoff ?? false);
    }
    incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void { this.local.incr(key, callback, timeWindow, max); }
    child(): FastifyRateLimitStore { return new DatabaseStore(pool, secret); }
  } as unknown as FastifyRateLimitStoreCtor;
}

/** Windows long closed are forgotten (the key of a one-off address would otherwise stay). */
export const rateLimitJobs: Job[] = [{
  name: 'rate-limit counters purge', schedule: '*/10 * * * *',
  async run({ pool }) { await pool.query(`DELETE FROM rate_limit_hits WHERE reset_at < now() - interval '10 minutes'`); },
}];
