// Overdue reminders reach drivers by SMS (issue 11), end to end over real HTTP: a real platform with
// payments and notifications (the simulated SMS provider, which posts signed delivery receipts back
// to the platform over a socket), the operators' routes with a console token, and a clock the test
// sets (quiet hours and "once a day" are about the time of day in the lot's zone, Asia/Shanghai).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import type { Pool } from '../core/db/index.ts';
import type { ModuleContext } from '../core/module.ts';
import { signWebhook } from '../core/webhook-signature.ts';
import type { SimulatedSms } from '../notifications/sim-sms.ts';
import { notificationsModule } from '../notifications/index.ts';
import { paymentsModule } from '../payments/index.ts';
import { api, makeInvoice } from './payments-fixtures.ts';
import { consoleToken, signUp, smsTo, startTestPlatform, tempDataDir, waitFor, type TestPlatform } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent' };
/** A wall-clock time in Shanghai as a Date. */
const shanghai = (day: string, hhmm: string) => new Date(`${day}T${hhmm}:00+08:00`);
const DUE = new Date('2026-11-20T00:00:00Z');

let p: TestPlatform;
let pool: Pool;
let operator: string;
let clock = shanghai('2026-12-01', '10:00');
let payments: ReturnType<typeof paymentsModule>;
let notifications: ReturnType<typeof notificationsModule>;

/** A driver account holding the plate (no payment method: nothing charges the bill behind the test's back). */
async function owner(phone: string, plate: string): Promise<void> {
  const reg = await signUp(p, { phone, password: 'parking-pass-1' });
  expect(reg.status).toBe(201);
  expect((await api(p, 'POST', '/api/v1/me/plates', { plate }, reg.body.token)).status).toBe(201);
}

const run = async () => {
  const r = await api(p, 'POST', '/api/v1/operator/reminders/run', {}, operator);
  expect(r.status).toBe(200);
  return r.body as { created: number; counts: Record<string, number>; messages: Array<{ id: number; invoiceId: number; status: string; recipient: string | null; error: string | null; attempts: number }> };
};
const history = async (plate: string, token = operator) => api(p, 'GET', `/api/v1/operator/plates/${encodeURIComponent(plate)}/reminders`, undefined, token);
/** The reminders the simulated provider delivered to a phone (its sign-up code aside). */
const remindersTo = async (phone: string) => (await smsTo(p, phone)).filter((m) => m.template === 'overdue-reminder');
const reminderOf = (messages: Array<{ invoiceId: number }>, invoiceId: number) => messages.filter((m) => m.invoiceId === invoiceId);

beforeAll(async () => {
  const dataDir = tempDataDir();
  const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  payments = paymentsModule(config, { autoChargeIntervalMs: 3_600_000, now: () => clock });
  notifications = notificationsModule(config, { sim: { receiptDelayMs: 100 } });
  p = await startTestPlatform({ dataDir, env: ENV, modules: [payments, notifications] });
  pool = p.db.pool;
  const lotOwner = (await pool.query<{ operator_id: string }>('SELECT operator_id FROM lots ORDER BY id LIMIT 1')).rows[0].operator_id;
  operator = await consoleToken(p, { operatorId: lotOwner, account: `${lotOwner}-reminders`, role: 'staff' });
}, 120_000);
afterAll(async () => { await p?.destroy(); });

describe('overdue reminders by SMS', () => {
  it('sends one templated SMS to the plate owner; the signed receipt shows it delivered in the plate history', async () => {
    await owner('13911220001', '豫A7R001');
    const inv = await makeInvoice(pool, '豫A7R001', { dueAt: DUE, amountFen: 1250 });
    const r = await run();
    expect(reminderOf(r.messages, inv.id)).toEqual([expect.objectContaining({ status: 'sent', recipient: '139****0001', attempts: 1 })]);
    const lot = (await pool.query<{ name: string }>('SELECT name FROM lots WHERE id = $1', [inv.lotId])).rows[0].name;
    const inbox = await remindersTo('13911220001');
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ template: 'overdue-reminder', params: { plate: '豫A·***01', amount: '12.50', lot, ref: inv.ref } });

    const delivered = await waitFor(async () => {
      const h = await history('豫A7R001');
      return h.body.messages?.[0]?.status === 'delivered' && h.body;
    }, 5000, 'the delivery receipt');
    expect(delivered).toMatchObject({ plate: '豫A7R001', messages: [{ invoiceId: inv.id, recipient: '139****0001', status: 'delivered', error: null }] });
    expect(Date.parse(delivered.messages[0].deliveredAt)).toBeGreaterThan(0);
    // The run is audited with its counts.
    const { rows: [entry] } = await pool.query(`SELECT after FROM audit_log WHERE action = 'reminders.run' ORDER BY id DESC LIMIT 1`);
    expect(entry.after).toMatchObject({ created: r.created, counts: { sent: expect.any(Number) } });
    expect(entry.after.invoices).toContain(inv.id);
  });

  it('a number the carrier cannot reach ends failed with its error; a plate without an account has no recipient', async () => {
    await owner('19900001234', '豫A7R002');
    const failing = await makeInvoice(pool, '豫A7R002', { dueAt: DUE });
    const nobody = await makeInvoice(pool, '豫A7R003', { dueAt: DUE });
    const r = await run();
    expect(reminderOf(r.messages, failing.id)).toEqual([expect.objectContaining({ status: 'sent' })]);
    expect(reminderOf(r.messages, nobody.id)).toEqual([expect.objectContaining({ status: 'no_recipient', recipient: null })]);
    const failed = await waitFor(async () => {
      const h = await history('豫A7R002');
      return h.body.messages?.[0]?.status === 'failed' && h.body.messages[0];
    }, 5000, 'the failed receipt');
    expect(failed).toMatchObject({ error: 'not delivered: UNDELIV', deliveredAt: null });
    expect(Date.parse(failed.failedAt)).toBeGreaterThan(0);
  });

  it('defers a reminder due in quiet hours, sends it at the first run after, and never twice a day', async () => {
    await owner('13911220004', '豫A7R004');
    const inv = await makeInvoice(pool, '豫A7R004', { dueAt: DUE });
    clock = shanghai('2026-12-01', '23:00'); // quiet hours: 21:00-08:00 in the lot's zone
    const night = await run();
    expect(reminderOf(night.messages, inv.id)).toEqual([expect.objectContaining({ status: 'deferred_quiet_hours', attempts: 0 })]);
    expect(await remindersTo('13911220004')).toHaveLength(0);
    clock = shanghai('2026-12-02', '07:59');
    expect(reminderOf((await run()).messages, inv.id)).toEqual([expect.objectContaining({ status: 'deferred_quiet_hours' })]);
    clock = shanghai('2026-12-02', '08:00');
    const morning = await run();
    expect(reminderOf(morning.messages, inv.id)).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
    expect(await remindersTo('13911220004')).toHaveLength(1);
    // Later the same day: the bill was reminded of already (23 h rule), nothing is sent again.
    clock = shanghai('2026-12-02', '15:00');
    expect(reminderOf((await run()).messages, inv.id)).toEqual([]);
    expect(await remindersTo('13911220004')).toHaveLength(1);
    expect((await history('豫A7R004')).body.messages).toHaveLength(1);
  });

  it('retries a throttled send with backoff, a bounded number of times, under one idempotency key', async () => {
    clock = shanghai('2026-12-03', '10:00');
    // The provider throttles this number's sign-up code too: the answer is the usual one, not a 500…
    expect((await api(p, 'POST', '/api/v1/auth/register/code', { phone: '19800001234' })).status).toBe(202);
    // …and the account is made in SQL.
    const { rows: [d] } = await pool.query<{ id: number }>(`INSERT INTO drivers (phone, password_hash) VALUES ('19800001234', 'x') RETURNING id`);
    await pool.query(`INSERT INTO driver_plates (plate, driver_id, claimed_at) VALUES ('豫A7R005', $1, now() - interval '1 day')`, [d.id]);
    const inv = await makeInvoice(pool, '豫A7R005', { dueAt: DUE });
    const first = reminderOf((await run()).messages, inv.id);
    expect(first).toEqual([expect.objectContaining({ status: 'queued', attempts: 1, error: expect.stringMatching(/^BUSINESS_LIMIT_CONTROL/) })]);
    // Not before its backoff (1 minute)…
    expect(reminderOf((await run()).messages, inv.id)).toEqual([]);
    // …then after 1, 5 and 25 minutes, and then it is given up.
    for (const [minutes, status, attempts] of [[1, 'queued', 2], [6, 'queued', 3], [31, 'failed', 4]] as const) {
      clock = new Date(shanghai('2026-12-03', '10:00').getTime() + minutes * 60_000);
      expect(reminderOf((await run()).messages, inv.id), `after ${minutes} min`).toEqual([expect.objectContaining({ status, attempts })]);
    }
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM reminder_messages WHERE invoice_id = $1', [inv.id]);
    expect(rows[0].n).toBe(1);
  });

  it('the minute job polls the provider for a receipt that never came (a lost callback)', async () => {
    clock = shanghai('2026-12-04', '10:00');
    await owner('13911220007', '豫A7R007');
    const inv = await makeInvoice(pool, '豫A7R007', { dueAt: DUE });
    const sim = notifications.sms as SimulatedSms;
    sim.setCallback('http://127.0.0.1:9/nobody-listens', p.config.SMS_CALLBACK_SECRET); // receipts are lost
    try {
      expect(reminderOf((await run()).messages, inv.id)).toEqual([expect.objectContaining({ status: 'sent' })]);
      await waitFor(async () => (await sim.status({ messageId: (await pool.query('SELECT provider_message_id AS id FROM reminder_messages WHERE invoice_id = $1', [inv.id])).rows[0].id }))?.status === 'delivered', 3000, 'the provider to deliver');
      const job = payments.jobs!.find((j) => j.schedule === '* * * * *')!;
      const ctx = { pool, sms: notifications.sms, log: { info: () => {}, warn: () => {}, error: () => {} } } as unknown as ModuleContext;
      await job.run(ctx); // too soon: a receipt may still come
      expect((await history('豫A7R007')).body.messages[0].status).toBe('sent');
      clock = new Date(clock.getTime() + 3 * 60_000);
      await job.run(ctx);
      expect((await history('豫A7R007')).body.messages[0]).toMatchObject({ status: 'delivered' });
    } finally {
      sim.setCallback(`${p.httpUrl}/api/v1/notifications/sms/receipts`, p.config.SMS_CALLBACK_SECRET);
    }
  });

  it('refuses a forged or unsigned receipt with 401 and changes nothing; a signed one applies', async () => {
    const inv = await makeInvoice(pool, '豫A7R006', { dueAt: DUE });
    const { rows: [m] } = await pool.query<{ id: number }>(
      `INSERT INTO reminder_messages (invoice_id, plate, phone, template, params, status, provider, provider_message_id, attempts, created_at, sent_at)
       VALUES ($1, '豫A7R006', '13911220006', 'overdue-reminder', '{}', 'sent', 'sim', 'sim-forgery-target', 1, now(), now()) RETURNING id`, [inv.id]);
    const body = JSON.stringify({ messageId: 'sim-forgery-target', status: 'delivered', errorCode: null, at: new Date().toISOString() });
    const post = (headers: Record<string, string>) => fetch(`${p.httpUrl}/api/v1/notifications/sms/receipts`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const statusOf = async () => (await pool.query('SELECT status, delivered_at FROM reminder_messages WHERE id = $1', [m.id])).rows[0];
    const forged = await post({ 'onelot-signature': signWebhook('not-the-sms-callback-secret', body) });
    expect(forged.status).toBe(401);
    expect((await forged.json()).error).toMatchObject({ code: 'ONELOT_ERR_BAD_SIGNATURE', message: expect.stringMatching(/does not match/) });
    expect((await post({})).status).toBe(401);
    const stale = await post({ 'onelot-signature': signWebhook(p.config.SMS_CALLBACK_SECRET, body, Math.floor(Date.now() / 1000) - 3600) });
    expect(stale.status).toBe(401);
    expect(await statusOf()).toEqual({ status: 'sent', delivered_at: null });
    const genuine = await post({ 'onelot-signature': signWebhook(p.config.SMS_CALLBACK_SECRET, body) });
    expect(genuine.status).toBe(200);
    expect((await statusOf()).status).toBe('delivered');
  });

  it("hides another tenant's plate history as missing (404), and says why a plate is unknown", async () => {
    const other = await consoleToken(p, { operatorId: 'op-reminders-other', account: 'op-reminders-other-admin' });
    const r = await history('豫A7R001', other);
    expect(r.status).toBe(404);
    expect(r.body.error.message).toMatch(/was not found/);
    expect((await history('豫A7R001')).status).toBe(200);
    expect((await history('not a plate')).status).toBe(400);
    const city = await consoleToken(p, { operatorId: null, account: 'reminders-city' });
    expect((await history('豫A7R001', city)).body.messages[0]).toMatchObject({ status: 'delivered' });
  });
});
