// Device health on a real platform: a sensor reports over MQTT, falls silent, and its bay turns
// "unknown" on the public API (never "free") with an alert the operator sees and acts on; it
// reports again and both clear. Low battery, stuck sensors and falling plate-read confidence too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { loadConfig } from '../core/config.ts';
import { eventsTopic } from '../core/protocol.ts';
import { checkDeviceHealth, DEFAULT_THRESHOLDS, type HealthReport } from '../ingest/device-health.ts';
import { cityModules } from '../platform.ts';
import type { DeviceCredential } from '../seed/city-loader.ts';
import { connectDevice, consoleToken, getJson, nextSeq, publish, startTestPlatform, tempDataDir, waitFor, type TestPlatform } from './helpers.ts';

let p: TestPlatform;
let sensor: DeviceCredential;
let client: MqttClient;
let admin: string;
let stranger: string;
let city: string;

beforeAll(async () => {
  const dataDir = tempDataDir();
  p = await startTestPlatform({ dataDir, modules: cityModules(loadConfig({ DATA_DIR: dataDir })).modules });
  sensor = p.device((d) => d.kind === 'bay-sensor');
  client = await connectDevice(p, sensor);
  const lot = (await p.db.pool.query<{ operator_id: string }>('SELECT l.operator_id FROM devices d JOIN lots l ON l.id = d.lot_id WHERE d.id = $1', [sensor.id])).rows[0];
  admin = await consoleToken(p, { operatorId: lot.operator_id, account: 'health-admin' });
  stranger = await consoleToken(p, { operatorId: 'op-elsewhere', account: 'elsewhere-admin' });
  city = await consoleToken(p, { operatorId: null, account: 'health-city' });
});
afterAll(async () => {
  await client?.endAsync();
  await p?.destroy();
});

const q = async (sql: string, params: unknown[] = []) => (await p.db.pool.query(sql, params)).rows;
const check = (): Promise<HealthReport> => checkDeviceHealth(p.db.pool, (bays) => p.broker.writer.markUnknown(bays));
const bayState = async () => (await q('SELECT occupied FROM bay_state WHERE bay_code = $1', [sensor.bayCode]))[0].occupied as boolean | null;
const lotCounts = async () => (await getJson(p, `/api/v1/lots/${sensor.lotId}`)).body.lot;
const api = async (method: string, url: string, token: string, body?: object) => {
  const res = await fetch(`${p.httpUrl}/api/v1/operator${url}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
};
const occupancy = (occupied: boolean, extra: object = {}, at = new Date()) =>
  publish(client, eventsTopic(sensor.id), { type: 'occupancy', seq: nextSeq(), ts: at.toISOString(), occupied, ...extra });

describe('device health', () => {
  it('turns a silent sensor\'s bay unknown (not free) and raises one alert; a report clears both', async () => {
    await occupancy(false);
    await waitFor(async () => (await bayState()) === false, 5000, 'bay free');
    const before = await lotCounts();
    expect((await check()).opened.silent ?? 0).toBe(0);

    // Silence: nothing for two heartbeat intervals.
    await q(`UPDATE devices SET last_seen = now() - interval '11 minutes', silent_after = NULL, heartbeat_interval_s = 300 WHERE id = $1`, [sensor.id]);
    const report = await check();
    expect(report.opened.silent).toBeGreaterThanOrEqual(1);
    expect(report.silencedBays).toBeGreaterThanOrEqual(1);
    expect(await bayState()).toBeNull();
    const after = await waitFor(async () => { const c = await lotCounts(); return c.unknown === before.unknown + 1 ? c : null; }, 5000, 'lot counts with the bay unknown');
    expect(after.free).toBe(before.free - 1);
    const bays = (await getJson(p, `/api/v1/lots/${sensor.lotId}`)).body.bays as Array<{ code: string; occupied: boolean | null }>;
    expect(bays.find((b) => b.code === sensor.bayCode)?.occupied).toBeNull();
    // A second pass raises nothing more.
    expect((await check()).opened.silent).toBe(0);
    expect(await q(`SELECT count(*)::int AS n FROM device_alerts WHERE device_id = $1 AND kind = 'silent' AND resolved_at IS NULL`, [sensor.id])).toEqual([{ n: 1 }]);

    // The operator sees it; another operator does not; the city's team reads but does not act.
    const mine = await api('GET', `/alerts?lotId=${sensor.lotId}&status=active`, admin);
    const alert = mine.body.alerts.find((a: { deviceId: string; kind: string }) => a.deviceId === sensor.id && a.kind === 'silent');
    expect(alert).toMatchObject({ status: 'open', lotId: sensor.lotId, deviceKind: 'bay-sensor' });
    expect((await api('GET', '/alerts/counts', admin)).body.open).toBeGreaterThanOrEqual(1);
    expect((await api('GET', `/alerts?lotId=${sensor.lotId}`, stranger)).body.alerts).toEqual([]);
    expect((await api('GET', '/alerts/counts', stranger)).body).toEqual({ open: 0, acknowledged: 0, byLot: [] });
    expect((await api('POST', `/alerts/${alert.id}/acknowledge`, stranger, { note: 'mine now' })).status).toBe(404);
    expect((await api('GET', `/alerts?lotId=${sensor.lotId}`, city)).body.alerts.some((a: { id: number }) => a.id === alert.id)).toBe(true);
    expect((await api('POST', `/alerts/${alert.id}/acknowledge`, city, { note: 'x' })).status).toBe(403);
    const acked = await api('POST', `/alerts/${alert.id}/acknowledge`, admin, { note: 'technician sent' });
    expect(acked.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'health-admin', note: 'technician sent' });
    const [logged] = (await api('GET', '/audit?action=alert.acknowledge', admin)).body.entries;
    expect(logged).toMatchObject({ accountId: 'health-admin', objectId: String(alert.id), before: { status: 'open' }, after: { status: 'acknowledged', note: 'technician sent' } });

    // It reports again: the bay is known again at once, the alert clears by itself (ingest's
    // evidence check within a second, or this pass).
    // (90 s on: ingest writes last_seen at minute resolution, and this test silenced the sensor by
    // moving last_seen back behind ingest's back, seconds after its last write.)
    await occupancy(true, {}, new Date(Date.now() + 90_000));
    await waitFor(async () => (await bayState()) === true, 5000, 'bay occupied again');
    await check();
    await waitFor(async () => (await q(`SELECT 1 FROM device_alerts WHERE id = $1 AND resolved_at IS NOT NULL`, [alert.id])).length, 5000, 'the alert cleared');
    const done = (await api('GET', `/alerts?lotId=${sensor.lotId}&kind=silent&status=resolved`, admin)).body.alerts[0];
    expect(done).toMatchObject({ id: alert.id, status: 'resolved', resolvedBy: null });
    expect((await api('POST', `/alerts/${alert.id}/resolve`, admin, { note: 'late' })).status).toBe(409);
  });

  it('raises low battery from what the sensor reports, and clears it when the battery is changed', async () => {
    await occupancy(true, { battery: 3.1 });
    await waitFor(async () => Number((await q('SELECT battery FROM devices WHERE id = $1', [sensor.id]))[0].battery) < 3.2, 5000, 'battery stored');
    expect((await check()).opened['low-battery']).toBeGreaterThanOrEqual(1);
    const [a] = (await api('GET', `/alerts?kind=low-battery&status=open`, admin)).body.alerts;
    expect(a).toMatchObject({ deviceId: sensor.id, details: { batteryV: expect.any(Number), thresholdV: expect.any(Number) } });
    await q('UPDATE devices SET battery = 3.6 WHERE id = $1', [sensor.id]);
    expect((await check()).cleared['low-battery']).toBeGreaterThanOrEqual(1);
  });

  it('raises a sensor stuck in one state far longer than its lot\'s stays', async () => {
    await q(`UPDATE bay_state SET since = now() - interval '30 hours' WHERE bay_code = $1`, [sensor.bayCode]);
    await q(`UPDATE devices SET last_seen = now() WHERE id = $1`, [sensor.id]);
    expect((await check()).opened.stuck).toBeGreaterThanOrEqual(1);
    const [a] = (await api('GET', `/alerts?kind=stuck&status=open`, admin)).body.alerts;
    expect(a).toMatchObject({ deviceId: sensor.id, details: { occupied: true } });
  });

  it('raises a camera whose plate reads lost confidence against its own day before', async () => {
    const cam = p.device((d) => d.kind === 'gate-camera');
    await q(`UPDATE devices SET last_seen = now() WHERE id = $1`, [cam.id]);
    await q(`INSERT INTO camera_confidence_hourly (device_id, hour, reads, confidence_sum)
             SELECT $1, date_trunc('hour', now(), 'UTC') - make_interval(hours => h), 40, 40 * CASE WHEN h = 1 THEN 0.7 ELSE 0.95 END
               FROM generate_series(1, 12) h`, [cam.id]);
    expect((await check()).opened['low-confidence']).toBeGreaterThanOrEqual(1);
    const [a] = (await api('GET', `/alerts?kind=low-confidence`, admin)).body.alerts.filter((x: { deviceId: string }) => x.deviceId === cam.id);
    expect(a?.details).toMatchObject({ lastHour: 0.7, dayBefore: 0.95, reads: 40 });
  });

  it('counts silence from when the platform came up: after a restart no device is silent until two intervals have passed', async () => {
    // A sensor this platform has not heard since it came up, last seen before (as after a restart).
    // Not the test's own sensor: ingest heard that one seconds ago, and its evidence check (every
    // second, in event time, from ingest's memory) rightly clears a silent alert on a device it
    // heard — moving last_seen back behind ingest's back raced it (failed once under CI load).
    const quiet = p.device((d) => d.kind === 'bay-sensor' && d.id !== sensor.id);
    const openSilent = async () => (await q(`SELECT 1 FROM device_alerts WHERE device_id = $1 AND kind = 'silent' AND resolved_at IS NULL`, [quiet.id])).length;
    await q(`UPDATE devices SET last_seen = now() - interval '11 minutes', silent_after = NULL, heartbeat_interval_s = 300 WHERE id = $1`, [quiet.id]);
    const justUp = await checkDeviceHealth(p.db.pool, (bays) => p.broker.writer.markUnknown(bays), DEFAULT_THRESHOLDS, new Date());
    expect(await openSilent()).toBe(0);
    expect(justUp.opened.silent).toBe(0);
    expect(justUp.silencedBays).toBe(0);
    // Up for longer than two intervals: the same device is silent.
    await checkDeviceHealth(p.db.pool, (bays) => p.broker.writer.markUnknown(bays), DEFAULT_THRESHOLDS, new Date(Date.now() - 11 * 60_000));
    expect(await openSilent()).toBe(1);
    await q(`UPDATE devices SET last_seen = now() WHERE id = $1`, [quiet.id]);
    await check();
    expect(await openSilent()).toBe(0);
  });
});
