// The database work TimescaleDB would schedule itself, which the embedded database (it runs no
// background workers) needs done for it: refreshing the occupancy aggregate and running the
// compression and retention policies of the event hypertables.
import type { Job } from '../core/module.ts';

export const ingestJobs: Job[] = [
  // migrations/002: a continuous aggregate the embedded database never refreshes on its own.
  {
    name: 'occupancy aggregate refresh', schedule: '*/5 * * * *',
    async run({ pool }) { await pool.query(`CALL refresh_continuous_aggregate('lot_occupancy_15m', now() - interval '2 days', now())`); },
  },
  // migrations/003: compression and retention policies exist as jobs; run them by hand.
  {
    name: 'timescaledb policy jobs', schedule: '7 * * * *',
    async run({ pool }) {
      const { rows } = await pool.query(`SELECT job_id FROM timescaledb_information.jobs WHERE proc_name IN ('policy_compression', 'policy_retention')`);
      for (const r of rows) await pool.query(`CALL run_job(${Number(r.job_id)})`);
    },
  },
];
