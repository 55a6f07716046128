// lot_hourly_stats (migrations/008): per lot and UTC hour, the parking periods that began and
// ended, their stays, what was invoiced and what was paid. Kept exact by the statements that change
// those facts, in their own transactions (sessions and invoices in the ingest hook, payments,
// refunds, voids): each appends its deltas to lot_hourly_deltas, a table without indexes (an
// append costs the ingest path next to nothing; an upsert per lot and hour cost bench:billing
// ~10 %), and foldHourlyDeltas moves them into lot_hourly_stats every few seconds. Reports read
// both, so nothing committed is ever missing from them. migrations/008 fills it from history once.
import type { Pool } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';

/** A UTC hour as the table keys it, whatever the database session's time zone. */
const hourOf = (t: string) => `date_trunc('hour', ${t}, 'UTC')`;

const COLUMNS = 'lot_id, hour, sessions, closed, stay_minutes, invoiced_fen, paid_fen';

/**
 * A data-modifying CTE body that records `deltas`: a SELECT of (lot_id, hour, sessions, closed,
 * stay_minutes, invoiced_fen, paid_fen), summed per lot and hour first.
 */
export function addToHourlyStats(deltas: string): string {
  return `INSERT INTO lot_hourly_deltas (${COLUMNS})
      SELECT lot_id, hour, sum(sessions), sum(closed), sum(stay_minutes), sum(invoiced_fen), sum(paid_fen)
        FROM (${deltas}) AS d(${COLUMNS})
       GROUP BY lot_id, hour`;
}

/** The hourly figures with the deltas not folded yet: what every reader must use. */
export const HOURLY_FIGURES = `(SELECT ${COLUMNS} FROM lot_hourly_stats UNION ALL SELECT ${COLUMNS} FROM lot_hourly_deltas)`;

/** Where each fold is timed and counted (core/metrics.ts). */
export type FoldMetrics = Pick<Metrics, 'analyticsFoldSeconds' | 'analyticsDeltasFolded'>;

/**
 * Move the recorded deltas into lot_hourly_stats (one statement: atomic), then let the delta table
 * reuse its space (the embedded database runs no autovacuum). Returns how many deltas were folded.
 * With `metrics`, the whole fold (statement and VACUUM: the time it holds the connection) is timed.
 */
export async function foldHourlyDeltas(pool: Pool, metrics?: FoldMetrics): Promise<number> {
  const started = performance.now();
  const { rows } = await pool.query<{ n: number }>(`
    WITH d AS (DELETE FROM lot_hourly_deltas RETURNING *),
    up AS (
      INSERT INTO lot_hourly_stats AS h (${COLUMNS})
      SELECT lot_id, hour, sum(sessions), sum(closed), sum(stay_minutes), sum(invoiced_fen), sum(paid_fen) FROM d GROUP BY lot_id, hour
      ON CONFLICT (lot_id, hour) DO UPDATE SET sessions = h.sessions + EXCLUDED.sessions, closed = h.closed + EXCLUDED.closed,
        stay_minutes = h.stay_minutes + EXCLUDED.stay_minutes, invoiced_fen = h.invoiced_fen + EXCLUDED.invoiced_fen,
        paid_fen = h.paid_fen + EXCLUDED.paid_fen
    )
    SELECT count(*)::int AS n FROM d`);
  if (rows[0].n > 0) await pool.query('VACUUM lot_hourly_deltas');
  metrics?.analyticsFoldSeconds.observe((performance.now() - started) / 1000);
  metrics?.analyticsDeltasFolded.inc(rows[0].n);
  return rows[0].n;
}

/** Deltas of sessions written (a CTE with lot_id, entry_time, exit_time): began, and ended if closed. */
export function sessionDeltas(cte: string, which: 'began and ended' | 'ended'): string {
  const ended = `SELECT lot_id, ${hourOf('exit_time')}, 0, 1, extract(epoch FROM exit_time - entry_time) / 60, 0::bigint, 0::bigint FROM ${cte} WHERE exit_time IS NOT NULL`;
  return which === 'ended' ? ended
    : `SELECT lot_id, ${hourOf('entry_time')}, 1, 0, 0::float8, 0::bigint, 0::bigint FROM ${cte} UNION ALL ${ended}`;
}

/**
 * Deltas of ended periods whose end moved (a CTE with lot_id, entry_time, exit_time and the end
 * they had, was_time): the old end taken back, the new one counted.
 */
export function movedEndDeltas(cte: string): string {
  return `SELECT lot_id, ${hourOf('was_time')}, 0, -1, -extract(epoch FROM was_time - entry_time) / 60, 0::bigint, 0::bigint FROM ${cte}
          UNION ALL ${sessionDeltas(cte, 'ended')}`;
}

/** Deltas of invoices issued (a CTE with lot_id, issued_at, amount_fen), or `sign` -1 for a void. */
export function invoicedDeltas(cte: string, sign: 1 | -1 = 1): string {
  return `SELECT lot_id, ${hourOf('issued_at')}, 0, 0, 0::float8, ${sign} * amount_fen::bigint, 0::bigint FROM ${cte}`;
}

/** Deltas of invoices paid (a CTE with lot_id, paid_at, amount_fen), or `sign` -1 for a refund. */
export function paidDeltas(cte: string, sign: 1 | -1 = 1): string {
  return `SELECT lot_id, ${hourOf('paid_at')}, 0, 0, 0::float8, 0::bigint, ${sign} * amount_fen::bigint FROM ${cte}`;
}

/**
 * Recompute [from, to) from the raw rows: a repair tool (and the yardstick the tests hold the
 * maintained figures to). Scans sessions and invoices, so not for the hot path.
 */
export async function recomputeHourlyStats(pool: Pool, from: Date, to: Date): Promise<number> {
  const { rows } = await pool.query<{ rows: number }>(`
    WITH fresh AS (SELECT * FROM lot_hourly_stats_between($1, $2)),
    pending AS (DELETE FROM lot_hourly_deltas WHERE hour >= $1 AND hour < $2),
    gone AS (
      DELETE FROM lot_hourly_stats s WHERE s.hour >= $1 AND s.hour < $2
         AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.lot_id = s.lot_id AND f.hour = s.hour)
    ), up AS (
      INSERT INTO lot_hourly_stats SELECT * FROM fresh
      ON CONFLICT (lot_id, hour) DO UPDATE SET sessions = EXCLUDED.sessions, closed = EXCLUDED.closed,
        stay_minutes = EXCLUDED.stay_minutes, invoiced_fen = EXCLUDED.invoiced_fen, paid_fen = EXCLUDED.paid_fen
      RETURNING 1
    )
    SELECT count(*)::int AS rows FROM up`, [from.toISOString(), to.toISOString()]);
  return rows[0].rows;
}
