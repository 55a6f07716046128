// Payments safe on the internet, end to end: a real platform (embedded TimescaleDB over the Postgres
// wire, HTTP API), the simulated provider as its own HTTP service, signed webhooks over a real
// socket. What is under test:
//  - a provider's record whose amount or currency is not the charge's (webhook or recovery-scan
//    lookup) never marks anything paid: charge and invoice are held, the webhook acknowledged, the
//    operators' review queue shows it with both amounts (payments/provider-outcomes.ts);
//  - nothing a stranger does with an invoice (no account, a bogus or declining token, a checkout
//    never finished) stops its owner's contactless charge (payments/auto-charger.ts,
//    payments/charging.ts contactlessDue, payments/reconcile.ts cancelling);
//  - and throughout: one invoice, at most one captured charge, at the provider and in our tables.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadConfig, type Config } from '../core/config.ts';
import type { Pool } from '../core/db/index.ts';
import { consoleToken, signUp, startTestPlatform, tempDataDir, waitFor, type TestPlatform } from './helpers.ts';
import { api, backdateClaim, chargesOf as allCharges, invoiceStatus, ledgerFor, makeInvoice, newDriver, waitStatus } from './payments-fixtures.ts';
import { cityModules } from '../platform.ts';
import type { PaymentsRuntime } from '../payments/runtime.ts';
import type { SimulatedProvider } from '../payments/provider-sim/server.ts';
import { reconcilePending } from '../payments/reconcile.ts';
import { signWebhook } from '../core/webhook-signature.ts';
import { HOURLY_FIGURES } from '../analytics/hourly-stats.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent' };

/** The charges as these tests compare them whole: status, method and why it failed. */
const chargesOf = async (pool: Pool, invoiceId: number) =>
  (await allCharges(pool, invoiceId)).map(({ status, method, failure_reason }) => ({ status, method, failure_reason }));
const receiptsOf = async (pool: Pool, invoiceId: number) =>
  (await pool.query('SELECT count(*)::int AS n FROM receipts WHERE invoice_id = $1', [invoiceId])).rows[0].n as number;

describe('payments safe on the internet', () => {
  let p: TestPlatform;
  let payments: PaymentsRuntime;
  let config: Config;
  let pool: Pool;
  let provider: SimulatedProvider;
  let operator: string;

  beforeAll(async () => {
    const dataDir = tempDataDir();
    config = loadConfig({ ...ENV, DATA_DIR: dataDir });
    // Every module, as npm start runs them (the review queue is billing's). A long interval: the
    // tests poke the auto-charger when they want a pass.
    const city = cityModules(config, { payments: { autoChargeIntervalMs: 3_600_000, client: { timeoutMs: 2000, attempts: 4, backoffMs: 100 }, sim: { latencyMs: 30 } } });
    payments = city.payments.runtime;
    p = await startTestPlatform({ dataDir, env: ENV, modules: city.modules });
    pool = p.db.pool;
    provider = payments.provider!;
    // The admin of the operator that runs the lot the fixtures bill at (operators see only their own lots).
    const owner = (await pool.query<{ operator_id: string }>('SELECT operator_id FROM lots ORDER BY id LIMIT 1')).rows[0].operator_id;
    operator = await consoleToken(p, { operatorId: owner, account: `${owner}-admin` });
  });
  afterAll(async () => { await p?.destroy(); });

  const postWebhook = (body: string) => fetch(`${p.httpUrl}/api/v1/payments/webhook`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'OneLot-Signature': signWebhook(config.PAYMENT_WEBHOOK_SECRET, body) }, body,
  });
  const reviewExceptionsOf = async (sessionId: number) => {
    const queue = await api(p, 'GET', '/api/v1/operator/review', undefined, operator);
    expect(queue.status).toBe(200);
    return (queue.body.exceptions as any[]).filter((e) => e.sessionId === sessionId);
  };

  it('a webhook for another amount leaves the invoice unpaid and held, is acknowledged, and operators see both amounts', async () => {
    const plate = '豫A2S001';
    const inv = await makeInvoice(pool, plate);
    provider.misreportNext({ amount_fen: 1 }); // the provider captures ¥0.01 for our ¥9.00
    const paid = await api(p, 'POST', `/api/v1/invoices/${inv.ref}/pay`, { source: 'tok_ok_checkout' });
    expect(paid.status).toBe(202);
    await waitStatus(pool, inv.id, 'held');
    expect(await chargesOf(pool, inv.id)).toEqual([{ status: 'held', method: 'online', failure_reason: 'amount_mismatch' }]);
    expect(await receiptsOf(pool, inv.id)).toBe(0);
    // Acknowledged at the first delivery: the provider stops retrying.
    const pc = ledgerFor(provider, inv.id)[0];
    expect(pc).toMatchObject({ status: 'succeeded', amount_fen: 1 });
    const delivery = provider.deliveries().find((d) => d.type === 'charge.succeeded' && d.body.includes(pc.id))!;
    expect(delivery).toMatchObject({ delivered: true, lastStatus: 200, attempts: 1 });

    // Visible to operators, with both amounts; not payable by anyone meanwhile.
    const [ex] = await reviewExceptionsOf(inv.sessionId);
    expect(ex).toMatchObject({ kind: 'payment-mismatch', plate, lotId: inv.lotId, resolvedAt: null });
    expect(ex.detail).toMatch(/reported succeeded for 1 fen "CNY".*invoice \d+ was created for 900 fen "CNY".*held for review, not paid/);
    // The same as a code the console words in zh or en (issue 11).
    expect(ex.detailCoded).toEqual({
      code: 'payment-mismatch',
      params: { held: true, reportedStatus: 'succeeded', reportedAmount: '1 fen "CNY"', chargeId: expect.any(Number), invoiceId: inv.id, amountFen: 900 },
    });
    const again = await api(p, 'POST', `/api/v1/invoices/${inv.ref}/pay`, { source: 'tok_ok_again' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/held for review/);
    // The payer, following their payment with its key, sees it held and no receipt; anyone else sees nothing.
    expect((await api(p, 'GET', `/api/v1/invoices/${inv.ref}?payment=${paid.body.paymentKey}`)).body).toMatchObject({ status: 'held', receipt: null });
    expect((await api(p, 'GET', `/api/v1/invoices/${inv.ref}`)).status).toBe(404);

    // A later notification with the right amount does not release the hold: an operator does.
    const right = JSON.stringify({ id: 'evt_test_right_amount', type: 'charge.succeeded', created: Math.floor(Date.now() / 1000), data: { charge: { ...pc, amount_fen: 900 } } });
    const res = await postWebhook(right);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'processed' });
    expect(await invoiceStatus(pool, inv.id)).toBe('held');
    expect((await chargesOf(pool, inv.id)).map((c) => c.status)).toEqual(['held']);
    expect(await reviewExceptionsOf(inv.sessionId)).toHaveLength(1);

    // The operator settles it at the provider and voids the invoice from the review queue.
    const resolved = await api(p, 'POST', `/api/v1/operator/exceptions/${ex.id}/resolve`, { action: 'void', note: 'refunded the ¥0.01 at the provider', reason: { code: 'duplicate-charge' } }, operator);
    expect(resolved.status).toBe(200);
    expect(resolved.body.session.invoice).toMatchObject({ id: inv.id, status: 'void' });
    expect((await chargesOf(pool, inv.id)).map((c) => c.status)).toEqual(['held']); // the record of what the provider said
    expect(await reviewExceptionsOf(inv.sessionId)).toEqual([]);
  });

  it("a hand-signed webhook in another currency holds the owner's contactless charge the same way, and the auto-charger leaves it alone", async () => {
    const plate = '豫A2S002';
    await newDriver(p, '13500000002', plate);
    const inv = await makeInvoice(pool, plate);
    provider.holdWebhooks(true); // our forged-currency notification arrives before the provider's own
    try {
      expect((await payments.autoCharger!.poke([inv.id])).charged).toEqual([inv.id]);
      await waitFor(() => ledgerFor(provider, inv.id)[0]?.status === 'succeeded', 5000, 'the capture at the provider');
      const pc = ledgerFor(provider, inv.id)[0];
      const body = JSON.stringify({ id: 'evt_test_usd', type: 'charge.succeeded', created: Math.floor(Date.now() / 1000), data: { charge: { ...pc, currency: 'USD' } } });
      const res = await postWebhook(body);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'held', eventId: 'evt_test_usd' });
      expect(await invoiceStatus(pool, inv.id)).toBe('held');
    } finally {
      provider.holdWebhooks(false);
    }
    await waitFor(() => provider.deliveries().every((d) => d.delivered), 8000, 'every webhook delivered');
    expect(await invoiceStatus(pool, inv.id)).toBe('held'); // the provider's own (right) webhook changes nothing
    expect(await chargesOf(pool, inv.id)).toEqual([{ status: 'held', method: 'contactless', failure_reason: 'amount_mismatch' }]);
    expect((await payments.autoCharger!.poke([inv.id])).charged).toEqual([]);
    expect((await payments.autoCharger!.poke()).charged).not.toContain(inv.id);
    const [ex] = await reviewExceptionsOf(inv.sessionId);
    expect(ex.detail).toMatch(/900 fen "USD".*created for 900 fen "CNY"/);
    expect(ledgerFor(provider, inv.id)).toHaveLength(1);
  });

  it('a recovery-scan lookup that finds another amount holds the charge too, and logs both amounts', async () => {
    const plate = '豫A2S003';
    const inv = await makeInvoice(pool, plate);
    provider.holdWebhooks(true); // the webhook is lost for now: the recovery scan asks
    const log: string[] = [];
    try {
      provider.misreportNext({ amount_fen: 901 });
      expect((await api(p, 'POST', `/api/v1/invoices/${inv.ref}/pay`, { source: 'tok_ok_lookup' })).status).toBe(202);
      await waitFor(() => ledgerFor(provider, inv.id)[0]?.status === 'succeeded', 5000, 'the capture at the provider');
      expect(await invoiceStatus(pool, inv.id)).toBe('paying');
      const r = await reconcilePending(pool, payments.client!, { olderThanMs: 0, log: (m) => log.push(m) });
      expect(r.resolved).toBeGreaterThanOrEqual(1);
    } finally {
      provider.holdWebhooks(false);
    }
    expect(await invoiceStatus(pool, inv.id)).toBe('held');
    expect(log.join('\n')).toMatch(/held a charge for review: the provider reported succeeded for 901 fen "CNY".*created for 900 fen "CNY"/);
    await waitFor(() => provider.deliveries().every((d) => d.delivered), 8000, 'every webhook delivered');
    expect(await invoiceStatus(pool, inv.id)).toBe('held');
    expect(await receiptsOf(pool, inv.id)).toBe(0);
    expect(await reviewExceptionsOf(inv.sessionId)).toEqual([expect.objectContaining({ kind: 'payment-mismatch', detail: expect.stringMatching(/901 fen/) })]);
  });

  it("after a stranger's bogus and declined attempts, the owner's contactless charge still goes through", async () => {
    const plate = '豫A2S004';
    const inv = await makeInvoice(pool, plate);
    // Before the plate is on anyone's account with contactless: the pay route needs no account.
    const bogus = await api(p, 'POST', `/api/v1/invoices/${inv.ref}/pay`, { source: 'tok_bogus' });
    expect(bogus.status).toBe(400);
    expect((await api(p, 'POST', `/api/v1/invoices/${inv.ref}/pay`, { source: 'tok_decline_stranger' })).status).toBe(202);
    await waitFor(async () => (await chargesOf(pool, inv.id))[1]?.status === 'declined', 5000, "the stranger's decline");
    expect(await invoiceStatus(pool, inv.id)).toBe('outstanding');

    // Turning contactless on pokes the auto-charger (payments/http/plates.ts); this pass runs after it.
    await newDriver(p, '13500000004', plate);
    await backdateClaim(pool, plate); // the owner's claim predates this stay
    await payments.autoCharger!.poke([inv.id]);
    await waitStatus(pool, inv.id, 'paid');
    expect((await chargesOf(pool, inv.id)).map((c) => [c.method, c.status])).toEqual([['online', 'failed'], ['online', 'declined'], ['contactless', 'succeeded']]);
    // Still one automatic try: the owner's own attempt is the one that counts.
    expect((await payments.autoCharger!.poke([inv.id])).charged).toEqual([]);
    expect(ledgerFor(provider, inv.id).filter((c) => c.status === 'succeeded')).toHaveLength(1);
    expect(await receiptsOf(pool, inv.id)).toBe(1);
  });

  it("while the owner's contactless charge is due a stranger cannot start one; the owner can", async () => {
    const plate = '豫A2S005';
    const ownerToken = await newDriver(p, '13500000005', plate);
    const inv = await makeInvoice(pool, plate);
    for (const source of ['tok_bogus', 'tok_decline_stranger', 'tok_wait_stranger', 'tok_ok_stranger']) {
      const r = await api(p, 'POST', `/api/v1/invoices/${inv.ref}/pay`, { source });
      expect(r.status, source).toBe(409);
      expect(r.body.error.message).toMatch(/charged automatically to the plate owner's contactless payment method/);
    }
    // Logged in as someone else is still a stranger.
    const stranger = await signUp(p, { phone: '13500000055', password: 'parking-pass-1' });
    expect((await api(p, 'POST', `/api/v1/invoices/${inv.ref}/pay`, { source: 'tok_bogus' }, stranger.body.token)).status).toBe(409);
    expect(await chargesOf(pool, inv.id)).toEqual([]);
    expect(await invoiceStatus(pool, inv.id)).toBe('outstanding');
    expect((await payments.autoCharger!.poke([inv.id])).charged).toEqual([inv.id]);
    await waitStatus(pool, inv.id, 'paid');
    expect(await chargesOf(pool, inv.id)).toEqual([{ status: 'succeeded', method: 'contactless', failure_reason: null }]);

    // The owner is never held back: paying now from the account page, before the automatic charge.
    const mine = await makeInvoice(pool, plate);
    expect((await api(p, 'POST', `/api/v1/invoices/${mine.ref}/pay`, {}, ownerToken)).status).toBe(202);
    await waitStatus(pool, mine.id, 'paid');
    expect((await payments.autoCharger!.poke([mine.id])).charged).toEqual([]);
    expect(ledgerFor(provider, mine.id)).toHaveLength(1);
  });

  it("a stranger's checkout that is never finished keeps the invoice 'paying' only until it is cancelled at the provider", async () => {
    const plate = '豫A2S006';
    const inv = await makeInvoice(pool, plate);
    expect((await api(p, 'POST', `/api/v1/invoices/${inv.ref}/pay`, { source: 'tok_wait_qr_nobody_scans' })).status).toBe(202);
    await newDriver(p, '13500000006', plate);
    await backdateClaim(pool, plate); // the owner's claim predates this stay
    await new Promise((r) => setTimeout(r, 200)); // well past the provider's latency: it still waits for the payer
    expect(ledgerFor(provider, inv.id)).toEqual([expect.objectContaining({ status: 'pending' })]);
    // The automatic charge waits its turn: one live attempt per invoice.
    expect((await payments.autoCharger!.poke([inv.id])).charged).toEqual([]);
    // Before the deadline (15 minutes by default) the recovery scan leaves it waiting...
    await reconcilePending(pool, payments.client!, { olderThanMs: 0 });
    expect(await invoiceStatus(pool, inv.id)).toBe('paying');
    // ...after it, the charge is cancelled at the provider and the attempt closed.
    const log: string[] = [];
    await reconcilePending(pool, payments.client!, { olderThanMs: 0, cancelAfterMs: 0, log: (m) => log.push(m) });
    expect(log.join('\n')).toMatch(/still waits for its payer .* cancelling it at the provider/);
    expect(await invoiceStatus(pool, inv.id)).toBe('outstanding');
    expect(await chargesOf(pool, inv.id)).toEqual([{ status: 'failed', method: 'online', failure_reason: 'canceled' }]);
    expect(ledgerFor(provider, inv.id)[0]).toMatchObject({ status: 'failed', failure_code: 'canceled' });

    expect((await payments.autoCharger!.poke([inv.id])).charged).toEqual([inv.id]);
    await waitStatus(pool, inv.id, 'paid');
    await waitFor(() => provider.deliveries().every((d) => d.delivered), 8000, 'every webhook delivered');
    expect((await chargesOf(pool, inv.id)).map((c) => c.status)).toEqual(['failed', 'succeeded']);
    expect(ledgerFor(provider, inv.id).map((c) => c.status)).toEqual(['failed', 'succeeded']);
  });

  it('webhooks arriving together are applied together, and one the database refuses fails alone', async () => {
    // Twelve contactless charges captured at the provider, their webhooks held back; then our own
    // signed copies of them arrive all at once (one group transaction, or a few), with one more
    // whose body the database refuses (jsonb has no \u0000): that one fails, the group is applied
    // again one by one, and every other invoice is paid once, with one receipt.
    const plates = Array.from({ length: 12 }, (_, k) => `豫A2G${String(k).padStart(3, '0')}`);
    for (const [k, plate] of plates.entries()) await newDriver(p, `135100000${String(k).padStart(2, '0')}`, plate);
    await payments.autoCharger!.poke(); // the passes turning contactless on started are over
    const invoices: Array<Awaited<ReturnType<typeof makeInvoice>>> = [];
    for (const plate of plates) invoices.push(await makeInvoice(pool, plate));
    provider.holdWebhooks(true);
    let answers: Array<{ status: number; body: any }>;
    try {
      const ids = invoices.map((i) => i.id);
      expect((await payments.autoCharger!.poke(ids)).charged).toEqual(ids);
      await waitFor(() => invoices.every((i) => ledgerFor(provider, i.id)[0]?.status === 'succeeded'), 5000, 'the captures at the provider');
      const now = Math.floor(Date.now() / 1000);
      const bodies = invoices.map((i) => JSON.stringify({ id: `evt_group_${i.id}`, type: 'charge.succeeded', created: now, data: { charge: ledgerFor(provider, i.id)[0] } }));
      bodies.splice(5, 0, JSON.stringify({ id: 'evt_group_bad', type: 'charge.note', created: now, data: { note: 'nul \u0000 here' } }));
      answers = await Promise.all(bodies.map(async (b) => { const r = await postWebhook(b); return { status: r.status, body: await r.json() }; }));
    } finally {
      provider.holdWebhooks(false);
    }
    expect(answers[5].status).toBe(500);
    const good = answers.filter((_, k) => k !== 5);
    expect(good.map((a) => a.status)).toEqual(invoices.map(() => 200));
    expect(good.map((a) => a.body)).toEqual(invoices.map((i) => ({ status: 'processed', eventId: `evt_group_${i.id}` })));
    for (const i of invoices) {
      expect(await invoiceStatus(pool, i.id)).toBe('paid');
      expect(await receiptsOf(pool, i.id)).toBe(1);
      expect(await chargesOf(pool, i.id)).toEqual([{ status: 'succeeded', method: 'contactless', failure_reason: null }]);
    }
    expect((await pool.query(`SELECT count(*)::int AS n FROM webhook_events WHERE event_id = 'evt_group_bad'`)).rows[0].n).toBe(0);
    // The provider's own webhooks, released now, change nothing.
    await waitFor(() => provider.deliveries().every((d) => d.delivered), 8000, 'every webhook delivered');
    for (const i of invoices) expect(await receiptsOf(pool, i.id)).toBe(1);
  });

  it('a group of mixed webhooks is applied in one transaction, each as it would be alone', async () => {
    // Six captured contactless charges, their webhooks held back; then together: plain captures
    // (set-based), a copy of one event, a second event reporting one capture again, a capture for
    // another amount, a decline, an event for a charge that is not ours and a type not used.
    const plates = Array.from({ length: 6 }, (_, k) => `豫A3G${String(k).padStart(3, '0')}`);
    for (const [k, plate] of plates.entries()) await newDriver(p, `135200000${String(k).padStart(2, '0')}`, plate);
    await payments.autoCharger!.poke();
    const invoices: Array<Awaited<ReturnType<typeof makeInvoice>>> = [];
    for (const plate of plates) invoices.push(await makeInvoice(pool, plate, { amountFen: 1200 }));
    const paidBefore = Number((await pool.query(`SELECT coalesce(sum(paid_fen), 0) AS f FROM ${HOURLY_FIGURES} h WHERE lot_id = $1`, [invoices[0].lotId])).rows[0].f);
    provider.holdWebhooks(true);
    let answers: Array<{ status: number; body: any }>;
    const now = Math.floor(Date.now() / 1000);
    const event = (id: string, type: string, charge: object) => JSON.stringify({ id, type, created: now, data: { charge } });
    try {
      const ids = invoices.map((i) => i.id);
      expect((await payments.autoCharger!.poke(ids)).charged).toEqual(ids);
      await waitFor(() => invoices.every((i) => ledgerFor(provider, i.id)[0]?.status === 'succeeded'), 5000, 'the captures at the provider');
      const [a, b, c, d, e, f] = invoices.map((i) => ledgerFor(provider, i.id)[0]);
      const bodies = [
        event(`evt_mix_${a.id}`, 'charge.succeeded', a), event(`evt_mix_${b.id}`, 'charge.succeeded', b), event(`evt_mix_${c.id}`, 'charge.succeeded', c),
        event(`evt_mix_${a.id}`, 'charge.succeeded', a), // the same event twice
        event(`evt_mix_${b.id}_again`, 'charge.succeeded', b), // b's capture reported by a second event
        event(`evt_mix_${d.id}`, 'charge.succeeded', { ...d, amount_fen: 1 }),
        event(`evt_mix_${e.id}`, 'charge.failed', { ...e, status: 'failed', failure_code: 'card_declined' }),
        event('evt_mix_stranger', 'charge.succeeded', { ...f, id: 'ch_not_ours', metadata: {} }),
        JSON.stringify({ id: 'evt_mix_note', type: 'charge.note', created: now, data: {} }),
        event(`evt_mix_${f.id}`, 'charge.succeeded', f),
      ];
      answers = await Promise.all(bodies.map(async (body) => { const r = await postWebhook(body); return { status: r.status, body: await r.json() }; }));
    } finally {
      provider.holdWebhooks(false);
    }
    expect(answers.map((x) => x.status)).toEqual(answers.map(() => 200));
    const statuses = answers.map((x) => x.body.status);
    expect([statuses[0], statuses[3]].sort()).toEqual(['already processed', 'processed']);
    expect(statuses.filter((_, k) => k !== 0 && k !== 3)).toEqual(['processed', 'processed', 'processed', 'held', 'processed', 'ignored', 'ignored', 'processed']);
    // Recorded together: one transaction's now() for most of them (the first to arrive may go alone).
    const groups = (await pool.query(`SELECT count(*)::int AS n FROM webhook_events WHERE event_id LIKE 'evt_mix_%' GROUP BY received_at ORDER BY n DESC`)).rows;
    expect(groups[0].n).toBeGreaterThanOrEqual(5);
    for (const i of [invoices[0], invoices[1], invoices[2], invoices[5]]) {
      expect(await invoiceStatus(pool, i.id)).toBe('paid');
      expect(await receiptsOf(pool, i.id)).toBe(1);
      expect(await chargesOf(pool, i.id)).toEqual([{ status: 'succeeded', method: 'contactless', failure_reason: null }]);
    }
    expect(await invoiceStatus(pool, invoices[3].id)).toBe('held');
    expect(await chargesOf(pool, invoices[3].id)).toEqual([{ status: 'held', method: 'contactless', failure_reason: 'amount_mismatch' }]);
    expect(await invoiceStatus(pool, invoices[4].id)).toBe('outstanding');
    expect(await chargesOf(pool, invoices[4].id)).toEqual([{ status: 'declined', method: 'contactless', failure_reason: 'card_declined' }]);
    // The lot's paid figure grew by the four captures, once each.
    const paidAfter = Number((await pool.query(`SELECT coalesce(sum(paid_fen), 0) AS f FROM ${HOURLY_FIGURES} h WHERE lot_id = $1`, [invoices[0].lotId])).rows[0].f);
    expect(paidAfter - paidBefore).toBe(4 * 1200);
    await waitFor(() => provider.deliveries().every((x) => x.delivered), 8000, 'every webhook delivered');
  });
});
