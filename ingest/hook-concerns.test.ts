// A batch no hook is concerned with (BatchHook.concerns) is stored by one statement, without a
// transaction; a batch a hook is concerned with runs the hook inside its transaction, and the hook's
// reads, sent together with BEGIN and the batch statement, do not see the batch's own events.
// Embedded database, real statements.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Database, Pool, PoolClient } from '../core/db/index.ts';
import { openSeededDatabase, firstSensedBay, occupancyReport, type SeededDatabase, type SensedBay } from '../test/seeded-database.ts';
import { ChangeFeed } from '../core/changes.ts';
import { createMetrics } from '../core/metrics.ts';
import type { BatchHook, IngestEvent } from '../core/ingest-events.ts';
import { EventWriter } from './writer.ts';

let seeded: SeededDatabase;
let db: Database;
let bay: SensedBay;
beforeAll(async () => {
  seeded = await openSeededDatabase('hook-concerns');
  db = seeded.db;
  bay = await firstSensedBay(db);
}, 60_000);
afterAll(async () => { await seeded?.close(); });

let seq = 5000;
function report(occupied: boolean): IngestEvent {
  const at = new Date(Date.now() - 1000 + seq);
  seq++;
  return occupancyReport(bay, bay.sensor, seq, occupied, at);
}

/** The pool, with every BEGIN the writer's client sends counted. */
function countingBegins(pool: Pool): { pool: Pool; begins: () => number } {
  let begins = 0;
  const patched = new WeakSet<object>();
  const counting = {
    query: pool.query.bind(pool),
    async connect(): Promise<PoolClient> {
      const client = await pool.connect();
      if (!patched.has(client)) {
        patched.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          if (args[0] === 'BEGIN') begins++;
          return query(...args);
        };
      }
      return client;
    },
  };
  return { pool: counting as unknown as Pool, begins: () => begins };
}

const stored = async (seqs: number[]) => Number((await db.pool.query(
  'SELECT count(*) FROM device_events WHERE device_id = $1 AND seq = ANY($2::bigint[])', [bay.sensor, seqs])).rows[0].count);

describe('hooks a batch does not concern', () => {
  it('are skipped, and the batch is one statement; a batch that concerns a hook runs it in a transaction whose reads precede the batch', async () => {
    const seen: { loads: number[]; hooked: number[] } = { loads: [], hooked: [] };
    // Concerned only with "taken" reports. Its read counts this device's stored events: it must not
    // see the batch's own, though the batch statement goes out with it.
    const hook = (async (_client, events) => { seen.hooked.push(...events.map((e) => e.seq)); }) as BatchHook<number>;
    hook.concerns = (events) => events.some((e) => (e.payload as { occupied?: boolean }).occupied === true);
    hook.load = async (client) => Number((await client.query('SELECT count(*) FROM device_events WHERE device_id = $1', [bay.sensor])).rows[0].count);
    hook.plan = (count) => { seen.loads.push(count); return count; };
    const { pool, begins } = countingBegins(db.pool);
    const w = new EventWriter(pool, { batchMax: 1, batchWaitMs: 1, metrics: createMetrics(), changes: new ChangeFeed(), log: { error() {} }, hooks: [hook] });
    await w.start();

    const free = report(false);
    await w.write(free);
    expect(await stored([free.seq])).toBe(1);
    expect(begins()).toBe(0);
    expect(seen).toEqual({ loads: [], hooked: [] });

    const before = Number((await db.pool.query('SELECT count(*) FROM device_events WHERE device_id = $1', [bay.sensor])).rows[0].count);
    const taken = report(true);
    await w.write(taken);
    expect(await stored([taken.seq])).toBe(1);
    expect(begins()).toBe(1);
    expect(seen).toEqual({ loads: [before], hooked: [taken.seq] });
    expect((await db.pool.query('SELECT occupied FROM bay_state WHERE bay_code = $1', [bay.code])).rows[0].occupied).toBe(true);
    await w.close();
  });

  it('a statement behind COMMIT goes out on the batch\'s connection once hooks noted something, sees the batch committed, and its callback runs after', async () => {
    const seen: string[] = [];
    const billing = (async (_client, events, _planned, _last, notes) => {
      if (events.some((e) => (e.payload as { occupied?: boolean }).occupied === true)) notes?.invoicing.push(42);
    }) as BatchHook;
    const payments = (async () => { seen.push('never in the transaction'); }) as BatchHook;
    payments.concerns = () => false;
    payments.behindCommit = (client, notes) => {
      notes.charging.add(42);
      const counted = client.query('SELECT count(*) AS n FROM device_events WHERE device_id = $1 AND seq = $2', [bay.sensor, seq]);
      return () => { void counted.then((r) => seen.push(`behind ${notes.invoicing.join()}: stored ${r.rows[0].n}`)); };
    };
    const w = new EventWriter(db.pool, { batchMax: 1, batchWaitMs: 1, metrics: createMetrics(), changes: new ChangeFeed(), log: { error() {} }, hooks: [billing, payments] });
    await w.start();
    await w.write(report(false)); // noted nothing: nothing behind it
    const taken = report(true);
    await w.write(taken);
    await new Promise((r) => setTimeout(r, 200));
    expect(taken.seq).toBe(seq);
    expect(seen).toEqual(['behind 42: stored 1']);
    await w.close();
  });
});
