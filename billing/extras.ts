// Sessions and billing wired into the platform: the ingest hook that builds sessions and issues
// invoices, the session/invoice/operator routes, the billing seed, and the node-cron jobs the
// embedded TimescaleDB cannot run itself (it runs no background workers).
//
//   const platform = await startPlatform(config, mergeExtras(billingExtras(config), paymentsExtras(config)));
import cron from 'node-cron';
import type { Config } from '../core/config.ts';
import type { Pool } from '../core/db/index.ts';
import type { Platform, PlatformExtras } from '../platform.ts';
import { createSessionHook, overstayScan, type SessionHook } from './sessions.ts';
import { ensureBillingSeed } from '../seed/billing-seed.ts';
import { sessionRoutes } from '../api/routes/sessions.ts';
import { operatorRoutes } from '../api/routes/operators.ts';
import { foldHourlyDeltas, type FoldMetrics } from '../analytics/hourly-stats.ts';

export interface BillingExtrasOptions {
  /** Leave the operator routes open (development and tests only); default: operator token required. */
  openOperatorRoutes?: boolean;
  /** Schedule the cron jobs (default true, and only with config SCHEDULED_JOBS); tests may turn them off. */
  cron?: boolean;
}

export interface BillingExtras extends PlatformExtras {
  /** The ingest hook: its `events` emitter says which invoices each committed batch issued. */
  sessionHook: SessionHook;
}

/** Concatenate the hooks, plugins and onStarted of several extras (billing, payments…). */
export function mergeExtras(...parts: PlatformExtras[]): PlatformExtras {
  return {
    hooks: parts.flatMap((p) => p.hooks ?? []),
    plugins: parts.flatMap((p) => p.plugins ?? []),
    onStarted: parts.flatMap((p) => p.onStarted ?? []),
  };
}

export function billingExtras(config: Pick<Config, 'INVOICE_DUE_DAYS' | 'AUTH_TOKEN_SECRET' | 'SCHEDULED_JOBS'>, opts: BillingExtrasOptions = {}): BillingExtras {
  const sessionHook = createSessionHook({ dueDays: config.INVOICE_DUE_DAYS, ensureTariffs: ensureBillingSeed });
  return {
    sessionHook,
    hooks: [sessionHook],
    plugins: [
      sessionRoutes({ authSecret: opts.openOperatorRoutes ? undefined : config.AUTH_TOKEN_SECRET }),
      operatorRoutes({ authSecret: config.AUTH_TOKEN_SECRET, open: opts.openOperatorRoutes }),
    ],
    onStarted: [async (platform: Platform) => {
      // The demo seed runs inside startPlatform before this; lots exist now.
      await ensureBillingSeed(platform.db.pool);
      await sessionHook.reload(platform.db.pool);
      sessionHook.metrics = platform.metrics;
      if (opts.cron === false || !config.SCHEDULED_JOBS) return async () => {};
      return scheduleBillingJobs(platform.db.pool, (m, err) => (err ? platform.api.log.error({ err }, m) : platform.api.log.info(m)), platform.metrics);
    }],
  };
}

/**
 * The periodic jobs: overstay scan (every 15 min), the occupancy continuous aggregate (every
 * 5 min), the analytics' hourly deltas (every 10 s), and TimescaleDB's compression/retention
 * policies (hourly). Each job awaits one
 * statement at a time on the pool and holds no client (the embedded pool has one connection).
 * Returns the stop.
 */
export function scheduleBillingJobs(pool: Pool, log: (m: string, err?: unknown) => void, metrics?: FoldMetrics): () => Promise<void> {
  const job = (name: string, fn: () => Promise<void>) => async () => {
    try { await fn(); } catch (err) { log(`${name} failed; it runs again at its next slot`, err); }
  };
  const tasks = [
    cron.schedule('*/15 * * * *', job('overstay scan', async () => {
      const n = await overstayScan(pool, new Date());
      if (n) log(`sessions: ${n} open session(s) past their lot's maximum stay kept as overstay exceptions`);
      // The embedded database has no autovacuum: keep the planner's statistics of the busy tables fresh.
      await pool.query('ANALYZE sessions, invoices, session_exceptions');
    }), { name: 'onelot-overstay-scan', noOverlap: true }),
    // migrations/002: a continuous aggregate the embedded database never refreshes on its own.
    cron.schedule('*/5 * * * *', job('occupancy aggregate refresh', async () => {
      await pool.query(`CALL refresh_continuous_aggregate('lot_occupancy_15m', now() - interval '2 days', now())`);
    }), { name: 'onelot-occupancy-aggregate', noOverlap: true }),
    // migrations/008: the analytics' hourly deltas, appended by the ingest path, into their table.
    cron.schedule('*/10 * * * * *', job('analytics fold', async () => { await foldHourlyDeltas(pool, metrics); }), { name: 'onelot-analytics-fold', noOverlap: true }),
    // migrations/003: compression and retention policies exist as jobs; run them by hand.
    cron.schedule('7 * * * *', job('timescaledb policy jobs', async () => {
      const { rows } = await pool.query(`SELECT job_id FROM timescaledb_information.jobs WHERE proc_name IN ('policy_compression', 'policy_retention')`);
      for (const r of rows) await pool.query(`CALL run_job(${Number(r.job_id)})`);
    }), { name: 'onelot-timescale-policies', noOverlap: true }),
  ];
  return async () => { for (const t of tasks) await t.destroy(); };
}
