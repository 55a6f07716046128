// The database work TimescaleDB would schedule itself, which the embedded database (it runs no
// background workers) needs done for it: refreshing the occupancy aggregate and running the
// compression and retention policies of the event hypertables; on plain PostgreSQL (no TimescaleDB)
// the same by OneLot: its occupancy rollup and the event tables' partitions, made ahead and dropped
// past retention (core/db/partitions.ts). And on both, the dead letters' retention.
import type { Job } from '../core/module.ts';
import { maintainPartitions, type Engine, type Pool } from '../core/db/index.ts';
import { checkDeviceHealth, foldCameraConfidence, DEFAULT_THRESHOLDS } from './device-health.ts';
import type { EventWriter } from './writer.ts';

/**
 * Dead letters are kept 30 days: long enough for a device maker to be told and look at what their
 * device sent, short enough that a device flooding bad messages cannot fill the disk.
 */
export const DEAD_LETTER_RETENTION_DAYS = 30;
/** Rows deleted per statement: the embedded database has one connection, so no long transaction holds it. */
const DEAD_LETTER_PURGE_BATCH = 5_000;

/** Delete dead letters received more than `days` ago, `batch` rows a statement; resolves with how many. */
export async function purgeDeadLetters(pool: Pool, days = DEAD_LETTER_RETENTION_DAYS, batch = DEAD_LETTER_PURGE_BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    // The oldest first, by the received_at index (migrations/001).
    const { rowCount } = await pool.query(
      `DELETE FROM dead_letters WHERE id IN (
         SELECT id FROM dead_letters WHERE received_at < now() - make_interval(days => $1) ORDER BY received_at LIMIT $2)`,
      [days, batch],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return total;
  }
}

/** ingest's scheduled work; device health marks silent bays unknown through `writer`. */
export function ingestJobs(writer: Pick<EventWriter, 'markUnknown'>, lowBatteryV = DEFAULT_THRESHOLDS.lowBatteryV, engine: Engine = 'timescaledb'): Job[] {
  // Devices are silent only counting from here: while the platform was down none could report.
  const upSince = new Date();
  return [
  ...(engine === 'timescaledb' ? timescaleJobs : plainPostgresJobs),
  {
    name: 'dead-letter retention', schedule: '23 * * * *',
    async run({ pool }) { await purgeDeadLetters(pool); },
  },
  // ingest/device-health.ts: silent, low-battery, stuck and low-confidence devices.
  {
    name: 'device health', schedule: '*/1 * * * *',
    async run({ pool, log }) {
      const report = await checkDeviceHealth(pool, (bays) => writer.markUnknown(bays), { ...DEFAULT_THRESHOLDS, lowBatteryV }, upSince);
      if (Object.values(report.opened).some((n) => n > 0) || report.silencedBays > 0) log.info(report, 'device health: alerts raised');
    },
  },
  {
    name: 'camera confidence fold', schedule: '2 * * * *',
    async run({ pool }) { await foldCameraConfidence(pool); },
  },
  ];
}

/** migrations/timescaledb/002 and 003: a continuous aggregate and policies the embedded database never runs on its own. */
const timescaleJobs: Job[] = [
  {
    name: 'occupancy aggregate refresh', schedule: '*/5 * * * *',
    async run({ pool }) { await pool.query(`CALL refresh_continuous_aggregate('lot_occupancy_15m', now() - interval '2 days', now())`); },
  },
  {
    name: 'timescaledb policy jobs', schedule: '7 * * * *',
    async run({ pool }) {
      const { rows } = await pool.query(`SELECT job_id FROM timescaledb_information.jobs WHERE proc_name IN ('policy_compression', 'policy_retention')`);
      for (const r of rows) await pool.query(`CALL run_job(${Number(r.job_id)})`);
    },
  },
];

/** migrations/postgres/002 and 003: the same work on plain PostgreSQL. */
const plainPostgresJobs: Job[] = [
  {
    name: 'occupancy rollup refresh', schedule: '*/5 * * * *',
    async run({ pool }) { await pool.query(`SELECT refresh_lot_occupancy_15m(now() - interval '2 days', now())`); },
  },
  {
    name: 'partition maintenance', schedule: '7 * * * *',
    async run({ pool, log }) {
      const r = await maintainPartitions(pool);
      if (r.created.length + r.dropped.length + r.deferred.length + r.moved + r.expired > 0) log.info(r, 'partition maintenance');
    },
  },
];
