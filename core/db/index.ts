// The one database handle the rest of OneLot sees: a pg.Pool, whether the database behind it is an
// outside server (DATABASE_URL: TimescaleDB, or plain PostgreSQL 15+) or the embedded TimescaleDB.
// Swap the embedded engine here and nowhere else.
import pg from 'pg';
import path from 'node:path';
import { startEmbeddedDatabaseWorker } from './embedded-thread.ts';
import type { EmbeddedDatabase } from './embedded.ts';
import type { SyncCounts } from './sync-counters.ts';
import { chooseEngine, type Engine } from './engine.ts';

// bigint counts come back as strings by default; our counts and sequence numbers fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface Database {
  pool: pg.Pool;
  mode: 'embedded' | 'external';
  /**
   * How the event tables are kept (core/db/engine.ts): TimescaleDB hypertables, or native
   * partitions on a plain PostgreSQL 15+ server. Decided at open, said at start-up.
   */
  engine: Engine;
  /**
   * Embedded mode: seconds the database thread has been busy since it started. A counter, not a
   * share, so every reader takes the difference over its own window (core/metrics.ts exports it).
   */
  busySeconds?: () => number;
  /** Embedded mode, durable: how many times commits and checkpoints were synced to disk (durable-fs.ts). */
  syncs?: () => SyncCounts;
  /** Embedded mode: the database thread's JS heap (bytes used, its cap, external memory), as last reported. */
  heap?: () => { used: number; limit: number; external: number } | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Pool size for an outside server (the embedded engine always gets exactly one connection). */
  poolSize?: number;
  /**
   * Embedded engine: each commit is on disk before it is acknowledged (core/db/durable-fs.ts).
   * Default true; false only to measure what that costs (EMBEDDED_FSYNC=false).
   */
  durable?: boolean;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let pool: pg.Pool;
  if (opts.databaseUrl) {
    // pipeline, as for the embedded engine: the ingest writer sends BEGIN and its hooks' reads on
    // one client together (one round trip, not one each; pg 9 refuses that without pipelining).
    pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10, pipeline: true });
  } else {
    embedded = await startEmbeddedDatabaseWorker(path.join(opts.dataDir, 'pg'), opts.durable ?? true);
    // pipeline: queries issued together (Promise.all) go out together and the wire server runs
    // them in one call, instead of one round trip to the database thread each.
    pool = new pg.Pool({ ...embedded.connection, max: 1, idleTimeoutMillis: 0, pipeline: true });
  }
  // A client error (the server went away, or the embedded database reopened) must not crash the
  // process: the query in flight rejects, the pool drops the client and the next query reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  let engine: Engine;
  try {
    engine = await chooseEngine(pool, opts.databaseUrl !== undefined);
  } catch (err) {
    await pool.end().catch(() => {});
    await embedded?.close();
    throw err;
  }
  let closed = false;
  return {
    pool,
    mode: embedded ? 'embedded' : 'external',
    engine,
    busySeconds: embedded?.busySeconds,
    syncs: embedded?.syncs,
    heap: embedded?.heap,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      await embedded?.close();
    },
  };
}

export { migrate } from './migrate.ts';
export { maintainPartitions } from './partitions.ts';
export { analyzeGrown, startAutoAnalyze, type GrownTable } from './auto-analyze.ts';
export { startAutoCheckpoint } from './auto-checkpoint.ts';
export { refreshOccupancy15m } from './occupancy.ts';
export type { Engine } from './engine.ts';
