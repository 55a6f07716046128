// Short work (core/db/short-turns.ts) while ingest's writer keeps the embedded database's one
// connection busy: it gets a turn between batches, never a place in the pool's queue behind them,
// and every event is still stored.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Database } from '../core/db/index.ts';
import { openSeededDatabase, firstSensedBay, type SeededDatabase } from '../test/seeded-database.ts';
import { ChangeFeed } from '../core/changes.ts';
import { createMetrics } from '../core/metrics.ts';
import { shortTurns } from '../core/db/short-turns.ts';
import type { IngestEvent } from '../core/ingest-events.ts';
import { EventWriter } from './writer.ts';

let seeded: SeededDatabase;
let db: Database;
beforeAll(async () => {
  seeded = await openSeededDatabase('connection-share');
  db = seeded.db;
  await db.pool.query('CREATE TABLE connection_share_probe (n int)');
}, 60_000);
afterAll(async () => { await seeded?.close(); });

describe('short work while ingest writes', () => {
  it('runs between batches on the writer\'s connection, not queued in the pool; nothing of ingest is lost', async () => {
    const bay = await firstSensedBay(db);
    const w = new EventWriter(db.pool, { batchMax: 100, batchWaitMs: 1, metrics: createMetrics(), changes: new ChangeFeed(), log: { error() {} } });
    await w.start();
    const base = Date.now() - 3_600_000;
    const heartbeat = (seq: number): IngestEvent => {
      const at = new Date(base + seq * 100);
      return { deviceId: bay.sensor, deviceKind: 'bay-sensor', seq, type: 'heartbeat', eventTime: at, receivedAt: new Date(), lotId: bay.lotId, bayCode: bay.code, payload: { type: 'heartbeat', seq, ts: at.toISOString() } };
    };
    const stored: Array<Promise<void>> = [];
    const turns: Array<Promise<unknown>> = [];
    const waitingInPool: number[] = [];
    for (let seq = 1; seq <= 3000; seq++) {
      stored.push(w.write(heartbeat(seq)));
      if (seq % 300 === 0) {
        // Let the writer get going, then ask for a turn as a webhook group does.
        await new Promise((r) => setImmediate(r));
        turns.push(shortTurns(db.pool).tx((c) => c.query('INSERT INTO connection_share_probe VALUES ($1)', [seq])));
        waitingInPool.push(db.pool.waitingCount);
      }
    }
    await Promise.all([...stored, ...turns]);
    expect(waitingInPool).toEqual(waitingInPool.map(() => 0));
    expect((await db.pool.query('SELECT count(*)::int AS n FROM connection_share_probe')).rows[0].n).toBe(10);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM device_events WHERE device_id = $1 AND seq BETWEEN 1 AND 3000', [bay.sensor])).rows[0].n).toBe(3000);
    await w.close();
  });
});
