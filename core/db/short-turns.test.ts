// Short work on the embedded database's one connection (core/db/short-turns.ts): on the pool when
// nobody holds it, else waiting for the holder's turn, each turn its own transaction.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Database } from './index.ts';
import { openSeededDatabase, type SeededDatabase } from '../../test/seeded-database.ts';
import { ShortTurns } from './short-turns.ts';

let seeded: SeededDatabase;
let db: Database;
beforeAll(async () => {
  seeded = await openSeededDatabase('short-turns');
  db = seeded.db;
  await db.pool.query('CREATE TABLE short_turns_probe (n int)');
}, 60_000);
afterAll(async () => { await seeded?.close(); });

const rows = async () => (await db.pool.query('SELECT n FROM short_turns_probe ORDER BY n')).rows.map((r) => r.n);

describe('short turns', () => {
  it('nobody holding the connection: a turn takes the pool at once', async () => {
    const turns = new ShortTurns(db.pool);
    expect(await turns.tx(async (c) => (await c.query('INSERT INTO short_turns_probe VALUES (1) RETURNING n')).rows[0].n)).toBe(1);
    expect(await rows()).toEqual([1]);
  });

  it('held: turns wait for the holder, run on its connection in order, each its own transaction (one that throws rolls back alone)', async () => {
    const turns = new ShortTurns(db.pool);
    const client = await db.pool.connect();
    turns.hold();
    const ran: number[] = [];
    const a = turns.tx(async (c) => { expect(c).toBe(client); ran.push(2); await c.query('INSERT INTO short_turns_probe VALUES (2)'); });
    const b = turns.tx(async (c) => { ran.push(3); await c.query('INSERT INTO short_turns_probe VALUES (3)'); throw new Error('refused'); });
    const refused = expect(b).rejects.toThrow('refused');
    const d = turns.run(async (c) => { ran.push(4); await c.query('INSERT INTO short_turns_probe VALUES (4)'); });
    await new Promise((r) => setTimeout(r, 50));
    expect(ran).toEqual([]);
    expect(turns.waiting).toBe(true);
    await turns.runOn(client);
    expect(ran).toEqual([2, 3, 4]);
    await a;
    await refused;
    await d;
    expect(turns.waiting).toBe(false);
    turns.release();
    client.release();
    expect(await rows()).toEqual([1, 2, 4]);
  });

  it('released with turns still waiting: they take the pool', async () => {
    const turns = new ShortTurns(db.pool);
    turns.hold();
    const e = turns.run((c) => c.query('INSERT INTO short_turns_probe VALUES (5)'));
    turns.release();
    await e;
    expect(await rows()).toEqual([1, 2, 4, 5]);
  });
});
