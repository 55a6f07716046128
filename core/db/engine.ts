// Which storage engine a database runs: TimescaleDB (the embedded default, or a server that has it)
// or plain PostgreSQL 15+ (many managed services, and the machines we test on, cannot install
// TimescaleDB). The schema and every query run on both; what differs is how the event tables are
// kept (migrations/timescaledb/ and migrations/postgres/, core/db/partitions.ts):
//   timescaledb — hypertables, compression, retention policies, a continuous aggregate;
//   postgres    — native range partitions made ahead and dropped past retention by a job, and
//                 OneLot's own 15-minute occupancy rollup in place of the continuous aggregate.
// A database keeps the engine it was first migrated with: a server that gains TimescaleDB later
// does not turn a partitioned schema into hypertables behind our back.
import type pg from 'pg';

export type Engine = 'timescaledb' | 'postgres';

/** Oldest server without TimescaleDB we run on: date_bin (14) and a partitioned-table planner that prunes well. */
const MIN_PLAIN_SERVER_VERSION = 150_000;

/** The database cannot serve OneLot as it is; the message says what to change. */
class EngineError extends Error {}

/** The engine of a database whose choice is made: TimescaleDB when its extension is installed in it. */
export async function engineOf(db: pg.Pool | pg.PoolClient): Promise<Engine> {
  const { rows } = await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
  return rows.length > 0 ? 'timescaledb' : 'postgres';
}

/** What chooseEngine reads of a server and a database. */
export interface ServerFacts {
  /** server_version_num, e.g. 150020. */
  version: number;
  /** server_version, as people read it. */
  name: string;
  /** TimescaleDB is installed in this database / can be installed on this server. */
  installed: boolean;
  available: boolean;
  /** OneLot's migrations have run in this database (it has a schema_version table). */
  migrated: boolean;
  /** DATABASE_URL (a server), not the embedded database. */
  external: boolean;
}

/**
 * The engine for a database (and whether TimescaleDB must be created in it first), or the reason
 * OneLot cannot run on it, worded for the person who set DATABASE_URL: TimescaleDB when it is
 * installed, or available and the database is still empty of OneLot's schema; otherwise plain
 * PostgreSQL when the server is 15 or newer.
 */
export function decideEngine(s: ServerFacts): { engine: Engine; createExtension: boolean } | { refused: string } {
  if (s.installed) return { engine: 'timescaledb', createExtension: false };
  if (s.available && !s.migrated) return { engine: 'timescaledb', createExtension: true };
  if (!s.external) return { refused: 'The embedded database has no timescaledb extension; reinstall dependencies with `npm install`.' };
  if (s.version < MIN_PLAIN_SERVER_VERSION) {
    return {
      refused: `The server at DATABASE_URL is PostgreSQL ${s.name} without TimescaleDB. OneLot needs PostgreSQL 15 or newer (it then keeps its event tables in native partitions), or TimescaleDB on the server: upgrade it, install TimescaleDB, or unset DATABASE_URL to use the embedded TimescaleDB.`,
    };
  }
  return { engine: 'postgres', createExtension: false };
}

/** Decide the engine of a database we are about to use (and migrate); refuses, saying what to do, a database we cannot run on. */
export async function chooseEngine(pool: pg.Pool, external: boolean): Promise<Engine> {
  const { rows: [facts] } = await pool.query<Omit<ServerFacts, 'external'>>(`
    SELECT current_setting('server_version_num')::int AS version, current_setting('server_version') AS name,
           EXISTS (SELECT FROM pg_extension WHERE extname = 'timescaledb') AS installed,
           EXISTS (SELECT FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
           to_regclass('schema_version') IS NOT NULL AS migrated`);
  const decided = decideEngine({ ...facts, external });
  if ('refused' in decided) throw new EngineError(decided.refused);
  if (decided.createExtension) {
    try {
      await pool.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    } catch (err) {
      throw new EngineError(`The server at DATABASE_URL has TimescaleDB but it could not be created in this database (${(err as Error).message}). Add timescaledb to shared_preload_libraries and restart the server, or use a server without it (PostgreSQL 15+).`);
    }
  }
  return decided.engine;
}
