// lot_occupancy_15m, the 15-minute occupancy per lot that analytics and price steps read, is a
// TimescaleDB continuous aggregate or, on plain PostgreSQL, OneLot's own rollup
// (migrations/timescaledb/002, migrations/postgres/002). Both read alike; bringing them up to date
// over a window is done differently, here.
import type pg from 'pg';
import { engineOf } from './engine.ts';

/** Materialise the whole 15-minute buckets of [from, to) (cheap where it is current already). */
export async function refreshOccupancy15m(pool: pg.Pool, from: Date, to: Date): Promise<void> {
  if (await engineOf(pool) === 'timescaledb') {
    // A procedure that refuses to run inside a transaction: literals, one statement.
    await pool.query(`CALL refresh_continuous_aggregate('lot_occupancy_15m', '${from.toISOString()}'::timestamptz, '${to.toISOString()}'::timestamptz)`);
  } else {
    await pool.query('SELECT refresh_lot_occupancy_15m($1, $2)', [from, to]);
  }
}
