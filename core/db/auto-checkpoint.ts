// What PostgreSQL's checkpointer does on a server, for the embedded database, which has none.
// PGlite runs PostgreSQL as one standalone backend: no checkpointer process (so no
// checkpoint_timeout), and a standalone backend never asks for a checkpoint when the write-ahead
// log grows (xlog.c requests one only IsUnderPostmaster). So the embedded database checkpointed
// only when it was closed, and kept every byte of WAL since it opened: a whole-city run wrote
// 5 MB/s, 3.1 GB in ten minutes, which fills a disk in a day, and a crash would replay all of it
// before the platform could start again.
import type pg from 'pg';

/** A pool, or a client checked out of one. */
type Queryable = Pick<pg.ClientBase, 'query'>;

/** How often the WAL written since the last checkpoint is looked at. */
export const LOOK_EVERY_MS = 10_000;
/**
 * A checkpoint once this much WAL was written since the last one (a server's max_wal_size), or once
 * CHECKPOINT_EVERY_MS passed with any written. Rarely, because the embedded database does nothing
 * else meanwhile: at city scale a checkpoint held the one connection 1.0–1.7 s, and each one makes
 * the next change of every page log the whole page (full_page_writes), so checkpointing every
 * 256 MB tripled the WAL written (5 → 15 MB/s), a checkpoint came every 20 s, and the city fell
 * behind (docs/performance.md). At these values the city checkpoints every few minutes, and a
 * quiet demo every quarter of an hour; the disk holds at most ~2 GB of WAL more than the data.
 */
export const CHECKPOINT_WAL_BYTES = 2 * 1024 ** 3;
export const CHECKPOINT_EVERY_MS = 15 * 60_000;

export interface WalSinceCheckpoint { bytes: number; ageMs: number }

/** WAL written since the last checkpoint began (its redo point), and how long ago that checkpoint was. */
export async function walSinceCheckpoint(pool: Queryable): Promise<WalSinceCheckpoint> {
  const { rows } = await pool.query<{ bytes: string; age_ms: number }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), redo_lsn)::bigint AS bytes,
            (extract(epoch FROM clock_timestamp() - checkpoint_time) * 1000)::float8 AS age_ms
       FROM pg_control_checkpoint()`);
  return { bytes: Number(rows[0].bytes), ageMs: rows[0].age_ms };
}

/** Whether a checkpoint is due. A checkpoint record itself is ~100 bytes of WAL: an idle database is not checkpointed again and again. */
export const checkpointDue = (w: WalSinceCheckpoint, o = { walBytes: CHECKPOINT_WAL_BYTES, everyMs: CHECKPOINT_EVERY_MS }): boolean =>
  w.bytes >= o.walBytes || (w.ageMs >= o.everyMs && w.bytes > 1024);

/**
 * Every LOOK_EVERY_MS, a CHECKPOINT when one is due; `onCheckpoint` is told what it covered and how
 * long it held the connection. Errors (a pool closing) wait for the next look.
 */
export function startAutoCheckpoint(pool: pg.Pool, onCheckpoint?: (w: WalSinceCheckpoint, ms: number) => void,
  o = { lookEveryMs: LOOK_EVERY_MS, walBytes: CHECKPOINT_WAL_BYTES, everyMs: CHECKPOINT_EVERY_MS }): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    (async () => {
      const w = await walSinceCheckpoint(pool);
      if (!checkpointDue(w, o)) return;
      const started = performance.now();
      await pool.query('CHECKPOINT');
      onCheckpoint?.(w, performance.now() - started);
    })().catch(() => {}).finally(() => { running = false; });
  }, o.lookEveryMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
