// One transaction on one pooled connection: BEGIN, the caller's statements, COMMIT (ROLLBACK on
// any error). Keep it short: the embedded database has one connection (payments never hold one
// across a call to the provider: payments/charging.ts, guarantee 3).
import type { Pool, PoolClient } from './index.ts';

export async function withTx<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    return await inTransaction(c, fn);
  } finally {
    c.release();
  }
}

/** fn in one transaction on a connection the caller holds (core/db/short-turns.ts: the writer's). */
export async function inTransaction<T>(c: PoolClient, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
