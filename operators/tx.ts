// One transaction on one pooled connection: BEGIN, the caller's statements, COMMIT (ROLLBACK on
// any error).
import type { Pool, PoolClient } from '../core/db/index.ts';

export async function withTx<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}
