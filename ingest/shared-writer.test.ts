// Two ingest writers on one database, as two `ingest` processes are (README, "Roles"): a bay's
// sensor reports through one and its camera through the other. With `shared` each batch locks its
// lots and re-reads their bays' evidence before deciding in memory (ingest/bay-plan.ts), so the bay
// ends where its evidence says whichever writer it came through, and the lot's counts add up.
// Embedded database here (one connection: the writers take turns); test/roles.e2e.test.ts runs the
// same with real processes on a PostgreSQL server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Database } from '../core/db/index.ts';
import { openSeededDatabase, occupancyReport, type SeededDatabase } from '../test/seeded-database.ts';
import { ChangeFeed, type AvailabilityChange } from '../core/changes.ts';
import { createMetrics } from '../core/metrics.ts';
import type { IngestEvent } from '../core/ingest-events.ts';
import { EventWriter } from './writer.ts';
import { checkEvidence } from './evidence-check.ts';

let seeded: SeededDatabase;
let db: Database;
let bay: { code: string; lotId: string };
beforeAll(async () => {
  seeded = await openSeededDatabase('shared-writer');
  db = seeded.db;
  const { rows } = await db.pool.query(`SELECT bay_code AS code, lot_id AS "lotId" FROM bay_state ORDER BY bay_code LIMIT 1`);
  bay = rows[0];
  // A known starting point: free, reported an hour ago.
  await db.pool.query(`UPDATE bay_state SET occupied = false, since = now() - interval '1 hour', event_time = now() - interval '1 hour' WHERE bay_code = $1`, [bay.code]);
  await db.pool.query(
    `UPDATE lot_availability a SET free = s.free, occupied = s.occupied, unknown = s.unknown
       FROM (SELECT count(*) FILTER (WHERE occupied = false)::int AS free, count(*) FILTER (WHERE occupied)::int AS occupied,
                    count(*) FILTER (WHERE occupied IS NULL)::int AS unknown FROM bay_state WHERE lot_id = $1) s
      WHERE a.lot_id = $1`, [bay.lotId]);
}, 60_000);
afterAll(async () => { await seeded?.close(); });

const base = Date.now();
let seq = 0;
function report(deviceId: string, occupied: boolean, secondsFromNow: number): IngestEvent {
  const at = new Date(base + secondsFromNow * 1000);
  seq++;
  return occupancyReport(bay, deviceId, seq, occupied, at);
}

async function writer(shared: boolean, changes = new ChangeFeed()) {
  const w = new EventWriter(db.pool, { batchMax: 100, batchWaitMs: 1, metrics: createMetrics(), changes, log: { error() {} }, shared });
  await w.start();
  return w;
}

const state = async () => (await db.pool.query(`SELECT occupied FROM bay_state WHERE bay_code = $1`, [bay.code])).rows[0].occupied as boolean | null;
/** The lot's counts as stored, and as its bays say they should be. */
const counts = async () => {
  const { rows } = await db.pool.query(
    `SELECT a.free, a.occupied, a.unknown,
            count(*) FILTER (WHERE b.occupied = false)::int AS bays_free, count(*) FILTER (WHERE b.occupied)::int AS bays_occupied
       FROM lot_availability a JOIN bay_state b ON b.lot_id = a.lot_id WHERE a.lot_id = $1 GROUP BY a.lot_id, a.free, a.occupied, a.unknown`, [bay.lotId]);
  return rows[0];
};

describe('two ingest writers on one database (shared)', () => {
  it('converge on the newest report of a bay whichever writer it came through, counts included', async () => {
    const before = await counts();
    const sensorSide = await writer(true);
    const changes = new ChangeFeed();
    const seen: AvailabilityChange[] = [];
    changes.on('availability', (c) => seen.push(c));
    const cameraSide = await writer(true, changes);
    // Both loaded the bay as free. The camera sees the car first (t+10) …
    await cameraSide.write({ ...report('cam-x', true, 10), deviceKind: 'bay-camera', type: 'bay' });
    expect(await state()).toBe(true);
    // … the sensor's older "free" (t+5) arrives later through the other writer: the camera saw the
    // bay after it, so it does not roll the bay back.
    await sensorSide.write(report('sen-x', false, 5));
    expect(await state()).toBe(true);
    // The sensor says "free" again (t+20) without ever having changed its word since the camera saw
    // the car: not believed over the camera (a stuck sensor does just this), so the bay stays taken.
    await sensorSide.write(report('sen-x', false, 20));
    expect(await state()).toBe(true);
    // The camera sees the bay free (t+25): both agree, it is free, and the counts moved once each way.
    await cameraSide.write({ ...report('cam-x', false, 25), deviceKind: 'bay-camera', type: 'bay' });
    expect(await state()).toBe(false);
    // … and an older "occupied" through the camera's side (t+15) does not roll it back.
    await cameraSide.write({ ...report('cam-x', true, 15), deviceKind: 'bay-camera', type: 'bay' });
    expect(await state()).toBe(false);
    const after = await counts();
    expect(after.free).toBe(after.bays_free);
    expect(after.occupied).toBe(after.bays_occupied);
    expect([after.free, after.occupied]).toEqual([before.free, before.occupied]);
    expect(seen.flatMap((c) => c.bays.map((b) => b.occupied))).toEqual([true, false]); // the camera side changed it, and back
    await sensorSide.close();
    await cameraSide.close();
  });

  it('without shared, a stale mirror would roll the bay back (why shared exists)', async () => {
    const a = await writer(false);
    const b = await writer(false);
    await b.write(report('sen-y', true, 40));
    await a.write(report('sen-y', false, 30)); // older, but a's mirror never saw t+40
    expect(await state()).toBe(false);
    await a.close();
    await b.close();
  });
});

describe('faulty devices found through a shared writer', () => {
  // Sensed bays of one lot (not the bay above): the writer knows their devices.
  let lot: Array<{ code: string; lotId: string; sensor: string }>;
  beforeAll(async () => {
    const { rows } = await db.pool.query(
      `SELECT b.bay_code AS code, b.lot_id AS "lotId", d.id AS sensor FROM bay_state b JOIN devices d ON d.bay_code = b.bay_code AND d.kind = 'bay-sensor'
        WHERE b.lot_id = (SELECT lot_id FROM devices WHERE kind = 'bay-sensor' AND lot_id <> $1 GROUP BY lot_id HAVING count(*) >= 5 ORDER BY lot_id LIMIT 1)
        ORDER BY b.bay_code LIMIT 5`, [bay.lotId]);
    lot = rows;
  });
  const sensorEvent = (b: { code: string; lotId: string; sensor: string }, s: number, type: 'occupancy' | 'heartbeat', occupied: boolean, secondsFromNow: number): IngestEvent => {
    const at = new Date(base + secondsFromNow * 1000);
    return {
      deviceId: b.sensor, deviceKind: 'bay-sensor', seq: s, type, eventTime: at, receivedAt: new Date(), lotId: b.lotId, bayCode: b.code,
      ...(type === 'occupancy' ? { payload: { type, seq: s, ts: at.toISOString(), occupied }, observation: { bayCode: b.code, occupied } }
        : { payload: { type, seq: s, ts: at.toISOString() } }),
    };
  };
  const openAlerts = async (deviceId: string) =>
    (await db.pool.query(`SELECT kind, details->>'reason' AS reason FROM device_alerts WHERE device_id = $1 AND resolved_at IS NULL`, [deviceId])).rows;

  it('a sensor that repeats its word right after itself (seq + 1) is flagged stuck, as with one writer', async () => {
    const w = await writer(true);
    const b = lot[0];
    // Taken for two minutes, then the same word again with nothing between: stuck (ingest/bay-plan.ts).
    await w.write(sensorEvent(b, 1000, 'occupancy', true, -300));
    await w.write(sensorEvent(b, 1001, 'occupancy', true, -180));
    await checkEvidence({ pool: db.pool, bays: w.bays, devices: w.devices, shared: true }, (codes) => w.recheck(codes), base - 180_000, base - 600_000);
    expect(await openAlerts(b.sensor)).toEqual([{ kind: 'stuck', reason: 'echo' }]);
    await w.close();
  });

  it('a sensor silent after its first word is flagged by its lot\'s cadence, not held back by the database\'s own reckoning', async () => {
    const w = await writer(true);
    const [target, ...peers] = lot.slice(1);
    // Its peers beat every 20 s; it beat once and went quiet.
    const writeAll = (events: IngestEvent[]) => Promise.all(events.map((e) => w.write(e)));
    await writeAll([sensorEvent(target, 2000, 'heartbeat', false, -120), ...peers.map((p, i) => sensorEvent(p, 3000 + 10 * i, 'heartbeat', false, -120))]);
    for (const k of [1, 2, 3, 4, 5]) await writeAll(peers.map((p, i) => sensorEvent(p, 3000 + 10 * i + k, 'heartbeat', false, -120 + 20 * k)));
    await checkEvidence({ pool: db.pool, bays: w.bays, devices: w.devices, shared: true }, (codes) => w.recheck(codes), base - 20_000, base - 600_000);
    expect(await openAlerts(target.sensor)).toEqual([{ kind: 'silent', reason: null }]);
    // The peers that kept beating are not.
    for (const p of peers) expect(await openAlerts(p.sensor)).toEqual([]);
    await w.close();
  });

  it('a garage whose gates report through one writer and its sensors through another still finds the car its gates let in that no sensor saw park, and a sensor echoing "free" under it', async () => {
    // A gated garage's sensed bays, no camera over them.
    const { rows: [garage] } = await db.pool.query<{ gate: string; lotId: string }>(
      `SELECT g.id AS gate, g.lot_id AS "lotId" FROM devices g
        WHERE g.kind = 'gate-camera' AND g.lot_id <> $1 AND g.lot_id <> $2
          AND (SELECT count(*) FROM devices s WHERE s.lot_id = g.lot_id AND s.kind = 'bay-sensor') >= 3
          AND NOT EXISTS (SELECT FROM devices c WHERE c.lot_id = g.lot_id AND c.kind = 'bay-camera')
        ORDER BY g.id LIMIT 1`, [bay.lotId, lot[0].lotId]);
    expect(garage).toBeDefined();
    const { rows: sensed } = await db.pool.query<{ code: string; lotId: string; sensor: string }>(
      `SELECT d.bay_code AS code, d.lot_id AS "lotId", d.id AS sensor FROM devices d WHERE d.lot_id = $1 AND d.kind = 'bay-sensor' ORDER BY d.id`, [garage.lotId]);
    const gates = await writer(true);
    const sensors = await writer(true);
    // Every sensor of the garage says "free", the first longest ago; through the sensors' writer.
    await Promise.all(sensed.map((b, i) => sensors.write(sensorEvent(b, 5000, 'occupancy', false, -1800 + i))));
    for (const [k, t] of [[5001, -400], [5002, -100]]) await Promise.all(sensed.map((b) => sensors.write(sensorEvent(b, k, 'heartbeat', false, t))));
    // Ten minutes ago the gates let a car in, through the other writer; no sensor saw it park.
    const gateIn: IngestEvent = {
      deviceId: garage.gate, deviceKind: 'gate-camera', seq: 6000, type: 'gate', eventTime: new Date(base - 600_000), receivedAt: new Date(), lotId: garage.lotId,
      bayCode: null, payload: { type: 'gate', seq: 6000, ts: new Date(base - 600_000).toISOString(), direction: 'in', plate: '豫A12345' },
    };
    await gates.write(gateIn);
    const state = { pool: db.pool, bays: sensors.bays, devices: sensors.devices, gates: sensors.gates, shared: true };
    await checkEvidence(state, (codes) => sensors.recheck(codes), base, base - 3_600_000);
    const shown = async () => (await db.pool.query<{ code: string; occupied: boolean | null; doubt: string | null }>(
      `SELECT bay_code AS code, occupied, doubt FROM bay_state WHERE bay_code = ANY($1::text[]) ORDER BY bay_code`, [sensed.map((b) => b.code)])).rows;
    // The bay longest on a sensor's "free" alone is where the missing car most likely is: unknown.
    expect((await shown()).filter((b) => b.occupied === null)).toEqual([{ code: sensed[0].code, occupied: null, doubt: 'gate-count' }]);
    // The first writer decides that bay the same way: the doubt is the database's, not one process's.
    await gates.write(sensorEvent(sensed[0], 5003, 'heartbeat', false, -60));
    expect((await shown()).find((b) => b.code === sensed[0].code)?.occupied).toBeNull();

    // Another sensor repeats "free" while the car is missing: stuck, on the gates' word.
    await sensors.write(sensorEvent(sensed[1], 5004, 'occupancy', false, -30));
    await checkEvidence(state, (codes) => sensors.recheck(codes), base, base - 3_600_000);
    const { rows: alerts } = await db.pool.query(`SELECT details->>'reason' AS reason, details->'gateCount' AS gates FROM device_alerts WHERE device_id = $1 AND resolved_at IS NULL`, [sensed[1].sensor]);
    expect(alerts).toEqual([{ reason: 'echo', gates: true }]);
    // Its bay is unknown now, and the missing car accounted for: the first bay is free again.
    expect((await shown()).filter((b) => b.occupied === null).map((b) => b.code)).toEqual([sensed[1].code]);
    await gates.close();
    await sensors.close();
  });
});
