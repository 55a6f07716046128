// Keeps lot_hourly_stats (migrations/008) materialised: per lot and UTC hour, the parking periods
// that began and ended, stays, invoiced and paid. node-cron calls refreshRecent every 5 minutes and
// refreshDeep nightly; analytics/report.ts adds what is newer than the watermark at query time.
import type { Pool } from '../core/db/index.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** What the 5-minute pass recomputes: late device events and payments land within this. */
export const RECENT_HOURS = 48;
/** What the nightly pass recomputes (voids and refunds of older invoices): the longest report range. */
export const DEEP_DAYS = 92;

export const floorHour = (t: Date) => new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);
export const ceilHour = (t: Date) => new Date(Math.ceil(t.getTime() / HOUR_MS) * HOUR_MS);

/**
 * Recompute [from, to) (whole hours) in one statement, and move the watermark to `to` when the
 * window starts at or before it (so everything before the watermark stays materialised).
 */
export async function refreshHourlyStats(pool: Pool, from: Date, to: Date): Promise<number> {
  const { rows } = await pool.query<{ rows: number }>(`
    WITH fresh AS (SELECT * FROM lot_hourly_stats_between($1, $2)),
    gone AS (
      DELETE FROM lot_hourly_stats s WHERE s.hour >= $1 AND s.hour < $2
         AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.lot_id = s.lot_id AND f.hour = s.hour)
    ), up AS (
      INSERT INTO lot_hourly_stats SELECT * FROM fresh
      ON CONFLICT (lot_id, hour) DO UPDATE SET sessions = EXCLUDED.sessions, closed = EXCLUDED.closed,
        stay_minutes = EXCLUDED.stay_minutes, invoiced_fen = EXCLUDED.invoiced_fen, paid_fen = EXCLUDED.paid_fen
      RETURNING 1
    ), moved AS (
      UPDATE analytics_state SET materialized_until = $2 WHERE materialized_until >= $1 AND materialized_until < $2
    )
    SELECT count(*)::int AS rows FROM up`, [floorHour(from).toISOString(), floorHour(to).toISOString()]);
  return rows[0].rows;
}

/**
 * Recompute [from, to) a day per statement, so a long window never holds the embedded database's
 * one connection for long (ingest goes on between the statements).
 */
async function refreshInDays(pool: Pool, from: Date, to: Date): Promise<void> {
  for (let t = floorHour(from).getTime(); t < to.getTime(); t += DAY_MS) {
    await refreshHourlyStats(pool, new Date(t), new Date(Math.min(t + DAY_MS, to.getTime())));
  }
}

/**
 * The 5-minute pass: the last RECENT_HOURS up to the last whole hour. On a database that never had
 * one (first start, or an upgrade with history), it first backfills from the earliest session.
 */
export async function refreshRecent(pool: Pool, now = new Date()): Promise<void> {
  await summarizeTimeIndexes(pool);
  const until = floorHour(now);
  const { rows } = await pool.query<{ wm: Date | null; earliest: Date | null }>(
    `SELECT CASE WHEN materialized_until = '-infinity' THEN NULL ELSE materialized_until END AS wm,
            CASE WHEN materialized_until = '-infinity' THEN (SELECT min(entry_time) FROM sessions) END AS earliest
       FROM analytics_state`);
  let from = new Date(Math.min(until.getTime(), (rows[0].wm ?? until).getTime()) - RECENT_HOURS * HOUR_MS);
  if (!rows[0].wm) {
    // Nothing before the earliest session can have figures: start the watermark there.
    const start = floorHour(new Date(Math.min(rows[0].earliest?.getTime() ?? until.getTime(), from.getTime())));
    await pool.query(`UPDATE analytics_state SET materialized_until = $1 WHERE materialized_until = '-infinity'`, [start.toISOString()]);
    from = start;
  }
  await refreshInDays(pool, from, until);
}

/**
 * The BRIN indexes on session and invoice times (migrations/008) only narrow a search to the block
 * ranges they have summarised, and without autovacuum (the embedded database runs none) nobody
 * summarises new ones: each pass does, so a recent hour is a few blocks, not the whole table.
 */
export async function summarizeTimeIndexes(pool: Pool): Promise<void> {
  await pool.query(`SELECT brin_summarize_new_values(i) FROM unnest(ARRAY['sessions_entry_brin', 'sessions_exit_brin', 'invoices_issued_brin', 'invoices_paid_brin']::regclass[]) AS i`);
}

/** The nightly pass: the last DEEP_DAYS, for changes to old invoices (voids, refunds). */
export async function refreshDeep(pool: Pool, now = new Date()): Promise<void> {
  const until = floorHour(now);
  await refreshInDays(pool, new Date(until.getTime() - DEEP_DAYS * DAY_MS), until);
}
