// Heartbeats rewrite their device's row and their bay's in place (migration 032): the new version
// stays on its page and no index gets a new entry (a HOT update). Without the room the migration
// keeps, a batch that rewrote every row of a page moved most of them to another page, each move an
// entry in every one of devices' six indexes. Embedded database, the writer's real statement.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Database } from '../core/db/index.ts';
import { openSeededDatabase, type SeededDatabase } from '../test/seeded-database.ts';
import { ChangeFeed } from '../core/changes.ts';
import { createMetrics } from '../core/metrics.ts';
import type { IngestEvent } from '../core/ingest-events.ts';
import { EventWriter } from './writer.ts';

let seeded: SeededDatabase;
let db: Database;
beforeAll(async () => {
  seeded = await openSeededDatabase('heartbeat-room');
  db = seeded.db;
}, 60_000);
afterAll(async () => { await seeded?.close(); });

interface Sensor { id: string; bay: string; lotId: string }

/** The page a row of `table` is on now (its ctid's block). */
async function pageOf(table: 'devices' | 'bay_state', key: string, value: string): Promise<number> {
  const { rows } = await db.pool.query(`SELECT (ctid::text::point)[0]::int AS page FROM ${table} WHERE ${key} = $1`, [value]);
  return rows[0].page;
}

/** Pages of each index of devices and bay_state: an update that moves its row adds an entry to every one. */
async function indexPages(): Promise<Record<string, number>> {
  const { rows } = await db.pool.query(`SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid) / 8192 AS pages FROM pg_index WHERE indrelid IN ('devices'::regclass, 'bay_state'::regclass)`);
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.pages)]));
}

describe('a heartbeat\'s rows', () => {
  it('stay on their pages through a day of heartbeats', async () => {
    const { rows: sensors } = await db.pool.query<Sensor>(
      `SELECT d.id, d.bay_code AS bay, d.lot_id AS "lotId" FROM devices d
        WHERE d.kind = 'bay-sensor' AND d.bay_code IS NOT NULL ORDER BY d.ctid LIMIT 300`);
    const writer = new EventWriter(db.pool, { batchMax: 500, batchWaitMs: 1, metrics: createMetrics(), changes: new ChangeFeed(), log: { error() {} } });
    await writer.start();
    // Hourly heartbeats (a device row is written at most once a minute of event time), each carrying
    // the sensor's reading, which rewrites its bay's row too; all in one batch, as when a lot's sensors
    // beat on one schedule or a gateway flushes after a reconnect: one statement rewrites every row of
    // a page, and each new version needs room on that page at once.
    const start = Date.now() - 24 * 3600_000;
    const beat = (n: number) => Promise.all(sensors.map((s, i) =>
      writer.write(heartbeat(s, 10_000 + n, new Date(start + n * 3600_000 + i * 1000), n % 2 === 0 && i % 2 === 0))));
    // The first heartbeats fill columns the seed left empty: the rows grow, and the pages the seed
    // packed overflow; rows move off them until each sits on a page with room.
    for (let n = 0; n < 12; n++) await beat(n);
    const pages = () => Promise.all(sensors.map(async (s) => ({ device: await pageOf('devices', 'id', s.id), bay: await pageOf('bay_state', 'bay_code', s.bay) })));
    const before = await pages();
    const sizesBefore = await indexPages();
    for (let n = 12; n < 24; n++) await beat(n);
    await writer.close();

    const { rows: written } = await db.pool.query(`SELECT count(*)::int AS n FROM devices WHERE id = ANY($1) AND last_heartbeat >= $2`, [sensors.map((s) => s.id), new Date(start + 23 * 3600_000)]);
    expect(written[0].n).toBe(sensors.length); // every device row was rewritten by the last heartbeat
    const after = await pages();
    const moved = after.filter((p, i) => p.device !== before[i].device || p.bay !== before[i].bay);
    expect(moved).toEqual([]); // without migration 032, 427 of these 600 rows (device and bay) were on another page
    // …and so added no entry to any index: none grew.
    expect(await indexPages()).toEqual(sizesBefore);
  }, 120_000);
});

function heartbeat(s: Sensor, seq: number, at: Date, occupied: boolean): IngestEvent {
  return {
    deviceId: s.id, deviceKind: 'bay-sensor', seq, type: 'heartbeat', eventTime: at, receivedAt: new Date(), lotId: s.lotId, bayCode: s.bay,
    payload: { type: 'heartbeat', seq, ts: at.toISOString(), battery: 3.5 - seq / 1e6, occupied }, observation: { bayCode: s.bay, occupied }, battery: 3.5 - seq / 1e6,
  };
}
