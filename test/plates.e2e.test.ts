// Nobody pays for a stay that was not theirs (issue 13, docs/plates.md): gate and street cameras
// and bay sensors of the demo fleet over real MQTT → the plate rules in the ingest transaction →
// TimescaleDB → the review queue, the plate lookup and the contactless auto-charger over HTTP.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { MqttClient } from 'mqtt';
import { rmSync } from 'node:fs';
import { consoleToken, connectDevice, nextSeq, publish, startTestPlatform, tempDataDir, waitFor, type TestPlatform } from './helpers.ts';
import { api, backdateClaim, newDriver } from './payments-fixtures.ts';
import { eventsTopic } from '../core/protocol.ts';
import { loadConfig } from '../core/config.ts';
import { billingModule, type BillingModule } from '../billing/index.ts';
import { settleStalePlates } from '../billing/sessions.ts';
import { paymentsModule } from '../payments/index.ts';
import { notificationsModule } from '../notifications/index.ts';
import type { PaymentsRuntime } from '../payments/runtime.ts';
import { ensureBillingSeed } from '../seed/billing-seed.ts';
import type { DeviceCredential } from '../seed/city-loader.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent' };

let p: TestPlatform;
let dataDir: string;
let payments: PaymentsRuntime;
let billing: BillingModule;
let operator: string;
let streetOperator: string;
let gateDev: DeviceCredential;
let camDev: DeviceCredential;
let sensorDev: DeviceCredential;
let gate: MqttClient;
let cam: MqttClient;
let sensor: MqttClient;

beforeAll(async () => {
  dataDir = tempDataDir();
  const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  const pay = paymentsModule(config, { autoChargeIntervalMs: 3_600_000, client: { timeoutMs: 2000, attempts: 4, backoffMs: 100 }, sim: { latencyMs: 10, slowMs: 3000 } });
  payments = pay.runtime;
  p = await startTestPlatform({ dataDir, env: ENV, modules: [billing = billingModule(config, { ensureTariffs: ensureBillingSeed }), pay, notificationsModule(config)] });
  gateDev = p.device((d) => d.kind === 'gate-camera');
  camDev = p.device((d) => d.kind === 'bay-camera' && (d.bays?.length ?? 0) > 0);
  sensorDev = p.device((d) => d.kind === 'bay-sensor' && d.bayCode === camDev.bays![0]);
  const ownerOf = async (lot: string) => (await p.db.pool.query<{ operator_id: string }>('SELECT operator_id FROM lots WHERE id = $1', [lot])).rows[0].operator_id;
  const gateOwner = await ownerOf(gateDev.lotId);
  const streetOwner = await ownerOf(camDev.lotId);
  operator = await consoleToken(p, { operatorId: gateOwner, account: `${gateOwner}-admin` });
  streetOperator = streetOwner === gateOwner ? operator : await consoleToken(p, { operatorId: streetOwner, account: `${streetOwner}-admin` });
  [gate, cam, sensor] = await Promise.all([connectDevice(p, gateDev), connectDevice(p, camDev), connectDevice(p, sensorDev)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([gate, cam, sensor].map((c) => c?.endAsync()));
  await p?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

const q = async (sql: string, params: unknown[] = []) => (await p.db.pool.query(sql, params)).rows;
const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
const color = (plate: string) => ([...plate].length === 8 ? 'green' : 'blue');
const gateRead = (direction: 'in' | 'out', plate: string, ts: string, confidence: number) =>
  publish(gate, eventsTopic(gateDev.id), { type: 'gate', seq: nextSeq(), ts, direction, plate, plateColor: color(plate), confidence });
const bayRead = (occupied: boolean, plate: string, ts: string, confidence: number) =>
  publish(cam, eventsTopic(camDev.id), { type: 'bay', seq: nextSeq(), ts, bay: camDev.bays![0], occupied, plate, plateColor: color(plate), confidence });
const sensorSays = (occupied: boolean, ts: string) => publish(sensor, eventsTopic(sensorDev.id), { type: 'occupancy', seq: nextSeq(), ts, occupied });
const sessionAt = async (lot: string, entry: string) => (await q('SELECT * FROM sessions WHERE lot_id = $1 AND entry_time = $2 AND plate IS NOT NULL', [lot, entry]))[0];
const invoiceOf = async (sessionId: number) => (await q('SELECT * FROM invoices WHERE session_id = $1', [sessionId]))[0];
const lookup = async (plate: string) => (await api(p, 'GET', `/api/v1/plates/${encodeURIComponent(plate)}/invoices`)).body.invoices as unknown[];

describe('plates: whose stay is it', () => {
  it('a misread at entry and a correct read at exit: billed to the car that parked, not to the misread plate', async () => {
    const entry = ago(150);
    await gateRead('in', '豫H1234S', entry, 0.66); // 5 read as S, and the camera knew it was unsure
    await gateRead('out', '豫H12345', ago(30), 0.96);
    const s = await sessionAt(gateDev.lotId, entry);
    expect(s).toMatchObject({ plate: '豫H12345', status: 'closed', match_method: 'confusable', plate_certainty: 'certain' });
    expect(s.plate_evidence).toMatchObject({ rule: 'weak-dissent', candidates: ['豫H12345', '豫H1234S'] });
    expect(await invoiceOf(s.id)).toMatchObject({ plate: '豫H12345', plate_certain: true, status: 'outstanding' });
    expect(await lookup('豫H1234S')).toEqual([]);
    expect(await lookup('豫H12345')).toHaveLength(1);
  });

  it('a misread as confident as the right read: review with the evidence, nobody\'s bill until an operator confirms it', async () => {
    const entry = ago(140);
    await gateRead('in', '豫H2234S', entry, 0.87); // 5 read as S, nearly as confident (a misread province is judged by rule 3's home province)
    await gateRead('out', '豫H22345', ago(20), 0.93);
    const s = await sessionAt(gateDev.lotId, entry);
    expect(s).toMatchObject({ status: 'review', plate_certainty: 'uncertain' });
    const inv = await invoiceOf(s.id);
    expect(inv).toMatchObject({ plate_certain: false });
    expect(await lookup('豫H22345')).toEqual([]);
    expect(await lookup('豫H2234S')).toEqual([]);
    // Not payable either, by anyone holding its reference.
    expect((await api(p, 'GET', `/api/v1/invoices/${inv.public_ref}`)).status).toBe(404);
    expect((await api(p, 'POST', `/api/v1/invoices/${inv.public_ref}/pay`, { source: 'tok_ok_1' })).status).toBe(404);

    const review = await api(p, 'GET', '/api/v1/operator/review', undefined, operator);
    const rs = review.body.sessions.find((x: any) => x.id === s.id);
    expect(rs).toMatchObject({ plateCertainty: 'uncertain', reviewReasons: ['plate-uncertain'], plateEvidence: { rule: 'reads-disagree', candidates: ['豫H22345', '豫H2234S'] } });
    expect(rs.plateEvidence.reads.map((r: any) => [r.role, r.read, r.confidence])).toEqual([['entry', '豫H2234S', 0.87], ['exit', '豫H22345', 0.93]]);
    const ex = review.body.exceptions.find((x: any) => x.sessionId === s.id && x.kind === 'uncertain-plate');
    expect(ex.detailCoded).toMatchObject({ code: 'uncertain-plate', params: { rule: 'reads-disagree', candidates: ['豫H22345', '豫H2234S'] } });

    const ok = await api(p, 'POST', `/api/v1/operator/exceptions/${ex.id}/resolve`, { action: 'approve', note: 'image shows 豫H22345' }, operator);
    expect(ok.status).toBe(200);
    expect(await invoiceOf(s.id)).toMatchObject({ plate: '豫H22345', plate_certain: true });
    expect((await q('SELECT plate_certainty FROM sessions WHERE id = $1', [s.id]))[0].plate_certainty).toBe('confirmed');
    expect(await lookup('豫H22345')).toHaveLength(1);
  });

  it('two confusable plates in the lot at once: a fuzzy exit read matches neither, an unsure exact one goes to review', async () => {
    const [e1, e2] = [ago(130), ago(129)];
    await gateRead('in', '豫J12345', e1, 0.97);
    await gateRead('in', '豫J1234S', e2, 0.97);
    await gateRead('out', '豫J1Z345', ago(60), 0.95); // could be either car
    expect(await sessionAt(gateDev.lotId, e1)).toMatchObject({ status: 'open' });
    expect(await sessionAt(gateDev.lotId, e2)).toMatchObject({ status: 'open' });
    expect(await q(`SELECT detail_coded FROM session_exceptions WHERE plate = '豫J1Z345'`)).toMatchObject([{ detail_coded: { code: 'exit-ambiguous' } }]);

    await gateRead('out', '豫J1234S', ago(50), 0.86); // exact, but a misread of 豫J12345 reads so too
    const s2 = await sessionAt(gateDev.lotId, e2);
    expect(s2).toMatchObject({ status: 'review', plate_certainty: 'uncertain' });
    expect(s2.plate_evidence).toMatchObject({ rule: 'confusable-in-lot', confusableInLot: ['豫J12345'] });
    await gateRead('out', '豫J12345', ago(40), 0.98); // the other car, read exactly and surely
    expect(await sessionAt(gateDev.lotId, e1)).toMatchObject({ status: 'closed', plate: '豫J12345', plate_certainty: 'certain' });
  });

  it('a street stay read at low confidence goes to review, even when its camera\'s exit read agrees', async () => {
    const entry = ago(100);
    await sensorSays(true, ago(100.1));
    await bayRead(true, '豫K34568', entry, 0.62); // right, but unsure (night, rain)
    await sensorSays(false, ago(10));
    const s = await sessionAt(camDev.lotId, entry);
    // Closed by the sensor; its plate waits for the camera's exit read.
    expect(s).toMatchObject({ status: 'closed', plate_certainty: 'pending' });
    expect(await invoiceOf(s.id)).toMatchObject({ plate_certain: false });
    await bayRead(false, '豫K34568', ago(9.9), 0.95);
    const settled = (await q('SELECT * FROM sessions WHERE id = $1', [s.id]))[0];
    expect(settled).toMatchObject({ status: 'review', plate_certainty: 'uncertain' });
    expect(settled.review_reason).toMatch(/low-confidence entry read/);
    expect(await q(`SELECT kind FROM session_exceptions WHERE session_id = $1`, [s.id])).toEqual([{ kind: 'low-confidence' }]);
    expect(await lookup('豫K34568')).toEqual([]);
    const review = await api(p, 'GET', '/api/v1/operator/review', undefined, streetOperator);
    expect(review.body.sessions.find((x: any) => x.id === s.id)).toMatchObject({ plateCertainty: 'uncertain', plateEvidence: { rule: 'low-confidence' } });
  });

  it('a street stay whose camera exit read never comes is judged on its entry read once the wait is over', async () => {
    // The bay of the test before, after that stay.
    const entry = ago(8);
    await sensorSays(true, ago(8.1));
    await bayRead(true, '豫K45678', entry, 0.96);
    await sensorSays(false, ago(5)); // …and the camera's read of the departure is lost
    const s = await sessionAt(camDev.lotId, entry);
    expect(s).toMatchObject({ status: 'closed', plate_certainty: 'pending' });
    expect(await settleStalePlates(p.db.pool, billing.sessionHook)).toBe(0); // still waiting
    expect(await settleStalePlates(p.db.pool, billing.sessionHook, new Date(Date.now() + 20 * 60_000))).toBe(1);
    expect((await q('SELECT * FROM sessions WHERE id = $1', [s.id]))[0]).toMatchObject({ status: 'closed', plate_certainty: 'certain', plate_evidence: { rule: 'single-confident-read' } });
    expect(await invoiceOf(s.id)).toMatchObject({ plate: '豫K45678', plate_certain: true });
  });

  it('a contactless plate whose stay was uncertain is not charged; once an operator confirms it, it is', async () => {
    await newDriver(p, '13900139013', '豫L12345', 'acct-plates');
    await backdateClaim(p.db.pool, '豫L12345');
    const entry = ago(120);
    await gateRead('in', '豫L1234S', entry, 0.88);
    await gateRead('out', '豫L12345', ago(15), 0.92);
    const s = await sessionAt(gateDev.lotId, entry);
    expect(s).toMatchObject({ plate: '豫L12345', status: 'review', plate_certainty: 'uncertain' });
    const inv = await invoiceOf(s.id);
    expect(inv.amount_fen).toBeGreaterThan(0);
    const run = await payments.autoCharger!.poke();
    expect(run.charged).not.toContain(inv.id);
    expect(await q('SELECT id FROM charges WHERE invoice_id = $1', [inv.id])).toEqual([]);
    expect(payments.provider!.ledger().filter((c) => c.metadata.invoice_id === String(inv.id))).toEqual([]);

    const ex = (await q(`SELECT id FROM session_exceptions WHERE session_id = $1 AND kind = 'uncertain-plate'`, [s.id]))[0];
    expect((await api(p, 'POST', `/api/v1/operator/exceptions/${ex.id}/resolve`, { action: 'approve', note: 'image checked' }, operator)).status).toBe(200);
    // The approval announces the invoice: it is charged without waiting for the safety-net sweep.
    await waitFor(async () => (await q('SELECT method FROM charges WHERE invoice_id = $1', [inv.id]))[0]?.method === 'contactless', 5000, 'the contactless charge');
  });

  it('a contactless plate whose stay was certain is charged at once, its attempt recorded behind the COMMIT that issued the invoice', async () => {
    await newDriver(p, '13900139014', '豫L22345', 'acct-plates-2');
    await backdateClaim(p.db.pool, '豫L22345');
    const poked = spyPokes();
    try {
      const inv = await certainGateStay('豫L22345', 110, 12);
      await chargeSucceeded(inv.id);
      // payments/contactless-hook.ts recorded it: no auto-charge pass was asked to.
      expect(poked.ids).not.toContain(Number(inv.id));
      expect(poked.sweeps).toBe(0);
    } finally {
      poked.restore();
    }
  });

  it('an attempt that fails behind the COMMIT costs the batch nothing: the stay is billed, and a sweep charges it once', async () => {
    await newDriver(p, '13900139015', '豫L22346', 'acct-plates-3');
    await backdateClaim(p.db.pool, '豫L22346');
    // Refuses the first contactless attempt from now on (a sequence is not rolled back with it).
    await q('CREATE SEQUENCE test_refuse_once');
    await q(`CREATE FUNCTION test_refuse_once() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN
                 IF NEW.method = 'contactless' AND nextval('test_refuse_once') = 1 THEN RAISE EXCEPTION 'test: the first attempt fails'; END IF;
                 RETURN NEW;
               END $$`);
    await q('CREATE TRIGGER test_refuse_once BEFORE INSERT ON charges FOR EACH ROW EXECUTE FUNCTION test_refuse_once()');
    const poked = spyPokes();
    try {
      const inv = await certainGateStay('豫L22346', 100, 11);
      expect(inv).toMatchObject({ plate: '豫L22346', plate_certain: true });
      await chargeSucceeded(inv.id);
      expect(await q('SELECT 1 FROM charges WHERE invoice_id = $1', [inv.id])).toHaveLength(1);
      expect(Number((await q(`SELECT last_value FROM test_refuse_once`))[0].last_value)).toBeGreaterThanOrEqual(2);
      expect(poked.sweeps).toBe(1);
    } finally {
      poked.restore();
      await q('DROP TRIGGER test_refuse_once ON charges');
      await q('DROP FUNCTION test_refuse_once()');
      await q('DROP SEQUENCE test_refuse_once');
    }
  });
});

/** A stay through the garage's gates, read confidently both ways: its session closed on a certain plate, and its invoice. */
async function certainGateStay(plate: string, enteredMinAgo: number, leftMinAgo: number) {
  const entry = ago(enteredMinAgo);
  await gateRead('in', plate, entry, 0.95);
  await gateRead('out', plate, ago(leftMinAgo), 0.94);
  const s = await sessionAt(gateDev.lotId, entry);
  expect(s).toMatchObject({ status: 'closed', plate_certainty: 'certain' });
  return invoiceOf(s.id);
}

const chargeSucceeded = (invoiceId: number) =>
  waitFor(async () => (await q(`SELECT 1 FROM charges WHERE invoice_id = $1 AND status = 'succeeded'`, [invoiceId])).length > 0, 5000, 'the contactless charge');

/** Every poke of the auto-charger from now on: the invoice ids named, and the sweeps (no ids). */
function spyPokes() {
  const charger = payments.autoCharger!;
  const poke = charger.poke;
  const out = { ids: [] as number[], sweeps: 0, restore: () => { charger.poke = poke; } };
  charger.poke = (ids) => {
    if (ids) out.ids.push(...ids.map(Number));
    else out.sweeps++;
    return poke(ids);
  };
  return out;
}
