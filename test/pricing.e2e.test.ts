// Prices that keep a space free, and EV bays kept for EVs (issue 15 §2, §4), on a real platform over
// real HTTP, MQTT and the real database. Weeks of occupancy history are written as the samples
// ingest keeps (lot_occupancy_samples), so the weekly job has something to read; then the API
// recommends, the operator accepts or rejects, the city approves street steps through the tariff
// approval flow, and an accepted step shows its before and after. EV bays: a bay camera reports a
// petrol car in an EV-charging bay; past the grace the operator gets an alert, and the bill has
// the tariff's misuse fee line.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connectDevice, consoleToken, nextSeq, publish, startTestPlatform, waitFor, type TestPlatform } from './helpers.ts';
import { eventsTopic } from '../core/protocol.ts';
import { billingModule, type BillingModule } from '../billing/index.ts';
import { ensureBillingSeed } from '../seed/billing-seed.ts';
import { loadConfig } from '../core/config.ts';
import { checkEvBays } from '../billing/ev-bays.ts';
import { operatorsModule } from '../operators/index.ts';
import type { DeviceCredential } from '../seed/city-loader.ts';

let p: TestPlatform;
let billing: BillingModule;
let ADMIN: string; // op-zzpark's admin
let CITY: string;
let street: string; // op-zzpark's street lot
let garage: string; // op-zzpark's garage

async function api(method: string, url: string, auth?: string, body?: unknown) {
  const res = await fetch(p.httpUrl + url, {
    method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(auth ? { authorization: auth } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() as any };
}
const q = async (sql: string, params: unknown[] = []) => (await p.db.pool.query(sql, params)).rows;

/**
 * One occupancy sample every 15 minutes from `fromDays` to `toDays` ago: `day` share of the lot's
 * bays taken 07:00–21:00 Beijing time, `night` share otherwise.
 */
async function history(lotId: string, fromDays: number, toDays: number, day: number, night: number) {
  await p.db.pool.query(
    `INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
     SELECT t, l.id, l.capacity - o.n, o.n, 0
       FROM lots l, generate_series(now() - make_interval(days => $2::int), now() - make_interval(days => $3::int) - interval '15 minutes', interval '15 minutes') t,
            LATERAL (SELECT round(l.capacity * CASE WHEN extract(hour FROM t AT TIME ZONE 'Asia/Shanghai') BETWEEN 7 AND 20 THEN $4::float8 ELSE $5::float8 END)::int AS n) o
      WHERE l.id = $1`, [lotId, fromDays, toDays, day, night]);
}

beforeAll(async () => {
  billing = billingModule(loadConfig({}), { ensureTariffs: ensureBillingSeed });
  p = await startTestPlatform({ modules: [billing, operatorsModule()] });
  ADMIN = `Bearer ${await consoleToken(p, { operatorId: 'op-zzpark' })}`;
  CITY = `Bearer ${await consoleToken(p, { operatorId: null, account: 'city' })}`;
  street = (await q(`SELECT l.id FROM lots l JOIN lot_billing b ON b.lot_id = l.id WHERE l.kind = 'street' AND l.operator_id = 'op-zzpark' AND b.tariff_id = 'zz-street' ORDER BY l.id LIMIT 1`))[0].id;
  garage = (await q(`SELECT l.id FROM lots l JOIN lot_billing b ON b.lot_id = l.id WHERE l.kind = 'garage' AND l.operator_id = 'op-zzpark' AND b.tariff_id = 'zz-garage' ORDER BY l.id LIMIT 1`))[0].id;
  // Four weeks: the street block full by day and empty at night; the garage 40 % full by day for
  // two weeks, then 50 %.
  await history(street, 28, 0, 0.95, 0.2);
  await history(garage, 28, 14, 0.4, 0.2);
  await history(garage, 14, 0, 0.5, 0.2);
}, 180_000); // a platform start on a shared 2-core machine
afterAll(async () => { await p?.destroy(); });

describe('the city\'s pricing policy', () => {
  it('defaults to SFpark\'s 60–80 % and ¥0.50 steps; only the city changes it, and the change is audited', async () => {
    const r = await api('GET', '/api/v1/operator/pricing/policy', ADMIN);
    expect(r.body).toMatchObject({ targetLow: 0.6, targetHigh: 0.8, stepFenPerHour: 50, floorFenPerHour: 50, ceilingFenPerHour: 2000, lookbackWeeks: 4 });
    const body = { targetLow: 0.6, targetHigh: 0.8, stepFenPerHour: 50, floorFenPerHour: 50, ceilingFenPerHour: 1500, lookbackWeeks: 4 };
    expect((await api('PUT', '/api/v1/operator/pricing/policy', ADMIN, body)).status).toBe(403);
    const bad = await api('PUT', '/api/v1/operator/pricing/policy', CITY, { ...body, targetLow: 0.9 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/targetLow 0.9 must be below targetHigh 0.8/);
    const ok = await api('PUT', '/api/v1/operator/pricing/policy', CITY, body);
    expect(ok.body).toMatchObject({ ceilingFenPerHour: 1500, updatedBy: 'city' });
    expect(await q(`SELECT action, after->>'ceilingFenPerHour' AS ceiling FROM audit_log WHERE action = 'pricing.policy'`)).toEqual([{ action: 'pricing.policy', ceiling: '1500' }]);
  });
});

describe('recommendations: evidence, accept, reject, the city\'s approval', () => {
  let streetRec: any;
  let garageRec: any;

  it('a run recommends a step per band as a new version from next Monday, with occupancy by hour as evidence', async () => {
    const run = await api('POST', '/api/v1/operator/pricing/recommendations/run', ADMIN, { lotIds: [street, garage] });
    expect(run.body).toEqual({ lots: 2, recommended: 2, held: 0, skipped: 0 });
    const list = (await api('GET', '/api/v1/operator/pricing/recommendations?status=proposed', ADMIN)).body.recommendations;
    streetRec = list.find((r: any) => r.lotId === street);
    garageRec = list.find((r: any) => r.lotId === garage);
    // zz-street's day band is ¥3.00 an hour (first hour ¥3, then ¥1.50 per half hour): 95 % full → ¥3.50.
    expect(streetRec.steps.map((s: any) => [s.band, s.direction, s.beforeFenPerHour, s.afterFenPerHour])).toEqual([['Day', 'up', 300, 350], ['Night', 'down', 100, 50]]);
    expect(streetRec.steps[0].occupancy).toBeCloseTo(0.95, 1);
    expect(streetRec.proposal.bands[0].pricing).toEqual({ kind: 'units', firstUnit: { minutes: 60, fen: 350 }, unit: { minutes: 30, fen: 175 } });
    expect(streetRec.approvalBy).toBe('city');
    // Next Monday 00:00 Beijing time.
    const start = new Date(streetRec.validFrom);
    expect(start.getTime()).toBeGreaterThan(Date.now());
    expect(start.getTime() - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    expect(new Date(start.getTime() + 8 * 3_600_000).getUTCDay()).toBe(1);
    expect(start.getUTCHours()).toBe(16);
    expect(streetRec.evidence.hourly).toHaveLength(24);
    expect(streetRec.evidence.hourly.find((h: any) => h.hour === 9).occupancy).toBeCloseTo(0.95, 1);
    expect(streetRec.evidence.hourly.find((h: any) => h.hour === 3).occupancy).toBeCloseTo(0.2, 1);
    // The garage's day averaged 45 % over four weeks: ¥1.50 → ¥1.00; its per-visit night is never stepped.
    expect(garageRec.steps.map((s: any) => [s.band, s.direction, s.reason])).toEqual([['Day', 'down', 'below-target'], ['Night', 'hold', 'per-visit']]);
    expect(garageRec.approvalBy).toBe('operator');
  });

  it('the city reads every lot\'s recommendations but only the lot\'s admin decides', async () => {
    const city = (await api('GET', '/api/v1/operator/pricing/recommendations?status=proposed', CITY)).body.recommendations;
    expect(city.map((r: any) => r.id)).toEqual(expect.arrayContaining([streetRec.id, garageRec.id]));
    expect((await api('POST', `/api/v1/operator/pricing/recommendations/${streetRec.id}/accept`, CITY)).status).toBe(403);
    const other = `Bearer ${await consoleToken(p, { operatorId: 'op-private' })}`;
    expect((await api('POST', `/api/v1/operator/pricing/recommendations/${streetRec.id}/accept`, other)).status).toBe(404);
  });

  it('accepting a street step makes a tariff version waiting for the city; the city approves it in the tariff flow', async () => {
    const r = await api('POST', `/api/v1/operator/pricing/recommendations/${streetRec.id}/accept`, ADMIN);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'accepted', decidedBy: 'op-zzpark' });
    const version = r.body.tariffVersion;
    const versions = (await api('GET', `/api/v1/operator/lots/${street}/tariffs`, ADMIN)).body.versions;
    expect(versions.find((v: any) => !v.shared && v.version === version)).toMatchObject({ status: 'pending', validFrom: streetRec.validFrom });
    const pending = (await api('GET', '/api/v1/operator/tariff-approvals', CITY)).body;
    expect(JSON.stringify(pending)).toContain(street);
    const approved = await api('POST', `/api/v1/operator/lots/${street}/tariffs/${version}/approve`, CITY, {});
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('scheduled');
    expect((await api('POST', `/api/v1/operator/pricing/recommendations/${streetRec.id}/reject`, ADMIN, { reason: 'too late' })).status).toBe(409);
    // A step on its way: the next run leaves the lot alone.
    expect((await api('POST', '/api/v1/operator/pricing/recommendations/run', ADMIN, { lotIds: [street] })).body).toMatchObject({ skipped: 1 });
  });

  it('rejecting needs a reason, is kept, and both decisions are in the audit log', async () => {
    expect((await api('POST', `/api/v1/operator/pricing/recommendations/${garageRec.id}/reject`, ADMIN, {})).status).toBe(400);
    const r = await api('POST', `/api/v1/operator/pricing/recommendations/${garageRec.id}/reject`, ADMIN, { reason: 'a concert next week' });
    expect(r.body).toMatchObject({ status: 'rejected', reason: 'a concert next week' });
    const log = await q(`SELECT action, object_id, account_id FROM audit_log WHERE action LIKE 'pricing.%' AND object_type = 'price-recommendation' ORDER BY id`);
    expect(log).toEqual([
      { action: 'pricing.accept', object_id: String(streetRec.id), account_id: 'op-zzpark' },
      { action: 'pricing.reject', object_id: String(garageRec.id), account_id: 'op-zzpark' },
    ]);
  });

  it('a later recommendation shows the earlier step\'s occupancy before and since it took effect', async () => {
    // The garage's step, accepted and in force for the last two weeks (time moved by hand).
    const run = await api('POST', '/api/v1/operator/pricing/recommendations/run', ADMIN, { lotIds: [garage] });
    expect(run.body.recommended).toBe(1);
    const [fresh] = (await api('GET', `/api/v1/operator/pricing/recommendations?status=proposed&lotId=${garage}`, ADMIN)).body.recommendations;
    const accepted = await api('POST', `/api/v1/operator/pricing/recommendations/${fresh.id}/accept`, ADMIN);
    expect(accepted.status).toBe(200);
    await q(`UPDATE price_recommendations SET valid_from = now() - interval '14 days' WHERE id = $1`, [fresh.id]);
    await q(`UPDATE tariffs SET valid_from = now() - interval '14 days', body = jsonb_set(body, '{validFrom}', to_jsonb(to_char((now() - interval '14 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))) WHERE lot_id = $1 AND version = $2`, [garage, accepted.body.tariffVersion]);
    await billing.sessionHook.reload(p.db.pool);
    // Read only since the step took effect (two weeks at 50 % by day): another step down, whose
    // evidence shows how the first one did.
    expect((await api('POST', '/api/v1/operator/pricing/recommendations/run', ADMIN, { lotIds: [garage] })).body).toEqual({ lots: 1, recommended: 1, held: 0, skipped: 0 });
    const [next] = (await api('GET', `/api/v1/operator/pricing/recommendations?status=proposed&lotId=${garage}`, ADMIN)).body.recommendations;
    expect(next.steps[0]).toMatchObject({ direction: 'down', beforeFenPerHour: 100, afterFenPerHour: 50 });
    const [earlier] = next.evidence.earlier;
    expect(earlier).toMatchObject({ recommendationId: fresh.id, tariffVersion: accepted.body.tariffVersion });
    expect(earlier.bands).toHaveLength(1);
    expect(earlier.bands[0]).toMatchObject({ band: 'Day', direction: 'down', beforeFenPerHour: 150, afterFenPerHour: 100 });
    expect(earlier.bands[0].occupancyBefore).toBeCloseTo(0.45, 1);
    expect(earlier.bands[0].occupancyAfter).toBeCloseTo(0.5, 1);
    expect(Date.parse(next.evidence.from)).toBeGreaterThan(Date.now() - 15 * 86_400_000);
    expect(next.evidence.hourly.find((h: any) => h.hour === 10).occupancy).toBeCloseTo(0.5, 1);
  });
});

describe('EV bays kept for EVs, over real MQTT', () => {
  let camDev: DeviceCredential;
  let cam: MqttClient;
  let evBay: string;
  let evBay2: string;
  beforeAll(async () => {
    camDev = p.device((d) => d.kind === 'bay-camera' && (d.bays?.length ?? 0) >= 2);
    [evBay, evBay2] = camDev.bays!;
    const owner = (await q('SELECT l.operator_id FROM lots l WHERE l.id = $1', [camDev.lotId]))[0].operator_id;
    const auth = `Bearer ${await consoleToken(p, { operatorId: owner, account: `${owner}-ev` })}`;
    // The operator marks the bays as EV-charging in the console's bay editor.
    for (const code of [evBay, evBay2]) expect((await api('PATCH', `/api/v1/operator/bays/${encodeURIComponent(code)}`, auth, { evCharging: true })).status).toBe(200);
    // The lot's tariff says a non-EV pays ¥10 per started hour after 15 minutes (written and in force).
    const [base] = await q(`SELECT t.body FROM tariffs t JOIN lot_billing b ON b.tariff_id = t.id WHERE b.lot_id = $1 ORDER BY t.version DESC LIMIT 1`, [camDev.lotId]);
    const body = { ...base.body, id: `${camDev.lotId}-v90`, lotId: camDev.lotId, version: 90, validFrom: '2026-01-01T00:00:00+08:00', evBayMisuse: { graceMinutes: 15, unit: { minutes: 60, fen: 1000 } } };
    await q(`INSERT INTO tariffs (id, lot_id, version, valid_from, body, status) VALUES ($1, $2, 90, $3, $4, 'approved')`, [`lot:${camDev.lotId}`, camDev.lotId, body.validFrom, JSON.stringify(body)]);
    await billing.sessionHook.reload(p.db.pool);
    cam = await connectDevice(p, camDev);
  });
  afterAll(async () => { await cam?.endAsync(); });

  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  it('a petrol car past the grace raises an alert for the operator; a green plate does not', async () => {
    await publish(cam, eventsTopic(camDev.id), { type: 'bay', seq: nextSeq(), ts: minutesAgo(70), bay: evBay, occupied: true, plate: '豫A12345', plateColor: 'blue', confidence: 0.95 });
    await publish(cam, eventsTopic(camDev.id), { type: 'bay', seq: nextSeq(), ts: minutesAgo(70), bay: evBay2, occupied: true, plate: '豫AD12345', plateColor: 'green', confidence: 0.95 });
    await waitFor(async () => (await q(`SELECT 1 FROM sessions WHERE bay_code = ANY($1) AND status = 'open'`, [[evBay, evBay2]])).length === 2, 5000, 'both sessions');
    // Within the grace (the check as of 10 minutes after entry): nothing yet.
    expect((await checkEvBays(p.db.pool, billing.sessionHook.book, new Date(Date.now() - 60 * 60_000))).opened).toBe(0);
    const r = await checkEvBays(p.db.pool, billing.sessionHook.book);
    expect(r).toMatchObject({ opened: 1, misused: 1 });
    const owner = (await q('SELECT operator_id FROM lots WHERE id = $1', [camDev.lotId]))[0].operator_id;
    const auth = `Bearer ${await consoleToken(p, { operatorId: owner, account: `${owner}-ev` })}`;
    const alerts = (await api('GET', '/api/v1/operator/alerts?kind=ev-misuse', auth)).body.alerts;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ deviceId: camDev.id, lotId: camDev.lotId, kind: 'ev-misuse', status: 'open' });
    expect(alerts[0].details.bays).toEqual([expect.objectContaining({ bay: evBay, plate: expect.stringContaining('*') })]);
    expect(alerts[0].details.bays[0].minutes).toBeGreaterThanOrEqual(70);
    // The plate is personal data: masked in the alert.
    expect(JSON.stringify(alerts[0].details)).not.toContain('豫A12345');
    // A second check keeps the one alert.
    expect((await checkEvBays(p.db.pool, billing.sessionHook.book)).opened).toBe(0);
  });

  it('the bill has the misuse fee line, explained; the green plate pays none; the alert clears by itself', async () => {
    await publish(cam, eventsTopic(camDev.id), { type: 'bay', seq: nextSeq(), ts: minutesAgo(0), bay: evBay, occupied: false });
    await publish(cam, eventsTopic(camDev.id), { type: 'bay', seq: nextSeq(), ts: minutesAgo(0), bay: evBay2, occupied: false });
    const [petrol] = await waitFor(async () => {
      const rows = await q(`SELECT i.lines, i.amount_fen FROM invoices i JOIN sessions s ON s.id = i.session_id WHERE s.plate = '豫A12345' AND s.bay_code = $1`, [evBay]);
      return rows.length ? rows : null;
    }, 5000, 'the petrol car\'s invoice');
    const misuse = petrol.lines.find((l: any) => l.kind === 'ev-bay-misuse');
    // 70 minutes, 15 free: 55 minutes = one started hour, ¥10.
    expect(misuse).toMatchObject({ units: 1, amountFen: 1000, graceMinutes: 15 });
    expect(misuse.minutes).toBeGreaterThanOrEqual(55);
    expect(misuse.description).toContain('EV-charging bays are for new-energy vehicles');
    expect(petrol.amount_fen).toBe(petrol.lines.reduce((s: number, l: any) => s + l.amountFen, 0));
    const [green] = await waitFor(async () => {
      const rows = await q(`SELECT i.lines FROM invoices i JOIN sessions s ON s.id = i.session_id WHERE s.plate = '豫AD12345'`);
      return rows.length ? rows : null;
    }, 5000, 'the EV\'s invoice');
    expect(green.lines.map((l: any) => l.kind)).not.toContain('ev-bay-misuse');
    expect(await checkEvBays(p.db.pool, billing.sessionHook.book)).toMatchObject({ cleared: 1, misused: 0 });
    expect(await q(`SELECT resolved_at IS NOT NULL AS resolved, note FROM device_alerts WHERE kind = 'ev-misuse'`)).toEqual([{ resolved: true, note: 'cleared by itself' }]);
  });
});
