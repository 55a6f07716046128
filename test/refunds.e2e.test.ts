// Refunds and voids as operators need them (issue 11), end to end: stays made by a real gate camera
// over MQTT (with image references), paid through the simulated provider over HTTP, refunded in
// parts through the operator API, confirmed by the provider's signed webhooks over a real socket;
// the analytics' collected figure held to the refunded amounts exactly, and to a recomputation
// from the raw rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { loadConfig } from '../core/config.ts';
import { eventsTopic } from '../core/protocol.ts';
import type { DeviceCredential } from '../seed/city-loader.ts';
import { cityModules } from '../platform.ts';
import { HOURLY_FIGURES } from '../analytics/hourly-stats.ts';
import { connectDevice, consoleToken, hourlyStatsBothWays, nextSeq, publish, startTestPlatform, tempDataDir, waitFor, type TestPlatform } from './helpers.ts';
import { chargesOf, invoiceStatus, newDriver, waitStatus } from './payments-fixtures.ts';

let p: TestPlatform;
let gateDev: DeviceCredential;
let gate: MqttClient;
let owner: string;
let admin: string;
let staff: string;
let other: string;
let autoCharger: { poke(ids?: readonly number[]): Promise<unknown> };
let runtime: ReturnType<typeof cityModules>['payments']['runtime'];

beforeAll(async () => {
  const dataDir = tempDataDir();
  const built = cityModules(loadConfig({ DATA_DIR: dataDir }), { payments: { autoChargeIntervalMs: 3_600_000, sim: { latencyMs: 30 } } });
  p = await startTestPlatform({ dataDir, modules: built.modules });
  runtime = built.payments.runtime;
  autoCharger = runtime.autoCharger!;
  gateDev = p.device((d) => d.kind === 'gate-camera');
  owner = (await p.db.pool.query<{ operator_id: string }>('SELECT operator_id FROM lots WHERE id = $1', [gateDev.lotId])).rows[0].operator_id;
  admin = await consoleToken(p, { operatorId: owner, account: `${owner}-refund-admin` });
  staff = await consoleToken(p, { operatorId: owner, role: 'staff', account: `${owner}-refund-staff` });
  await p.db.pool.query('UPDATE operator_accounts SET refund_limit_fen = 100 WHERE id = $1', [`${owner}-refund-staff`]);
  other = await consoleToken(p, { operatorId: 'op-refunds-other', account: 'op-refunds-other-admin' });
  gate = await connectDevice(p, gateDev);
}, 120_000);
afterAll(async () => {
  await gate?.endAsync();
  await p?.destroy();
});

async function call(method: string, url: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(p.httpUrl + url, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* html */ }
  return { status: res.status, body: json, text, headers: res.headers };
}
const OP = '/api/v1/operator';

/** A garage stay through the gate camera, entry and exit each with an image; its invoice (650 fen: zz-garage, 2 h on a weekday). */
async function stay(plate: string, daysBack: number): Promise<{ id: number; ref: string }> {
  const day = new Date(Date.now() - daysBack * 86_400_000);
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 5) % 7)); // a Tuesday
  const date = day.toISOString().slice(0, 10);
  const msg = (direction: 'in' | 'out', ts: string) => ({ type: 'gate', seq: nextSeq(), ts, direction, plate, plateColor: 'blue', confidence: 0.96, image: `s3://onelot-test/${plate}-${direction}.jpg` });
  await publish(gate, eventsTopic(gateDev.id), msg('in', `${date}T10:00:00+08:00`));
  await publish(gate, eventsTopic(gateDev.id), msg('out', `${date}T12:00:00+08:00`));
  const { rows } = await p.db.pool.query<{ id: number; public_ref: string; amount_fen: number }>('SELECT id, public_ref, amount_fen FROM invoices WHERE plate = $1', [plate]);
  expect(rows[0].amount_fen).toBe(650);
  return { id: Number(rows[0].id), ref: rows[0].public_ref };
}

async function paid(plate: string, daysBack: number) {
  const inv = await stay(plate, daysBack);
  const pay = await call('POST', `/api/v1/invoices/${inv.ref}/pay`, undefined, { source: `tok_ok_${plate}` });
  expect(pay.status).toBe(202);
  await waitStatus(p.db.pool, inv.id, 'paid');
  return { ...inv, paymentKey: pay.body.paymentKey as string };
}

/** The analytics' collected figure (kept hourly, folded or not) of the hour the invoice was paid in. */
const collected = async (invoiceId: number) => Number((await p.db.pool.query(
  `SELECT coalesce(sum(h.paid_fen), 0) AS fen FROM invoices i JOIN ${HOURLY_FIGURES} h ON h.lot_id = i.lot_id AND h.hour = date_trunc('hour', i.paid_at, 'UTC') WHERE i.id = $1`,
  [invoiceId])).rows[0].fen);

// A refund sent to the provider: 'requested', or already 'succeeded' when the provider's webhook
// landed before the answer was written (it may, on a loaded machine).
const onItsWay = expect.stringMatching(/^(requested|succeeded)$/);

const refundsOf = async (invoiceId: number) => (await call('GET', `${OP}/invoices/${invoiceId}/refunds`, admin)).body;

describe('refunds in parts', () => {
  it('two partial refunds, then a third above what remains is 409; a retried request is the same refund; each moves only its amount', async () => {
    const inv = await paid('豫A7R001', 14);
    const before = await collected(inv.id);
    const first = await call('POST', `${OP}/invoices/${inv.id}/refund`, admin, { amountFen: 200, reason: { code: 'device-fault', note: 'sensor stuck' } }, { 'Idempotency-Key': 'refund-test-first-0001' });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ invoiceId: inv.id, amountFen: 200, amount: '¥2.00', reasonCode: 'device-fault', status: onItsWay });
    // The same request again (a lost answer, the button pressed twice): the same refund, no second.
    const again = await call('POST', `${OP}/invoices/${inv.id}/refund`, admin, { amountFen: 200, reason: { code: 'device-fault', note: 'sensor stuck' } }, { 'Idempotency-Key': 'refund-test-first-0001' });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The same key with another amount is a mistake, not a retry.
    const misused = await call('POST', `${OP}/invoices/${inv.id}/refund`, admin, { amountFen: 250, reason: { code: 'device-fault' } }, { 'Idempotency-Key': 'refund-test-first-0001' });
    expect(misused.status).toBe(409);
    expect(misused.body.error.message).toMatch(/was used for another refund/);
    await waitFor(async () => (await refundsOf(inv.id)).refundedFen === 200, 8000, 'the first refund webhook');
    expect(await invoiceStatus(p.db.pool, inv.id)).toBe('paid'); // partly refunded: still paid
    expect(await collected(inv.id)).toBe(before - 200);

    const second = await call('POST', `${OP}/invoices/${inv.id}/refund`, admin, { amountFen: 300, reason: { code: 'goodwill' } }, { 'Idempotency-Key': 'refund-test-second-01' });
    expect(second.status).toBe(202);
    const third = await call('POST', `${OP}/invoices/${inv.id}/refund`, admin, { amountFen: 200, reason: { code: 'goodwill' } }, { 'Idempotency-Key': 'refund-test-third-001' });
    expect(third.status).toBe(409);
    expect(third.body.error.message).toBe(`Refunding 200 fen is more than remains refundable on invoice ${inv.id}: 150 fen of 650 (the rest is refunded, requested or waiting for approval).`);
    const other = await call('POST', `${OP}/invoices/${inv.id}/refund`, admin, { reason: { code: 'other' } });
    expect(other.status).toBe(400);
    expect(other.body.error.message).toMatch(/reason "other" needs a note/);
    await waitFor(async () => (await refundsOf(inv.id)).refundedFen === 500, 8000, 'the second refund webhook');
    const history = await refundsOf(inv.id);
    expect(history).toMatchObject({ status: 'paid', amountFen: 650, refundedFen: 500, refundableFen: 150 });
    expect(history.refunds.map((r: any) => [r.amountFen, r.reasonCode, r.status])).toEqual([[200, 'device-fault', 'succeeded'], [300, 'goodwill', 'succeeded']]);
    expect(await collected(inv.id)).toBe(before - 500);

    // The provider made exactly two refunds of this charge.
    const [charge] = await chargesOf(p.db.pool, inv.id);
    expect(charge.status).toBe('succeeded');
    // The payer's invoice and receipt show the refunds line by line.
    const view = (await call('GET', `/api/v1/invoices/${inv.ref}?payment=${inv.paymentKey}`)).body;
    expect(view).toMatchObject({ status: 'paid', amountFen: 650, refundedFen: 500 });
    expect(view.refunds.map((r: any) => [r.amountFen, r.amount, r.reasonCode])).toEqual([[200, '¥2.00', 'device-fault'], [300, '¥3.00', 'goodwill']]);
    const receipt = await call('GET', view.receipt.url);
    expect(receipt.status).toBe(200);
    expect(receipt.text).toContain('−¥2.00');
    expect(receipt.text).toContain('−¥3.00');
    expect(receipt.text).toContain('实收 / Net paid</th><th class="n">¥1.50');
    expect(receipt.text).not.toContain('已退款 / REFUNDED');

    // The rest, without an amount: all that remains; the invoice is then refunded in full.
    const last = await call('POST', `${OP}/invoices/${inv.id}/refund`, admin, { reason: { code: 'duplicate-charge' } });
    expect(last.body.amountFen).toBe(150);
    await waitStatus(p.db.pool, inv.id, 'refunded');
    expect((await chargesOf(p.db.pool, inv.id)).map((c) => c.status)).toEqual(['refunded']);
    expect(await collected(inv.id)).toBe(before - 650);
    const both = await hourlyStatsBothWays(p.db.pool);
    expect(both.kept).toEqual(both.fromRows);
  }, 60_000);
});


describe('staff above their limit wait for an admin', () => {
  it('a staff refund above the limit is pending (no money moves) until the admin approves; the webhook then moves exactly it', async () => {
    const inv = await paid('豫A7R002', 15);
    const before = await collected(inv.id);
    // Within the limit (100 fen, counted on the refund, not the invoice's 650): straight to the provider.
    const small = await call('POST', `${OP}/invoices/${inv.id}/refund`, staff, { amountFen: 80, reason: { code: 'goodwill' } });
    expect(small.body).toMatchObject({ status: onItsWay, amountFen: 80 });
    const big = await call('POST', `${OP}/invoices/${inv.id}/refund`, staff, { amountFen: 400, reason: { code: 'wrong-plate', note: 'camera read the car behind' } });
    expect(big.status).toBe(202);
    expect(big.body).toMatchObject({ status: 'pending_approval', amountFen: 400, requestedBy: `${owner}-refund-staff`, providerRefundId: null });
    // Waiting counts against what remains: 650 - 80 - 400 = 170.
    expect((await call('POST', `${OP}/invoices/${inv.id}/refund`, admin, { amountFen: 171, reason: { code: 'goodwill' } })).status).toBe(409);
    await waitFor(async () => (await refundsOf(inv.id)).refundedFen === 80, 8000, 'the small refund webhook');
    expect(await collected(inv.id)).toBe(before - 80);

    // Staff cannot decide; another tenant's admin does not see it; the admin's list does.
    expect((await call('POST', `${OP}/refunds/${big.body.id}/approve`, staff, {})).status).toBe(403);
    const foreign = await call('POST', `${OP}/refunds/${big.body.id}/approve`, other, {});
    expect(foreign.status).toBe(404);
    expect((await call('GET', `${OP}/refunds`, other)).body.refunds).toEqual([]);
    const waiting = (await call('GET', `${OP}/refunds`, admin)).body.refunds;
    expect(waiting.map((r: any) => r.id)).toContain(big.body.id);

    const approved = await call('POST', `${OP}/refunds/${big.body.id}/approve`, admin, { note: 'checked the images' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: onItsWay, approvedBy: `${owner}-refund-admin`, decisionNote: 'checked the images' });
    expect(approved.body.providerRefundId).toMatch(/^re_/);
    await waitFor(async () => (await refundsOf(inv.id)).refundedFen === 480, 8000, 'the approved refund webhook');
    expect(await collected(inv.id)).toBe(before - 480);
    expect((await call('POST', `${OP}/refunds/${big.body.id}/approve`, admin, {})).status).toBe(409);
    const audit = (await p.db.pool.query(`SELECT action, account_id FROM audit_log WHERE object_type = 'refund' AND object_id = $1 ORDER BY id`, [String(big.body.id)])).rows;
    expect(audit).toEqual([{ action: 'refund.approve', account_id: `${owner}-refund-admin` }]);
    const both = await hourlyStatsBothWays(p.db.pool);
    expect(both.kept).toEqual(both.fromRows);
  }, 60_000);

  it('an admin rejects a pending refund with a note: nothing moves and the amount is refundable again', async () => {
    const inv = await paid('豫A7R003', 16);
    const before = await collected(inv.id);
    const big = await call('POST', `${OP}/invoices/${inv.id}/refund`, staff, { amountFen: 650, reason: { code: 'goodwill' } });
    expect(big.body.status).toBe('pending_approval');
    expect((await call('POST', `${OP}/refunds/${big.body.id}/reject`, admin, {})).status).toBe(400); // a rejection says why
    const rejected = await call('POST', `${OP}/refunds/${big.body.id}/reject`, admin, { note: 'the stay was charged correctly' });
    expect(rejected.body).toMatchObject({ status: 'rejected', decisionNote: 'the stay was charged correctly', providerRefundId: null });
    expect(await refundsOf(inv.id)).toMatchObject({ refundedFen: 0, refundableFen: 650, status: 'paid' });
    expect(await collected(inv.id)).toBe(before);
    const ledger = runtime.provider!.ledger().filter((c) => c.metadata.invoice_id === String(inv.id));
    expect(ledger.map((c) => c.amount_refunded_fen)).toEqual([0]);
  }, 60_000);
});

describe('voids and evidence', () => {
  it('lists the stay\'s camera events with their images; a void needs a reason, attaches evidence, is audited, and is never charged', async () => {
    const inv = await stay('豫A7R004', 17);
    const evidence = await call('GET', `${OP}/invoices/${inv.id}/evidence`, admin);
    expect(evidence.status).toBe(200);
    expect(evidence.body.events.map((e: any) => [e.type, e.direction, e.plate, e.image])).toEqual([
      ['gate', 'in', '豫A7R004', 's3://onelot-test/豫A7R004-in.jpg'],
      ['gate', 'out', '豫A7R004', 's3://onelot-test/豫A7R004-out.jpg'],
    ]);
    expect((await call('GET', `${OP}/invoices/${inv.id}/evidence`, other)).status).toBe(404);
    // The driver turns contactless on before the void: the void must still keep the charger away.
    await newDriver(p, '13900007004', '豫A7R004');
    // The pass that turning contactless on started is over (its stay began before the claim, so it
    // charged nothing) before the claim is moved back and the invoice becomes chargeable.
    await autoCharger.poke();
    await p.db.pool.query(`UPDATE driver_plates SET claimed_at = claimed_at - interval '30 days' WHERE plate = '豫A7R004'`);

    expect((await call('POST', `${OP}/invoices/${inv.id}/void`, admin, {})).status).toBe(400);
    expect((await call('POST', `${OP}/invoices/${inv.id}/void`, admin, { reason: { code: 'other' } })).body.error.message).toMatch(/needs a note/);
    expect((await call('POST', `${OP}/invoices/${inv.id}/void`, other, { reason: { code: 'goodwill' } })).status).toBe(404);
    expect((await call('POST', `${OP}/invoices/${inv.id}/void`, admin, { reason: { code: 'goodwill' }, evidence: ['not-an-event:1'] })).status).toBe(400);
    const voided = await call('POST', `${OP}/invoices/${inv.id}/void`, staff, { reason: { code: 'exempt-vehicle', note: 'ambulance' }, evidence: [evidence.body.events[1].id] });
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ invoiceId: inv.id, status: 'void', reasonCode: 'exempt-vehicle', note: 'ambulance' });
    expect(voided.body.evidence.map((e: any) => e.image)).toEqual(['s3://onelot-test/豫A7R004-out.jpg']);
    const row = (await p.db.pool.query('SELECT status, void_reason_code, void_note, voided_by FROM invoices WHERE id = $1', [inv.id])).rows[0];
    expect(row).toEqual({ status: 'void', void_reason_code: 'exempt-vehicle', void_note: 'ambulance', voided_by: `${owner}-refund-staff` });
    const audit = (await p.db.pool.query(`SELECT before, after FROM audit_log WHERE action = 'invoice.void' AND object_id = $1`, [String(inv.id)])).rows;
    expect(audit).toHaveLength(1);
    expect(audit[0].before).toMatchObject({ status: 'outstanding', amountFen: 650 });
    expect(audit[0].after).toMatchObject({ status: 'void', reason: { code: 'exempt-vehicle', note: 'ambulance' } });
    expect((await call('POST', `${OP}/invoices/${inv.id}/void`, admin, { reason: { code: 'goodwill' } })).status).toBe(409);
    expect((await call('POST', `${OP}/invoices/${inv.id}/refund`, admin, { reason: { code: 'goodwill' } })).status).toBe(409);
    await autoCharger.poke([inv.id]);
    await autoCharger.poke();
    expect(await chargesOf(p.db.pool, inv.id)).toEqual([]);
    const both = await hourlyStatsBothWays(p.db.pool);
    expect(both.kept).toEqual(both.fromRows);
  }, 60_000);

  it('attaches evidence to a refund and shows it in the invoice\'s refund history', async () => {
    const inv = await paid('豫A7R005', 18);
    const events = (await call('GET', `${OP}/invoices/${inv.id}/evidence`, admin)).body.events;
    const r = await call('POST', `${OP}/invoices/${inv.id}/refund`, admin, { amountFen: 100, reason: { code: 'device-fault' }, evidence: events.map((e: any) => e.id) });
    expect(r.status).toBe(202);
    expect(r.body.evidence.map((e: any) => e.direction)).toEqual(['in', 'out']);
    const history = await refundsOf(inv.id);
    expect(history.refunds[0].evidence.map((e: any) => e.image)).toEqual(['s3://onelot-test/豫A7R005-in.jpg', 's3://onelot-test/豫A7R005-out.jpg']);
    expect((await call('GET', `${OP}/invoices/${inv.id}/refunds`, other)).status).toBe(404);
    expect((await call('POST', `${OP}/invoices/${inv.id}/refund`, other, { reason: { code: 'goodwill' } })).status).toBe(404);
    // The driver's own invoice lists the refund line by line once the provider confirmed it.
    const driver = await newDriver(p, '13900007005', '豫A7R005');
    await p.db.pool.query(`UPDATE driver_plates SET claimed_at = claimed_at - interval '30 days' WHERE plate = '豫A7R005'`);
    await waitFor(async () => (await refundsOf(inv.id)).refundedFen === 100, 8000, 'the refund webhook');
    const mine = (await call('GET', '/api/v1/me/invoices', driver)).body.invoices.find((i: any) => i.id === inv.id);
    expect(mine).toMatchObject({ status: 'paid', refundedFen: 100, refunds: [{ amountFen: 100, amount: '¥1.00', reasonCode: 'device-fault' }] });
    // Reasons come as codes with both texts.
    const reasons = (await call('GET', `${OP}/adjustment-reasons`, staff)).body.reasons;
    expect(reasons.find((x: any) => x.code === 'other')).toEqual({ code: 'other', zh: '其他（须填写说明）', en: 'Other (a note is required)', noteRequired: true });
  }, 60_000);
});
