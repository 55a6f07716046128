// Bay-state fusion and device faults on a real platform over MQTT (ingest/belief.ts,
// ingest/evidence-check.ts): a stuck sensor its camera contradicts, a dead sensor, a garage's gate
// count drifting from its bays, cars let in that no sensor saw park, the lots' data-quality figure
// — and the public map never showing a bay "free" on doubtful evidence. Event times are seeded (a fixed past start, 2–10 s heartbeats),
// so the fault check runs in event time as it does behind a fleet at 30×.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { loadConfig } from '../core/config.ts';
import { eventsTopic } from '../core/protocol.ts';
import { cityModules } from '../platform.ts';
import type { DeviceCredential } from '../seed/city-loader.ts';
import { connectDevice, consoleToken, getJson, nextSeq, publish, startTestPlatform, tempDataDir, waitFor, type TestPlatform } from './helpers.ts';

let p: TestPlatform;
let admin: string;
const clients: MqttClient[] = [];
// Seconds after this instant are the event times every message below carries.
const T0 = Date.now() - 10 * 60_000;
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

beforeAll(async () => {
  const dataDir = tempDataDir();
  p = await startTestPlatform({ dataDir, modules: cityModules(loadConfig({ DATA_DIR: dataDir })).modules });
  admin = await consoleToken(p, { operatorId: null, account: 'evidence-city' });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync()));
  await p?.destroy();
});

const q = async (sql: string, params: unknown[] = []) => (await p.db.pool.query(sql, params)).rows;
async function device(d: DeviceCredential) {
  const client = await connectDevice(p, d);
  clients.push(client);
  const say = (body: object, s: number) => publish(client, eventsTopic(d.id), { seq: nextSeq(), ts: at(s), ...body });
  return {
    heartbeats: async (...seconds: number[]) => { for (const s of seconds) await say({ type: 'heartbeat' }, s); },
    occupancy: (occupied: boolean, s: number) => say({ type: 'occupancy', occupied }, s),
    bay: (bay: string, occupied: boolean, s: number) => say({ type: 'bay', bay, occupied }, s),
    gate: (direction: 'in' | 'out', plate: string, s: number) => say({ type: 'gate', direction, plate, confidence: 0.95 }, s),
  };
}
/** The bay as the public map reads it. */
async function publicBay(lotId: string, code: string): Promise<boolean | null> {
  const bays = (await getJson(p, `/api/v1/lots/${lotId}`)).body.bays as Array<{ code: string; occupied: boolean | null }>;
  return bays.find((b) => b.code === code)!.occupied;
}
const evidence = async (code: string) => (await q('SELECT occupied, basis, doubt FROM bay_state WHERE bay_code = $1', [code]))[0];
const openAlert = async (deviceId: string, kind: string) =>
  (await q(`SELECT details, raised_event_time FROM device_alerts WHERE device_id = $1 AND kind = $2 AND resolved_at IS NULL`, [deviceId, kind]))[0];
/** Moves ingest's event-time clock to second `s` with a heartbeat from an unrelated device. */
let ticker: Awaited<ReturnType<typeof device>>;
const tick = async (s: number) => ticker.heartbeats(s);

/** A street bay watched by both a sensor and a high-mount camera. */
function streetPair(skip: Set<string>) {
  const camera = p.device((d) => d.kind === 'bay-camera' && (d.bays ?? []).some((b) => !skip.has(b)));
  const code = camera.bays!.find((b) => !skip.has(b))!;
  const sensor = p.device((d) => d.kind === 'bay-sensor' && d.bayCode === code);
  skip.add(code);
  return { camera, sensor, code, lotId: sensor.lotId };
}

describe('bay evidence', () => {
  const used = new Set<string>();
  beforeAll(async () => {
    ticker = await device(p.device((d) => d.kind === 'gate-camera'));
  });

  it('follows the camera when it contradicts a stuck sensor, flags the sensor within two heartbeats, and shows why', async () => {
    const { camera, sensor, code, lotId } = streetPair(used);
    const s = await device(sensor);
    const c = await device(camera);
    await s.heartbeats(0, 10); // a 10 s cadence
    await s.occupancy(true, 12);
    await c.bay(code, true, 14);
    await waitFor(async () => (await evidence(code))?.basis === 'sensor+camera', 3000, 'sensor and camera agreeing');
    expect(await publicBay(lotId, code)).toBe(true);

    // The car leaves; the sensor, stuck, says "occupied" again; the camera sees the bay free.
    await s.heartbeats(20);
    await s.occupancy(true, 25);
    await c.bay(code, false, 27);
    await waitFor(async () => (await evidence(code))?.doubt === 'sensor-disagrees', 3000, 'the disagreement recorded');
    expect(await evidence(code)).toEqual({ occupied: false, basis: 'camera', doubt: 'sensor-disagrees' });

    // One heartbeat interval of event time later the sensor (beating on, as a stuck one does) is
    // flagged stuck, within two.
    await s.heartbeats(30, 40);
    const alert = await waitFor(() => openAlert(sensor.id, 'stuck'), 5000, 'a stuck alert');
    expect(alert.details).toMatchObject({ reason: 'camera-disagrees', bayCode: code, occupied: true, cameraSays: false });
    expect(new Date(alert.raised_event_time).getTime() - Date.parse(at(27))).toBeLessThanOrEqual(2 * 10_000);
    await waitFor(async () => (await evidence(code))?.doubt === 'sensor-stuck', 3000, 'the bay resting on the camera alone');

    // Operators see why: basis, doubt, each source's last word.
    const list = await fetch(`${p.httpUrl}/api/v1/operator/lots/${lotId}/bays`, { headers: { authorization: `Bearer ${admin}` } }).then((r) => r.json());
    const bay = list.bays.find((b: { code: string }) => b.code === code);
    expect(bay.evidence).toMatchObject({ basis: 'camera', doubt: 'sensor-stuck', sensor: { deviceId: sensor.id, occupied: true }, camera: { deviceId: camera.id, occupied: false } });

    // The sensor changes its word (repaired): the alert clears and both count again.
    await s.heartbeats(50);
    await s.occupancy(false, 55);
    await s.heartbeats(60);
    await waitFor(async () => !(await openAlert(sensor.id, 'stuck')), 5000, 'the stuck alert cleared');
    await waitFor(async () => (await evidence(code))?.basis === 'sensor+camera', 5000, 'both sources counting again');
  });

  it('shows unknown, never free, a bay whose stuck sensor reports again (something moved) until its camera reads the bay', async () => {
    const { camera, sensor, code, lotId } = streetPair(used);
    const s = await device(sensor);
    const c = await device(camera);
    await s.heartbeats(100, 110); // a 10 s cadence
    await s.occupancy(true, 112);
    await c.bay(code, true, 114);
    // The car leaves; the sensor, stuck, says "taken" again; the camera sees the bay free; flagged stuck an interval later.
    await s.occupancy(true, 120);
    await c.bay(code, false, 122);
    await s.heartbeats(130, 140);
    await waitFor(() => openAlert(sensor.id, 'stuck'), 5000, 'a stuck alert');
    await waitFor(async () => (await evidence(code))?.doubt === 'sensor-stuck', 3000, 'the bay resting on the camera alone');
    expect(await publicBay(lotId, code)).toBe(false);

    // A car parks: the stuck sensor reports its word again, and the camera's read of the car is lost.
    await s.occupancy(true, 145);
    await waitFor(async () => (await publicBay(lotId, code)) === null, 3000, 'the bay unknown, not free');
    expect(await evidence(code)).toEqual({ occupied: null, basis: 'none', doubt: 'sensor-stuck' });
    // The camera's next read decides.
    await c.bay(code, true, 155);
    await waitFor(async () => (await publicBay(lotId, code)) === true, 3000, 'taken, on the camera\'s word');
    expect(await evidence(code)).toEqual({ occupied: true, basis: 'camera', doubt: 'sensor-stuck' });
  });

  it('never shows free a bay whose sensor is stuck on "free" while its camera sees a car', async () => {
    const { camera, sensor, code, lotId } = streetPair(used);
    const s = await device(sensor);
    const c = await device(camera);
    await s.heartbeats(50, 60);
    await s.occupancy(false, 61);
    await c.bay(code, false, 62);
    await waitFor(async () => (await publicBay(lotId, code)) === false, 3000, 'bay free');
    // A car parks; the stuck sensor repeats "free"; the camera reads the car.
    await s.occupancy(false, 70);
    await c.bay(code, true, 73);
    await waitFor(async () => (await publicBay(lotId, code)) === true, 3000, 'bay taken by the camera');
    // Time passes with no new word from either but the sensor's heartbeats: still taken, never free.
    await s.heartbeats(80, 90);
    await waitFor(() => openAlert(sensor.id, 'stuck'), 5000, 'the sensor flagged stuck');
    expect(await publicBay(lotId, code)).toBe(true);
  });

  it('turns a dead sensor\'s bay unknown (never free) within two heartbeat intervals, also one that never beat twice', async () => {
    const garage = p.device((d) => d.kind === 'gate-camera').lotId;
    const [a, b] = p.creds.devices.filter((d) => d.kind === 'bay-sensor' && d.lotId === garage);
    const sa = await device(a);
    const sb = await device(b);
    await sa.heartbeats(200, 202, 204);
    await sa.occupancy(false, 205);
    await sb.occupancy(false, 205); // its only word: it dies after it
    await waitFor(async () => (await publicBay(garage, a.bayCode!)) === false && (await publicBay(garage, b.bayCode!)) === false, 3000, 'both free');
    const before = (await getJson(p, `/api/v1/lots/${garage}`)).body.lot;

    // The clock moves on (other devices keep talking); neither sensor says anything more.
    for (const s of [207, 209, 211]) await tick(s);
    const alertA = await waitFor(() => openAlert(a.id, 'silent'), 5000, 'sensor A silent');
    const alertB = await waitFor(() => openAlert(b.id, 'silent'), 5000, 'sensor B silent');
    // Flagged by second 205 + 2.1 × 2 s (plus the tick that moved the clock past it).
    for (const alert of [alertA, alertB]) expect(new Date(alert.raised_event_time).getTime()).toBeLessThanOrEqual(Date.parse(at(205 + 2 * 2 + 2)));
    await waitFor(async () => (await publicBay(garage, a.bayCode!)) === null && (await publicBay(garage, b.bayCode!)) === null, 3000, 'both unknown');
    expect(await evidence(a.bayCode!)).toEqual({ occupied: null, basis: 'none', doubt: 'sensor-silent' });
    const after = (await getJson(p, `/api/v1/lots/${garage}`)).body.lot;
    expect(after.free).toBe(before.free - 2);
    expect(after.unknown).toBe(before.unknown + 2);

    // A says something again: its bay is known again.
    await sa.occupancy(true, 215);
    await tick(216);
    await waitFor(async () => (await publicBay(garage, a.bayCode!)) === true, 5000, 'sensor A back');
    await waitFor(async () => !(await openAlert(a.id, 'silent')), 5000, 'sensor A\'s alert cleared');
  });

  it('keeps a heartbeat that restates the reading out of the bay\'s row, yet shows operators when the sensor last spoke', async () => {
    const garage = p.device((d) => d.kind === 'gate-camera').lotId;
    const s = p.creds.devices.filter((d) => d.kind === 'bay-sensor' && d.lotId === garage)[2];
    const client = await connectDevice(p, s);
    clients.push(client);
    const say = (body: object, t: number) => publish(client, eventsTopic(s.id), { seq: nextSeq(), ts: at(t), ...body });
    await say({ type: 'occupancy', occupied: true }, 300);
    await say({ type: 'heartbeat', occupied: true }, 360);
    await say({ type: 'heartbeat', occupied: true }, 420);
    await waitFor(async () => (await q('SELECT last_seen FROM devices WHERE id = $1', [s.id]))[0].last_seen?.getTime() === Date.parse(at(420)), 3000, 'heartbeats stored');
    // The row still holds the report's time: two heartbeats 2 minutes on are not 30 minutes past it.
    const [row] = await q('SELECT occupied, sensor_time FROM bay_state WHERE bay_code = $1', [s.bayCode]);
    expect(row).toEqual({ occupied: true, sensor_time: new Date(at(300)) });
    const list = await fetch(`${p.httpUrl}/api/v1/operator/lots/${garage}/bays?limit=500`, { headers: { authorization: `Bearer ${admin}` } }).then((r) => r.json());
    const bay = list.bays.find((b: { code: string }) => b.code === s.bayCode);
    expect(bay.evidence.sensor).toEqual({ deviceId: s.id, occupied: true, at: at(420) });
    // A new reading is stored at once.
    await say({ type: 'heartbeat', occupied: false }, 480);
    await waitFor(async () => (await q('SELECT sensor_time FROM bay_state WHERE bay_code = $1', [s.bayCode]))[0].sensor_time.getTime() === Date.parse(at(480)), 3000, 'new reading stored');
  });

  it('lowers a garage\'s data quality when its gate count drifts from its bay count', async () => {
    const ticking = p.device((d) => d.kind === 'gate-camera').lotId;
    const gate = p.device((d) => d.kind === 'gate-camera' && d.lotId !== ticking);
    const lot = async () => (await getJson(p, `/api/v1/lots/${gate.lotId}`)).body.lot as { dataQuality: number; capacity: number; occupied: number };
    // Every sensor of the garage reports its bay free: all bays on good evidence.
    for (const sensor of p.creds.devices.filter((d) => d.kind === 'bay-sensor' && d.lotId === gate.lotId)) {
      const client = await connectDevice(p, sensor);
      await publish(client, eventsTopic(sensor.id), { type: 'occupancy', seq: nextSeq(), ts: at(290), occupied: false });
      await client.endAsync();
    }
    const before = await waitFor(async () => { const l = await lot(); return l.dataQuality === 1 ? l : null; }, 5000, 'every bay known');
    const g = await device(gate);
    const inList = (await getJson(p, '/api/v1/lots')).body.lots.find((l: { id: string }) => l.id === gate.lotId);
    expect(inList.dataQuality).toBe(before.dataQuality);
    // Cars enter that no sensor sees park: many more than the few driving to their bay.
    const cars = Math.max(2, Math.ceil(0.1 * before.capacity)) + 5;
    // Within seconds of event time: the garage's sensors, which do not beat here, must not fall silent meanwhile.
    for (let i = 0; i < cars; i++) await g.gate('in', `豫A${String(10000 + i)}`, 291 + i / 20);
    const after = await waitFor(async () => { const l = await lot(); return l.dataQuality < before.dataQuality ? l : null; }, 5000, 'data quality lowered');
    expect(after.dataQuality).toBeLessThanOrEqual(before.dataQuality - 5 / before.capacity + 0.001);
    // They leave: the counts agree again.
    for (let i = 0; i < cars; i++) await g.gate('out', `豫A${String(10000 + i)}`, 293 + i / 20);
    await waitFor(async () => (await lot()).dataQuality === before.dataQuality, 5000, 'data quality back');
  });

  it('turns a garage\'s "free" bays unknown for the cars its gates let in that no sensor saw park, longest unchanged first', async () => {
    const taken = new Set([p.device((d) => d.kind === 'gate-camera').lotId]);
    taken.add(p.device((d) => d.kind === 'gate-camera' && !taken.has(d.lotId)).lotId); // the drift test's garage
    const gate = p.device((d) => d.kind === 'gate-camera' && !taken.has(d.lotId));
    const sensors = p.creds.devices.filter((d) => d.kind === 'bay-sensor' && d.lotId === gate.lotId).slice(0, 3);
    const [s1, s2, s3] = await Promise.all(sensors.map((d) => device(d)));
    const beat = (s: number) => Promise.all([s1, s2, s3].map((x) => x.heartbeats(s))); // no reading: sound, unchanged
    await s1.occupancy(false, 295);
    await s2.occupancy(false, 295.5);
    await s3.occupancy(false, 296);
    const g = await device(gate);
    // Two cars in; no sensor ever sees them park.
    await g.gate('in', '豫A20001', 296.2);
    await g.gate('in', '豫A20002', 296.4);
    for (let s = 300; s <= 590; s += 10) await beat(s);
    // Still within the drive time (5 min): nothing doubted.
    for (const d of sensors) expect(await publicBay(gate.lotId, d.bayCode!)).toBe(false);
    await beat(597);
    await waitFor(async () => (await evidence(sensors[1].bayCode!))?.doubt === 'gate-count', 5000, 'two bays doubted');
    expect(await evidence(sensors[0].bayCode!)).toEqual({ occupied: null, basis: 'none', doubt: 'gate-count' });
    expect(await publicBay(gate.lotId, sensors[2].bayCode!)).toBe(false);
    // One of them was under s1 after all (its "taken" came late): one car missing, one bay doubted.
    await s1.occupancy(true, 598);
    await beat(598.5);
    await waitFor(async () => (await evidence(sensors[0].bayCode!))?.occupied === true, 5000, 's1 taken');
    expect((await evidence(sensors[1].bayCode!)).doubt).toBe('gate-count');
    expect(await publicBay(gate.lotId, sensors[1].bayCode!)).toBeNull();

    // s2 reports "free" again (an echo: it sensed the car it cannot see), with a car missing: stuck.
    await s2.occupancy(false, 599);
    await beat(599.5);
    const alert = await waitFor(() => openAlert(sensors[1].id, 'stuck'), 5000, 's2 flagged stuck');
    expect(alert.details).toMatchObject({ reason: 'echo', bayCode: sensors[1].bayCode, occupied: false, gateCount: true });
    await waitFor(async () => (await evidence(sensors[1].bayCode!))?.doubt === 'sensor-stuck', 5000, 's2\'s bay resting on no sound source');
    // The missing car is accounted for by the stuck sensor's bay: no other bay doubted.
    expect(await publicBay(gate.lotId, sensors[2].bayCode!)).toBe(false);
  });

  it('flags a sensor stuck at its first echo when nothing was lost before it (seq + 1) and its reading had held a minute, and not across a gap', async () => {
    const gates = p.creds.devices.filter((d) => d.kind === 'gate-camera');
    const lotId = gates[gates.length - 1].lotId; // a garage no other test here uses
    const [stuck, healthy] = p.creds.devices.filter((d) => d.kind === 'bay-sensor' && d.lotId === lotId).slice(-2);
    // Each counts its own seq up by one, as the device protocol asks.
    const counting = async (d: DeviceCredential, first: number) => {
      const client = await connectDevice(p, d);
      clients.push(client);
      let seq = first;
      return (body: object, s: number, skip = 0) => publish(client, eventsTopic(d.id), { seq: (seq += 1 + skip), ts: at(s), ...body });
    };
    const a = await counting(stuck, 5000);
    const b = await counting(healthy, 5000);
    await a({ type: 'occupancy', occupied: false }, 600);
    await a({ type: 'heartbeat', occupied: false }, 630);
    await b({ type: 'occupancy', occupied: false }, 600);
    // The healthy one's next message was lost (its "taken"): the "free" after the gap is no proof.
    await b({ type: 'occupancy', occupied: false }, 662, 1);
    // The stuck one's very next message, a minute on, reports "free" again: it sensed a car it cannot see.
    await a({ type: 'occupancy', occupied: false }, 662);
    await tick(663);
    const alert = await waitFor(() => openAlert(stuck.id, 'stuck'), 5000, 'flagged stuck at its first echo');
    expect(alert.details).toMatchObject({ reason: 'echo', bayCode: stuck.bayCode, occupied: false, echoes: 1, consecutive: true });
    await waitFor(async () => (await evidence(stuck.bayCode!))?.doubt === 'sensor-stuck', 5000, 'its bay rests on no sound source');
    expect(await openAlert(healthy.id, 'stuck')).toBeUndefined();
    expect(await publicBay(lotId, healthy.bayCode!)).toBe(false);
  });

  it('carries the data-quality figure in the lots list, the lot and the live stream\'s schema', async () => {
    const { lots } = (await getJson(p, '/api/v1/lots')).body as { lots: Array<{ dataQuality: number | null; unknown: number; capacity: number }> };
    expect(lots.length).toBeGreaterThan(0);
    for (const l of lots) {
      expect(l.dataQuality === null || (l.dataQuality >= 0 && l.dataQuality <= 1)).toBe(true);
      // Unknown bays are never counted as good evidence.
      if (l.dataQuality !== null && l.capacity > 0) expect(l.dataQuality).toBeLessThanOrEqual(1 - l.unknown / l.capacity + 0.001);
    }
  });
});
