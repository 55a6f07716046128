// The one database handle the rest of OneLot sees: a pg.Pool, whether the TimescaleDB behind it is
// an outside server (DATABASE_URL) or the embedded one. Swap the embedded engine here and nowhere else.
import pg from 'pg';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Postgrator from 'postgrator';
import { startEmbeddedDatabaseWorker } from './embedded-thread.ts';
import type { EmbeddedDatabase } from './embedded.ts';
import type { SyncCounts } from './sync-counters.ts';

// bigint counts come back as strings by default; our counts and sequence numbers fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface Database {
  pool: pg.Pool;
  mode: 'embedded' | 'external';
  /**
   * Embedded mode: seconds the database thread has been busy since it started. A counter, not a
   * share, so every reader takes the difference over its own window (core/metrics.ts exports it).
   */
  busySeconds?: () => number;
  /** Embedded mode, durable: how many times commits and checkpoints were synced to disk (durable-fs.ts). */
  syncs?: () => SyncCounts;
  close(): Promise<void>;
}

export class DatabaseError extends Error {}

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
    pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
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
  try {
    await ensureTimescale(pool, opts.databaseUrl !== undefined);
  } catch (err) {
    await pool.end().catch(() => {});
    await embedded?.close();
    throw err;
  }
  let closed = false;
  return {
    pool,
    mode: embedded ? 'embedded' : 'external',
    busySeconds: embedded?.busySeconds,
    syncs: embedded?.syncs,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      await embedded?.close();
    },
  };
}

async function ensureTimescale(pool: pg.Pool, external: boolean): Promise<void> {
  const { rows } = await pool.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
  if (rows.length === 0) {
    throw new DatabaseError(
      external
        ? 'The server at DATABASE_URL has no timescaledb extension. Install TimescaleDB on it (and add it to shared_preload_libraries), or unset DATABASE_URL to use the embedded TimescaleDB.'
        : 'The embedded database has no timescaledb extension; reinstall dependencies with `npm install`.',
    );
  }
  await pool.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export class MigrationError extends Error {}

/** Apply numbered SQL migrations (migrations/NNN.do.name.sql). Throws MigrationError naming the file. */
export async function migrate(pool: pg.Pool, log: (msg: string) => void = () => {}): Promise<number> {
  const client = await pool.connect();
  try {
    const postgrator = new Postgrator({
      migrationPattern: path.join(MIGRATIONS_DIR, '*'),
      driver: 'pg',
      schemaTable: 'schema_version',
      execQuery: (query) => client.query(query),
    });
    let current = 'the first migration';
    postgrator.on('migration-started', (m) => {
      current = path.join('migrations', path.basename(m.filename));
      log(`applying ${current}`);
    });
    try {
      const applied = await postgrator.migrate();
      return applied.length;
    } catch (err) {
      throw new MigrationError(`Migration failed in ${current}: ${(err as Error).message}`);
    }
  } finally {
    client.release();
  }
}
