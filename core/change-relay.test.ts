// The change feed across processes over a real PostgreSQL server: two feeds, as two processes hold
// them, each sees the other's changes; a change sent in a transaction arrives at its commit and
// never for a rollback; a big change arrives whole, in pieces that each fit a NOTIFY.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ChangeFeed, type AvailabilityChange } from './changes.ts';
import { pieces, startChangeRelay } from './change-relay.ts';
import { createScratchDatabase, type ScratchDatabase } from '../load-tests/lib/scratch-database.ts';

const quiet = { info() {}, warn() {}, error() {} };
let db: ScratchDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createScratchDatabase('onelot_relay');
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  pool.on('error', () => {});
});
afterAll(async () => { await pool?.end(); await db?.drop(); });

const next = <T>(feed: ChangeFeed, name: 'availability' | 'devices' | 'lots'): Promise<T> => new Promise((resolve) => feed.once(name, resolve as never));

describe('change relay (LISTEN/NOTIFY)', () => {
  it('delivers what one process emits to the other, not back to itself', async () => {
    const [a, b] = [new ChangeFeed(), new ChangeFeed()];
    const stops = [await startChangeRelay(a, { connectionString: db.url, pool, log: quiet }), await startChangeRelay(b, { connectionString: db.url, pool, log: quiet })];
    const seenByA: unknown[] = [];
    a.on('devices', (c) => seenByA.push(c));
    const arrived = next(b, 'devices');
    a.emit('devices', { deviceId: 'cam-1', action: 'disabled' });
    expect(await arrived).toEqual({ deviceId: 'cam-1', action: 'disabled' });
    await new Promise((r) => setTimeout(r, 200));
    expect(seenByA).toEqual([{ deviceId: 'cam-1', action: 'disabled' }]); // its own, once: locally
    for (const stop of stops) await stop();
  });

  it('sends a change made inside a transaction at its commit, and nothing for a rollback', async () => {
    const [a, b] = [new ChangeFeed(), new ChangeFeed()];
    const stops = [await startChangeRelay(a, { connectionString: db.url, pool, log: quiet }), await startChangeRelay(b, { connectionString: db.url, pool, log: quiet })];
    const got: string[][] = [];
    b.on('lots', (c) => got.push(c.lotIds));
    const client = await pool.connect();
    await client.query('BEGIN');
    await a.relayIn(client, 'lots', { lotIds: ['rolled-back'] });
    await client.query('ROLLBACK');
    await client.query('BEGIN');
    await a.relayIn(client, 'lots', { lotIds: ['committed'] });
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual([]); // not before the commit
    await client.query('COMMIT');
    client.release();
    const end = Date.now() + 5_000;
    while (!got.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([['committed']]);
    for (const stop of stops) await stop();
  });

  it('sends a change bigger than a NOTIFY in pieces', async () => {
    const bays = Array.from({ length: 2_000 }, (_, i) => ({ code: `ZZ-${i}`, lotId: `lot-${i % 7}`, occupied: i % 2 === 0, since: new Date(0).toISOString() }));
    const change: AvailabilityChange = { lots: [{ id: 'lot-1', free: 3, occupied: 4, unknown: 0, updatedAt: new Date(0).toISOString() }], bays };
    const split = pieces('availability', change);
    expect(split.length).toBeGreaterThan(10);
    for (const p of split) expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThan(7_900);
    const [a, b] = [new ChangeFeed(), new ChangeFeed()];
    const stops = [await startChangeRelay(a, { connectionString: db.url, pool, log: quiet }), await startChangeRelay(b, { connectionString: db.url, pool, log: quiet })];
    const received: AvailabilityChange[] = [];
    b.on('availability', (c) => received.push(c));
    a.emit('availability', change);
    const end = Date.now() + 5_000;
    while (received.flatMap((c) => c.bays).length < bays.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(received.flatMap((c) => c.bays)).toEqual(bays);
    expect(received.flatMap((c) => c.lots)).toEqual(change.lots);
    for (const stop of stops) await stop();
  });

  it('reconnects a lost listener and asks for a resync', async () => {
    const [a, b] = [new ChangeFeed(), new ChangeFeed()];
    const stops = [await startChangeRelay(a, { connectionString: db.url, pool, log: quiet }), await startChangeRelay(b, { connectionString: db.url, pool, log: quiet, reconnectMs: 50 })];
    const resynced = new Promise<void>((resolve) => b.once('resync', () => resolve()));
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`);
    await admin.end();
    await resynced;
    const arrived = next(b, 'devices');
    a.emit('devices', { deviceId: 'cam-2', action: 'rotated' });
    expect(await arrived).toEqual({ deviceId: 'cam-2', action: 'rotated' });
    for (const stop of stops) await stop();
  });
});
