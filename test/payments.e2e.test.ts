// Payments end to end: a real platform (embedded TimescaleDB over the Postgres wire, HTTP API), the
// simulated provider as its own HTTP service, webhooks over a real socket. The invariant under
// test throughout: one invoice, at most one captured charge — at the provider and in our tables.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { rmSync } from 'node:fs';
import { loadConfig, type Config } from '../core/config.ts';
import type { Pool } from '../core/db/index.ts';
import { consoleToken, signUp, smsCode, startTestPlatform, tempDataDir, waitFor, type TestPlatform } from './helpers.ts';
import { notificationsModule } from '../notifications/index.ts';
import { api, chargesOf, refOf, invoiceStatus, ledgerFor, makeInvoice as makeSessionInvoice, newDriver, waitStatus } from './payments-fixtures.ts';
import { paymentsModule } from '../payments/index.ts';
import type { PaymentsRuntime } from '../payments/runtime.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../payments/provider-sim/server.ts';
import { createProviderClient } from '../payments/client.ts';
import { chargeInvoice, chargeRequest, idempotencyKeyFor } from '../payments/charging.ts';
import { sweepAutoChargeable } from '../payments/auto-charger.ts';
import { runReminders } from '../payments/reminders.ts';
import { signWebhook } from '../core/webhook-signature.ts';
import { HOURLY_FIGURES } from '../analytics/hourly-stats.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent' };

function paymentsFor(dataDir: string, provider?: SimulatedProvider) {
  const config: Config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  // A long interval: the tests poke the auto-charger when they want a pass.
  return { config, module: paymentsModule(config, { provider, autoChargeIntervalMs: 3_600_000, client: { timeoutMs: 2000, attempts: 4, backoffMs: 100 }, sim: { latencyMs: 30, slowMs: 3000 } }) };
}

// Most tests here need only the invoice's id.
const makeInvoice = async (...args: Parameters<typeof makeSessionInvoice>) => (await makeSessionInvoice(...args)).id;

describe('payments on a running platform', () => {
  let p: TestPlatform;
  let payments: PaymentsRuntime;
  let config: Config;
  let pool: Pool;
  let provider: SimulatedProvider;
  let operator: string;

  beforeAll(async () => {
    const dataDir = tempDataDir();
    const built = paymentsFor(dataDir);
    config = built.config;
    payments = built.module.runtime;
    p = await startTestPlatform({ dataDir, env: ENV, modules: [built.module, notificationsModule(built.config)] });
    pool = p.db.pool;
    provider = payments.provider!;
    // The admin of the operator that runs the lot the fixtures bill at (operators see only their own lots).
    const owner = (await pool.query<{ operator_id: string }>('SELECT operator_id FROM lots ORDER BY id LIMIT 1')).rows[0].operator_id;
    operator = await consoleToken(p, { operatorId: owner, account: `${owner}-admin` });
  });
  afterAll(async () => { await p?.destroy(); });

  it('registers, logs in and manages plates, payment methods and contactless', async () => {
    const reg = await signUp(p, { phone: '13800138000', password: 'secret-pass', name: '张三' });
    expect(reg.status).toBe(201);
    expect(reg.body.driver).toMatchObject({ phone: '13800138000', name: '张三' });
    // Signing up again answers as for a new phone; only the SMS says the account exists.
    expect((await api(p, 'POST', '/api/v1/auth/register/code', { phone: '13800138000' })).status).toBe(202);
    await expect(smsCode(p, '13800138000')).rejects.toThrow(/account-exists/);
    expect((await signUp(p, { phone: '12345', password: 'secret-pass' })).status).toBe(400);
    expect((await signUp(p, { phone: '13900139000', password: 'short' })).status).toBe(400);

    const wrong = await api(p, 'POST', '/api/v1/auth/login', { phone: '13800138000', password: 'wrong-pass' });
    const unknown = await api(p, 'POST', '/api/v1/auth/login', { phone: '13700137000', password: 'wrong-pass' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body); // the API does not say which phones have accounts
    const login = await api(p, 'POST', '/api/v1/auth/login', { phone: '13800138000', password: 'secret-pass' });
    expect(login.status).toBe(200);
    const token = login.body.token as string;

    expect((await api(p, 'GET', '/api/v1/me')).status).toBe(401);
    expect((await api(p, 'GET', '/api/v1/me', undefined, 'forged.token')).body.error.code).toBe('ONELOT_ERR_UNAUTHORIZED');

    const added = await api(p, 'POST', '/api/v1/me/plates', { plate: '豫a·12345' }, token);
    expect(added.status).toBe(201);
    expect(added.body.plate).toBe('豫A12345');
    expect((await api(p, 'POST', '/api/v1/me/plates', { plate: 'not a plate' }, token)).status).toBe(400);
    // Contactless needs a payment method first.
    const noMethod = await api(p, 'PUT', `/api/v1/me/plates/${encodeURIComponent('豫A12345')}/contactless`, { enabled: true }, token);
    expect(noMethod.status).toBe(409);
    expect(noMethod.body.error.message).toMatch(/payment-methods/);

    const pm = await api(p, 'POST', '/api/v1/me/payment-methods', { kind: 'card', account: '6222 0000 0000 4321' }, token);
    expect(pm.status).toBe(201);
    expect(pm.body).toMatchObject({ label: 'Card ****4321', isDefault: true });
    const on = await api(p, 'PUT', `/api/v1/me/plates/${encodeURIComponent('豫A12345')}/contactless`, { enabled: true }, token);
    expect(on.body).toMatchObject({ plate: '豫A12345', contactless: true });

    const me = await api(p, 'GET', '/api/v1/me', undefined, token);
    expect(me.body.plates).toEqual([expect.objectContaining({ plate: '豫A12345', contactless: true })]);
    expect(me.body.paymentMethods).toEqual([{ id: pm.body.id, label: 'Card ****4321', isDefault: true }]);
    expect(JSON.stringify(me.body)).not.toContain('6222'); // no card data stored or shown
    const { rows } = await pool.query('SELECT token FROM payment_methods WHERE id = $1', [pm.body.id]);
    expect(rows[0].token).toMatch(/^tok_ok_pm_/);

    // A plate belongs to one account.
    const other = await signUp(p, { phone: '13900139000', password: 'secret-pass' });
    const taken = await api(p, 'POST', '/api/v1/me/plates', { plate: '豫A12345' }, other.body.token);
    expect(taken.status).toBe(202); // a contested claim, for the operators' review (test/plate-privacy.e2e.test.ts)
    expect(taken.body).toMatchObject({ status: 'pending', claim: { plate: '豫A12345', status: 'pending' } });
    expect((await api(p, 'POST', '/api/v1/me/plates', { plate: '豫B77777' }, other.body.token)).status).toBe(201);
    expect((await api(p, 'DELETE', `/api/v1/me/plates/${encodeURIComponent('豫B77777')}`, undefined, other.body.token)).status).toBe(204);
    expect((await api(p, 'DELETE', `/api/v1/me/plates/${encodeURIComponent('豫B77777')}`, undefined, other.body.token)).status).toBe(404);
  });

  it('a duplicated exit (two pokes, a concurrent online pay) charges a contactless plate exactly once, with a receipt', async () => {
    const token = await newDriver(p, '13600000001', '豫A1C001', 'acct-ok-0001');
    const invoiceId = await makeInvoice(pool, '豫A1C001');
    const direct = chargeInvoice(pool, payments.client!, invoiceId, { method: 'online', source: 'tok_ok_dup' }).catch((e) => e);
    const [a, b] = await Promise.all([payments.autoCharger!.poke(), payments.autoCharger!.poke()]);
    const d = await direct;
    await waitStatus(pool, invoiceId, 'paid');
    const charges = await chargesOf(pool, invoiceId);
    expect(charges.filter((c) => c.status === 'succeeded')).toHaveLength(1);
    expect(charges).toHaveLength(1);
    // Exactly one path started it. Pokes that arrive while a pass waits share that pass, so a and b
    // may be the same run: count each run once. (The online pay here names no payer: a stranger's,
    // refused while the contactless charge is due — payments/charging.ts contactlessDue.)
    const runs = new Set([a, b]);
    expect([...[...runs].flatMap((r) => r.charged), ...(d instanceof Error ? [] : [invoiceId])]).toEqual([invoiceId]);
    expect(ledgerFor(provider, invoiceId)).toHaveLength(1);
    expect(ledgerFor(provider, invoiceId)[0].status).toBe('succeeded');

    const mine = await api(p, 'GET', '/api/v1/me/invoices', undefined, token);
    const inv = mine.body.invoices.find((i: any) => i.id === invoiceId);
    expect(inv).toMatchObject({ status: 'paid', amountFen: 900, amount: '¥9.00', plate: '豫A1C001' });
    expect(inv.receipt.number).toMatch(new RegExp(`^OL-\\d{8}-${String(charges[0].id).padStart(6, '0')}$`));
    const dl = await api(p, 'GET', `/api/v1/receipts/${inv.receipt.number}`, undefined, token);
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="receipt-${inv.receipt.number}.html"`);
    expect(dl.headers.get('content-type')).toMatch(/text\/html/);
    expect(dl.text).toContain('停车收据 / Parking receipt');
    expect(dl.text).toContain('¥9.00');
    expect(dl.text).toContain('豫A·***01');
    // Whichever path won the race is the one charge; the receipt names it.
    expect(dl.text).toContain(charges[0].method === 'contactless' ? '无感支付 / Contactless' : '在线支付 / Online payment');

    const sessions = await api(p, 'GET', '/api/v1/me/sessions', undefined, token);
    expect(sessions.body.past[0].invoice).toMatchObject({ id: invoiceId, status: 'paid' });

    // Paying again: refused, no new charge.
    const again = await api(p, 'POST', `/api/v1/invoices/${await refOf(pool, invoiceId)}/pay`, { source: 'tok_ok_again' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already paid/);
    expect(await chargesOf(pool, invoiceId)).toHaveLength(1);

    // A replayed webhook (the provider's exact bytes and signature, and a freshly re-signed copy): no effect.
    const events = await pool.query('SELECT count(*)::int AS n FROM webhook_events');
    const delivery = provider.deliveries().find((x) => x.type === 'charge.succeeded' && x.body.includes(ledgerFor(provider, invoiceId)[0].id))!;
    expect(delivery.delivered).toBe(true);
    for (const signature of [delivery.signature, signWebhook(config.PAYMENT_WEBHOOK_SECRET, delivery.body)]) {
      const res = await fetch(`${p.httpUrl}/api/v1/payments/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'OneLot-Signature': signature }, body: delivery.body });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'already processed' });
    }
    expect((await pool.query('SELECT count(*)::int AS n FROM webhook_events')).rows[0].n).toBe(events.rows[0].n);
    expect(await chargesOf(pool, invoiceId)).toHaveLength(1);
    expect((await pool.query('SELECT count(*)::int AS n FROM receipts WHERE invoice_id = $1', [invoiceId])).rows[0].n).toBe(1);
  });

  it('refuses unsigned, tampered, foreign-signed and stale webhooks with 400 and no effect', async () => {
    const invoiceId = await makeInvoice(pool, '豫A1C002');
    const pay = await api(p, 'POST', `/api/v1/invoices/${await refOf(pool, invoiceId)}/pay`, { source: 'tok_ok_sig' });
    expect(pay.status).toBe(202);
    await waitStatus(pool, invoiceId, 'paid');
    const providerCharge = ledgerFor(provider, invoiceId)[0];
    const forged = JSON.stringify({ id: 'evt_forged_1', type: 'charge.refunded', data: { charge: { ...providerCharge, status: 'refunded' } } });
    const before = (await pool.query('SELECT count(*)::int AS n FROM webhook_events')).rows[0].n;
    const post = (body: string, sig?: string) => fetch(`${p.httpUrl}/api/v1/payments/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...(sig ? { 'OneLot-Signature': sig } : {}) }, body });
    const cases: Array<[string, Response, RegExp]> = [
      ['unsigned', await post(forged), /missing/],
      ['foreign secret', await post(forged, signWebhook('not-the-webhook-secret-123', forged)), /does not match/],
      ['tampered', await post(forged, signWebhook(config.PAYMENT_WEBHOOK_SECRET, forged.replace('refunded', 'succeeded'))), /does not match/],
      ['stale', await post(forged, signWebhook(config.PAYMENT_WEBHOOK_SECRET, forged, Math.floor(Date.now() / 1000) - 3600)), /window/],
    ];
    for (const [what, res, reason] of cases) {
      expect(res.status, what).toBe(400);
      const body = await res.json();
      expect(body.error.code, what).toBe('ONELOT_ERR_VALIDATION');
      expect(body.error.message, what).toMatch(reason);
    }
    expect((await pool.query('SELECT count(*)::int AS n FROM webhook_events')).rows[0].n).toBe(before);
    expect(await invoiceStatus(pool, invoiceId)).toBe('paid');
    expect((await chargesOf(pool, invoiceId)).map((c) => c.status)).toEqual(['succeeded']);
  });

  it('a declined card leaves the invoice outstanding with the reason; a retry with a good token pays it', async () => {
    await newDriver(p, '13600000002', '豫A1C003', 'decline-acct-0002');
    const invoiceId = await makeInvoice(pool, '豫A1C003');
    const ref = await refOf(pool, invoiceId);
    expect((await payments.autoCharger!.poke()).charged).toEqual([invoiceId]);
    await waitFor(async () => (await chargesOf(pool, invoiceId))[0]?.status === 'declined', 5000, 'the decline');
    expect(await invoiceStatus(pool, invoiceId)).toBe('outstanding');
    // One automatic try only: the next pass does not hammer the card.
    expect((await payments.autoCharger!.poke()).charged).toEqual([]);
    const charges = await chargesOf(pool, invoiceId);
    expect(charges).toEqual([expect.objectContaining({ status: 'declined', failure_reason: 'card_declined', method: 'contactless' })]);

    const lookup = await api(p, 'GET', `/api/v1/invoices?plate=${encodeURIComponent('豫A1C003')}`);
    expect(lookup.body.invoices.find((i: any) => i.ref === ref)).toMatchObject({ status: 'outstanding', lastFailure: 'card_declined' });

    const insufficient = await api(p, 'POST', `/api/v1/invoices/${await refOf(pool, invoiceId)}/pay`, { source: 'tok_insufficient_x' });
    expect(insufficient.status).toBe(202);
    await waitFor(async () => (await chargesOf(pool, invoiceId))[1]?.status === 'declined', 5000, 'the second decline');
    expect((await chargesOf(pool, invoiceId))[1].failure_reason).toBe('insufficient_funds');

    const bad = await api(p, 'POST', `/api/v1/invoices/${await refOf(pool, invoiceId)}/pay`, { source: 'not-a-token' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/refused/);
    expect(await invoiceStatus(pool, invoiceId)).toBe('outstanding');

    expect((await api(p, 'POST', `/api/v1/invoices/${await refOf(pool, invoiceId)}/pay`, { source: 'tok_ok_retry' })).status).toBe(202);
    await waitStatus(pool, invoiceId, 'paid');
    const after = await chargesOf(pool, invoiceId);
    expect(after.map((c) => c.status)).toEqual(['declined', 'declined', 'failed', 'succeeded']);
    // Each attempt its own key, numbered in order: a retry of one attempt re-sends that key.
    const keys = (await pool.query('SELECT idempotency_key FROM charges WHERE invoice_id = $1 ORDER BY id', [invoiceId])).rows.map((r) => r.idempotency_key);
    expect(keys).toEqual([1, 2, 3, 4].map((n) => idempotencyKeyFor(invoiceId, n)));
    expect(ledgerFor(provider, invoiceId).filter((c) => c.status === 'succeeded')).toHaveLength(1);
  });

  it('a slow provider: the client times out and retries with the same key, and exactly one charge exists', async () => {
    const invoiceId = await makeInvoice(pool, '豫A1C004');
    const started = Date.now();
    const pay = await api(p, 'POST', `/api/v1/invoices/${await refOf(pool, invoiceId)}/pay`, { source: 'tok_slow_checkout' });
    expect(pay.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000); // the first attempt timed out
    await waitStatus(pool, invoiceId, 'paid');
    expect(ledgerFor(provider, invoiceId)).toHaveLength(1);
    const charges = await chargesOf(pool, invoiceId);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ status: 'succeeded', provider_charge_id: ledgerFor(provider, invoiceId)[0].id });
  });

  it('a pass poked with just-issued invoice ids charges those only; the timer scan finds the rest', async () => {
    await newDriver(p, '13600000016', '豫A1C016', 'acct-ok-0016');
    const hinted = await makeInvoice(pool, '豫A1C016');
    const notNamed = await makeInvoice(pool, '豫A1C016');
    expect((await payments.autoCharger!.poke([hinted])).charged).toEqual([hinted]);
    expect(await chargesOf(pool, notNamed)).toHaveLength(0);
    expect((await payments.autoCharger!.poke()).charged).toEqual([notNamed]);
    await waitStatus(pool, hinted, 'paid');
    await waitStatus(pool, notNamed, 'paid');
  });

  it('a pass that sweeps still charges the invoices just issued that were poked into it', async () => {
    // A sweep finds at most 100 (from the oldest), so with 100 older chargeable invoices a sweep
    // alone never reaches the newest: the pass poked with its id must look at it as well.
    await newDriver(p, '13600000018', '豫A1C018', 'acct-ok-0018');
    const older: number[] = [];
    for (let k = 0; k < 100; k++) older.push(await makeInvoice(pool, '豫A1C018'));
    const newest = await makeInvoice(pool, '豫A1C018');
    const running = payments.autoCharger!.poke([older[0]]); // a pass under way: the next two pokes share the one queued behind it
    const sweep = payments.autoCharger!.poke();
    const hinted = payments.autoCharger!.poke([newest]);
    expect(hinted).toBe(sweep);
    await running;
    expect((await hinted).charged).toContain(newest);
    await waitStatus(pool, newest, 'paid');
  });

  it('the safety-net sweep walks the outstanding invoices a slice at a time, goes on from where it stopped, and stops at its limit', async () => {
    await newDriver(p, '13600000017', '豫A1C017', 'acct-ok-0017');
    const ids = [await makeInvoice(pool, '豫A1C017'), await makeInvoice(pool, '豫A1C017'), await makeInvoice(pool, '豫A1C017')];
    const ofOurs = (found: Array<{ invoiceId: number }>) => found.map((f) => f.invoiceId).filter((id) => ids.includes(id));
    const first = await sweepAutoChargeable(pool, { limit: 100, from: ids[0] - 1, slices: 1, slice: 2 });
    expect(ofOurs(first.found)).toEqual(ids.slice(0, 2));
    expect(first.next).toBe(ids[1]);
    const second = await sweepAutoChargeable(pool, { limit: 100, from: first.next, slices: 1, slice: 2 });
    expect(ofOurs(second.found)).toEqual([ids[2]]);
    // Past the last outstanding invoice: the next sweep starts over.
    expect((await sweepAutoChargeable(pool, { limit: 100, from: ids[2], slices: 5, slice: 2 })).next).toBe(0);
    expect(ofOurs((await sweepAutoChargeable(pool, { limit: 1, from: ids[0] - 1, slices: Infinity, slice: 2 })).found)).toEqual([ids[0]]);
    // And they are charged like any other (the sweep only finds them).
    expect((await payments.autoCharger!.poke(ids)).charged).toEqual(ids);
    for (const id of ids) await waitStatus(pool, id, 'paid');
  });

  it('never charges a session under review automatically', async () => {
    await newDriver(p, '13600000005', '豫A1C005', 'acct-ok-0005');
    const invoiceId = await makeInvoice(pool, '豫A1C005', { sessionStatus: 'review' });
    expect((await payments.autoCharger!.poke()).charged).not.toContain(invoiceId);
    expect(await chargesOf(pool, invoiceId)).toHaveLength(0);
  });

  it('anyone presenting a plate sees only what it owes (amount, lot, date, reference), pays by reference and, with the payment key, gets the receipt', async () => {
    const token = await newDriver(p, '13600000006', '豫A1C006', 'acct-ok-0006');
    await api(p, 'PUT', `/api/v1/me/plates/${encodeURIComponent('豫A1C006')}/contactless`, { enabled: false }, token);
    const { id: invoiceId, ref } = await makeSessionInvoice(pool, '豫A1C006', { amountFen: 1250 });
    const lookup = await api(p, 'GET', `/api/v1/invoices?plate=${encodeURIComponent('豫a 1c006')}`);
    expect(lookup.status).toBe(200);
    expect(lookup.body).toMatchObject({ plate: '豫A·***06', totalOutstandingFen: 1250, totalOutstanding: '¥12.50' });
    const inv = lookup.body.invoices[0];
    expect(inv).toMatchObject({ ref, amount: '¥12.50', status: 'outstanding', overdue: false, receipt: null });
    expect(inv.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(inv)).not.toEqual(expect.arrayContaining(['id']));
    expect(inv.lotName.length).toBeGreaterThan(0);
    expect(JSON.stringify(lookup.body)).not.toMatch(/13600000006|豫A1C006|phone|entryTime|exitTime/);

    const pay = await api(p, 'POST', `/api/v1/invoices/${ref}/pay`, { source: 'tok_ok_checkout_1' });
    expect(pay.status).toBe(202);
    expect(pay.body).toMatchObject({ invoiceRef: ref, status: 'pending' });
    await waitStatus(pool, invoiceId, 'paid');
    expect((await api(p, 'GET', `/api/v1/invoices?plate=${encodeURIComponent('豫A1C006')}`)).body.invoices).toEqual([]);

    // Paid: only the payer, with the key from the answer to paying, sees it, and gets the receipt.
    expect((await api(p, 'GET', `/api/v1/invoices/${ref}`)).status).toBe(404);
    expect((await api(p, 'GET', `/api/v1/invoices/${ref}?payment=AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);
    const one = await api(p, 'GET', `/api/v1/invoices/${ref}?payment=${pay.body.paymentKey}`);
    expect(one.body).toMatchObject({ status: 'paid', ref });
    const url = one.body.receipt.url as string;
    const dl = await api(p, 'GET', url);
    expect(dl.status).toBe(200);
    expect(dl.text).toContain('在线支付 / Online payment');
    expect(dl.text).toContain('¥12.50');
    // The receipt number alone (guessable) is not enough.
    expect((await api(p, 'GET', `/api/v1/receipts/${one.body.receipt.number}`)).status).toBe(404);
    expect((await api(p, 'GET', `/api/v1/receipts/${one.body.receipt.number}?key=AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);
    // Logged in as someone else: still not enough.
    const stranger = await signUp(p, { phone: '13600000066', password: 'secret-pass' });
    expect((await api(p, 'GET', `/api/v1/receipts/${one.body.receipt.number}`, undefined, stranger.body.token)).status).toBe(404);
    expect((await api(p, 'GET', `/api/v1/receipts/${one.body.receipt.number}`, undefined, token)).status).toBe(200);

    // A saved method pays only the account's own plates.
    const foreign = await makeSessionInvoice(pool, '豫A1C007');
    const strangerPm = await api(p, 'POST', '/api/v1/me/payment-methods', { kind: 'wechat', account: 'wx-0000-1111' }, stranger.body.token);
    expect(strangerPm.status).toBe(201);
    expect((await api(p, 'POST', `/api/v1/invoices/${foreign.ref}/pay`, {}, stranger.body.token)).status).toBe(403);
    expect((await api(p, 'POST', `/api/v1/invoices/${foreign.ref}/pay`, {})).status).toBe(400);
  });

  it('an operator refunds a paid invoice once; the receipt says refunded', async () => {
    const invoiceId = await makeInvoice(pool, '豫A1C008');
    const paidHere = async () => Number((await pool.query(
      `SELECT coalesce(sum(h.paid_fen), 0) AS fen FROM invoices i JOIN ${HOURLY_FIGURES} h ON h.lot_id = i.lot_id AND h.hour = date_trunc('hour', i.paid_at, 'UTC') WHERE i.id = $1`,
      [invoiceId])).rows[0].fen);
    const pay = await api(p, 'POST', `/api/v1/invoices/${await refOf(pool, invoiceId)}/pay`, { source: 'tok_ok_refund' });
    await waitStatus(pool, invoiceId, 'paid');
    const collected = await paidHere(); // the operators' hourly figures count it as collected...
    expect(collected).toBeGreaterThanOrEqual(900);
    expect((await api(p, 'POST', `/api/v1/operator/invoices/${invoiceId}/refund`)).status).toBe(401);
    const [r1, r2] = await Promise.all([
      api(p, 'POST', `/api/v1/operator/invoices/${invoiceId}/refund`, { reason: { code: 'goodwill' } }, operator),
      api(p, 'POST', `/api/v1/operator/invoices/${invoiceId}/refund`, { reason: { code: 'goodwill' } }, operator),
    ]);
    expect(r1.status).toBe(202);
    expect(r2.body.refundId ?? r1.body.refundId).toBe(r1.body.refundId); // same idempotency key, same refund
    await waitStatus(pool, invoiceId, 'refunded');
    expect((await chargesOf(pool, invoiceId)).map((c) => c.status)).toEqual(['refunded']);
    expect((await api(p, 'POST', `/api/v1/operator/invoices/${invoiceId}/refund`, { reason: { code: 'goodwill' } }, operator)).status).toBe(409);
    const one = await api(p, 'GET', `/api/v1/invoices/${await refOf(pool, invoiceId)}?payment=${pay.body.paymentKey}`);
    expect(one.body.status).toBe('refunded');
    expect((await api(p, 'GET', one.body.receipt.url)).text).toContain('已退款 / REFUNDED');
    expect(provider.ledger().filter((c) => c.metadata.invoice_id === String(invoiceId) && c.amount_refunded_fen === 900)).toHaveLength(1);
    expect(await paidHere()).toBe(collected - 900); // ...and no longer once refunded
  });

  it('overdue invoices get at most one reminder a day, and operators see the arrears', async () => {
    const now = new Date();
    const overdue = await makeInvoice(pool, '豫A1C009', { dueAt: new Date(now.getTime() - 86400_000) });
    const notYet = await makeInvoice(pool, '豫A1C009', { dueAt: new Date(now.getTime() + 86400_000) });
    const run = async (at: Date) => (await runReminders(pool, undefined, { now: at, tenant: null, quiet: null })).messages;
    const first = await run(now);
    const mine = first.filter((s) => s.invoiceId === overdue || s.invoiceId === notYet);
    // The plate has no account: the reminder is recorded, with no one to send it to.
    expect(mine).toEqual([expect.objectContaining({ invoiceId: overdue, plate: '豫A·***09', amountFen: 900, status: 'no_recipient', recipient: null })]);
    expect((await run(new Date(now.getTime() + 3600_000))).map((s) => s.invoiceId)).not.toContain(overdue);
    const nextDay = await run(new Date(now.getTime() + 86400_000));
    expect(nextDay.filter((s) => s.invoiceId === overdue)).toHaveLength(1);

    expect((await api(p, 'GET', `/api/v1/operator/arrears?plate=${encodeURIComponent('豫A1C009')}`)).status).toBe(401);
    const arrears = await api(p, 'GET', `/api/v1/operator/arrears?plate=${encodeURIComponent('豫A1C009')}`, undefined, operator);
    expect(arrears.status).toBe(200);
    expect(arrears.body).toMatchObject({ plate: '豫A1C009', overdueFen: 900, outstandingFen: 1800, overdue: '¥9.00' });
    expect(arrears.body.invoices.find((i: any) => i.id === overdue)).toMatchObject({ overdue: true, remindersSent: 2 });
    const overdueRef = await refOf(pool, overdue);
    const lookup = await api(p, 'GET', `/api/v1/invoices?plate=${encodeURIComponent('豫A1C009')}`);
    expect(lookup.body.invoices.find((i: any) => i.ref === overdueRef).overdue).toBe(true);
  });
});

describe('a restart in the middle of a payment', () => {
  it('ends with exactly one charge per invoice, at the provider and in the database', async () => {
    const dataDir = tempDataDir();
    const secret = loadConfig({ ...ENV, DATA_DIR: dataDir }).PAYMENT_WEBHOOK_SECRET;
    // The provider is its own service: it outlives OneLot's restart. Its notifications are held
    // back so the restart happens before any webhook is processed.
    const provider = await startSimulatedProvider({ webhookUrl: 'http://127.0.0.1:9/unused', webhookSecret: secret, latencyMs: 30 });
    provider.holdWebhooks(true);
    let p: TestPlatform | undefined;
    try {
      const first = paymentsFor(dataDir, provider);
      p = await startTestPlatform({ dataDir, env: ENV, modules: [first.module] });
      const pool = p.db.pool;
      // 1. Crashed after the provider accepted the charge, before its webhook arrived.
      const inv1 = await makeInvoice(pool, '豫A1R001');
      expect((await api(p, 'POST', `/api/v1/invoices/${await refOf(pool, inv1)}/pay`, { source: 'tok_ok_r1' })).status).toBe(202);
      // 2. Crashed after the provider made the charge but before we stored its id.
      const inv2 = await makeInvoice(pool, '豫A1R002');
      const c2 = (await pool.query<{ id: number }>(
        `INSERT INTO charges (invoice_id, idempotency_key, amount_fen, method, status, source) VALUES ($1, $2, 900, 'online', 'pending', 'tok_ok_r2') RETURNING id`,
        [inv2, idempotencyKeyFor(inv2, 1)])).rows[0].id;
      await pool.query(`UPDATE invoices SET status = 'paying' WHERE id = $1`, [inv2]);
      const lot = (await pool.query<{ lot_id: string }>('SELECT lot_id FROM invoices WHERE id = $1', [inv2])).rows[0].lot_id;
      await createProviderClient({ baseUrl: provider.url }).createCharge(chargeRequest({ chargeId: c2, invoiceId: inv2, amountFen: 900, source: 'tok_ok_r2', lotId: lot }), idempotencyKeyFor(inv2, 1));
      // 3. Crashed between our COMMIT and the call to the provider: the provider never heard of it.
      const inv3 = await makeInvoice(pool, '豫A1R003');
      await pool.query(
        `INSERT INTO charges (invoice_id, idempotency_key, amount_fen, method, status, source) VALUES ($1, $2, 900, 'contactless', 'pending', 'tok_ok_r3')`,
        [inv3, idempotencyKeyFor(inv3, 1)]);
      await pool.query(`UPDATE invoices SET status = 'paying' WHERE id = $1`, [inv3]);
      await new Promise((r) => setTimeout(r, 100)); // the provider has decided the outcomes
      expect((await chargesOf(pool, inv1))[0].status).toBe('pending');
      await p.stop();

      const second = paymentsFor(dataDir, provider);
      p = await startTestPlatform({ dataDir, env: ENV, modules: [second.module] });
      const pool2 = p.db.pool;
      // The recovery scan at start settled 1 and 2 from the provider's answer, and sent 3.
      expect(await invoiceStatus(pool2, inv1)).toBe('paid');
      expect(await invoiceStatus(pool2, inv2)).toBe('paid');
      provider.holdWebhooks(false);
      await waitStatus(pool2, inv3, 'paid');
      // Let the held webhooks for 1 and 2 arrive too: they change nothing.
      await waitFor(() => provider.deliveries().every((d) => d.delivered), 8000, 'every webhook delivered');
      for (const inv of [inv1, inv2, inv3]) {
        expect((await chargesOf(pool2, inv)).map((c) => c.status), `invoice ${inv}`).toEqual(['succeeded']);
        expect(ledgerFor(provider, inv), `invoice ${inv} at the provider`).toHaveLength(1);
        expect((await pool2.query('SELECT count(*)::int AS n FROM receipts WHERE invoice_id = $1', [inv])).rows[0].n).toBe(1);
      }
      // And yet another restart finds nothing pending.
      expect((await pool2.query(`SELECT count(*)::int AS n FROM charges WHERE status = 'pending'`)).rows[0].n).toBe(0);
    } finally {
      await p?.stop();
      await provider.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000); // two platform starts: slow when the machine is shared
});
