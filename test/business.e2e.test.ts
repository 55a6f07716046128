// The whole business path as a driver lives it: register, bind a plate with contactless payment,
// drive in and out past real gate cameras (MQTT), and leave with a receipt — charged once.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { cityModules } from '../platform.ts';
import { backdateClaim } from './payments-fixtures.ts';
import { signUp, startTestPlatform, tempDataDir, connectDevice, publish, waitFor, nextSeq, hourlyStatsBothWays, type TestPlatform } from './helpers.ts';
import { eventsTopic } from '../core/protocol.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent' };
let p: TestPlatform;

async function api(method: string, url: string, body?: unknown, token?: string) {
  const res = await fetch(p.httpUrl + url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, body: (() => { try { return JSON.parse(text); } catch { return null; } })() };
}

beforeAll(async () => {
  const dataDir = tempDataDir();
  const { modules } = cityModules(loadConfig({ ...ENV, DATA_DIR: dataDir }));
  p = await startTestPlatform({ dataDir, modules });
});
afterAll(async () => { await p?.destroy(); });

describe('guidance with tariffs', () => {
  it('prices each recommended lot for the expected stay from its tariff', async () => {
    const sensor = p.device((d) => d.kind === 'bay-sensor' && d.lotId === 'ZZ-JS-0002');
    const c = await connectDevice(p, sensor);
    await publish(c, eventsTopic(sensor.id), { type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: false });
    await c.endAsync();
    const lot = (await api('GET', '/api/v1/lots/ZZ-JS-0002')).body.lot;
    const two = await waitFor(async () => {
      const r = await api('GET', `/api/v1/guidance?lat=${lot.lat}&lng=${lot.lng}&stay=120`);
      return r.body.options.find((o: { lot: { id: string } }) => o.lot.id === 'ZZ-JS-0002');
    }, 2000, 'guidance to offer the lot');
    const four = (await api('GET', `/api/v1/guidance?lat=${lot.lat}&lng=${lot.lng}&stay=240`)).body.options.find((o: { lot: { id: string } }) => o.lot.id === 'ZZ-JS-0002');
    expect(Number.isInteger(two.priceFen)).toBe(true);
    expect(two.priceFen).toBeGreaterThan(0);
    expect(four.priceFen).toBeGreaterThanOrEqual(two.priceFen); // a longer stay never costs less
  });
});

describe('leave and go', () => {
  it('charges a contactless plate automatically at exit, once, and the driver gets the receipt', async () => {
    const plate = '豫AD52013';
    const reg = await signUp(p, { phone: '13800138123', password: 'leave-and-go-1' });
    expect(reg.status).toBe(201);
    const token = reg.body.token;
    expect((await api('POST', '/api/v1/me/plates', { plate }, token)).status).toBe(201);
    expect((await api('POST', '/api/v1/me/payment-methods', { kind: 'wechat', account: '13800138123' }, token)).status).toBe(201);
    expect((await api('PUT', `/api/v1/me/plates/${encodeURIComponent(plate)}/contactless`, { enabled: true }, token)).status).toBe(200);

    const gate = p.device((d) => d.kind === 'gate-camera');
    const cam = await connectDevice(p, gate);
    const entry = new Date(Date.now() - 3 * 3600_000);
    // A driver sees only stays that began after the plate was claimed (plates are personal data):
    // this one entered three hours ago, so the claim is dated before it, as if made yesterday.
    await backdateClaim(p.db.pool, plate);
    await publish(cam, eventsTopic(gate.id), { type: 'gate', seq: nextSeq(), ts: entry.toISOString(), direction: 'in', plate, plateColor: 'green', confidence: 0.98 });
    // While parked the driver sees the stay and its running fee.
    const open = await waitFor(async () => {
      const r = await api('GET', '/api/v1/me/sessions', undefined, token);
      return JSON.stringify(r.body).includes(gate.lotId) ? r.body : null;
    }, 3000, 'the open session');
    expect(open.open[0].lotId).toBe(gate.lotId);
    expect(open.open[0].runningFeeFen).toBeGreaterThan(0); // three hours in a garage are not free

    const exit = { type: 'gate', seq: nextSeq(), ts: new Date().toISOString(), direction: 'out', plate, plateColor: 'green', confidence: 0.97 };
    await publish(cam, eventsTopic(gate.id), exit);
    await publish(cam, eventsTopic(gate.id), exit); // a duplicated exit
    await publish(cam, eventsTopic(gate.id), { ...exit, seq: nextSeq() }); // a replayed exit under a new seq
    await cam.endAsync();

    const invoice = await waitFor(async () => {
      const { rows } = await p.db.pool.query(`SELECT id, amount_fen, status, lines FROM invoices WHERE plate = $1`, [plate]);
      return rows.length && rows[0].status === 'paid' ? rows : null;
    }, 8000, 'the invoice to be paid automatically');
    expect(invoice).toHaveLength(1);
    expect(invoice[0].amount_fen).toBeGreaterThan(0);
    const lineSum = invoice[0].lines.reduce((s: number, l: { amountFen: number }) => s + l.amountFen, 0);
    expect(lineSum).toBe(invoice[0].amount_fen);
    const charges = (await p.db.pool.query(`SELECT method, status FROM charges WHERE invoice_id = $1`, [invoice[0].id])).rows;
    expect(charges).toEqual([{ method: 'contactless', status: 'succeeded' }]);

    const mine = await api('GET', '/api/v1/me/sessions', undefined, token);
    const receipt = JSON.stringify(mine.body).match(/OL-\d{8}-\d+/)?.[0];
    expect(receipt).toBeDefined();
    const download = await fetch(`${p.httpUrl}/api/v1/receipts/${receipt}`, { headers: { authorization: `Bearer ${token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/attachment/);
    expect(await download.text()).toContain(receipt!);

    // The stay, its invoice and the automatic payment are in the operators' hourly figures as the rows say.
    const { kept, fromRows } = await hourlyStatsBothWays(p.db.pool);
    expect(kept).toEqual(fromRows);
    expect(kept.some((r: any) => Number(r.paid_fen) === invoice[0].amount_fen)).toBe(true);

    // What the platform measures of it on /metrics (bench:billing reads the same): the invoice and
    // its exit-to-invoice time, the one automatic charge and its exit-to-charge time.
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${p.httpUrl}/metrics`)).text();
      return /^onelot_payments_exit_to_charge_seconds_count 1$/m.test(text) ? text : null;
    }, 3000, 'the automatic charge on /metrics');
    expect(Number(/^onelot_billing_invoices_issued_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^onelot_billing_exit_to_invoice_seconds_count (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    // The database thread is the embedded database's (a server's CPU is its own).
    if (p.db.mode === 'embedded') expect(metrics).toMatch(/^onelot_event_loop_busy_seconds_total\{thread="database"\} \S+$/m);
  });
});
