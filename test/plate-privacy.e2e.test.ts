// Issue 12, "Safe to put on the internet", plate privacy: the attack, step by step, over real HTTP
// against a running platform with its real database — and each step closed. A driver who claims a
// plate sees nothing from before the claim; a plate held by another account becomes a contested
// claim for the operators; anonymous lookup shows only what is outstanding, minimally; invoices
// are reached only by unguessable references, so nothing can be walked.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { notificationsModule } from '../notifications/index.ts';
import type { Pool } from '../core/db/index.ts';
import { billingModule } from '../billing/index.ts';
import { paymentsModule } from '../payments/index.ts';
import { ensureBillingSeed } from '../seed/billing-seed.ts';
import { consoleToken, signUp, startTestPlatform, tempDataDir, type TestPlatform } from './helpers.ts';
import { api, makeInvoice, newDriver, waitStatus } from './payments-fixtures.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent' };
const DAY = 86400_000;
const enc = encodeURIComponent;

describe('plate privacy: the attack of issue 12, closed', () => {
  let p: TestPlatform;
  let pool: Pool;
  let phone = 13700000000;

  const register = async () => {
    const r = await signUp(p, { phone: String(++phone), password: 'parking-pass-1' });
    expect(r.status).toBe(201);
    return r.body.token as string;
  };
  /** An invoice paid by a one-off checkout (or, with `token`, the driver's saved method); its receipt. */
  const paidWithReceipt = async (ref: string, id: number, token?: string) => {
    const pay = await api(p, 'POST', `/api/v1/invoices/${ref}/pay`, token ? {} : { source: `tok_ok_${ref.slice(0, 8)}` }, token);
    expect(pay.status).toBe(202);
    await waitStatus(pool, id, 'paid');
    const seen = await api(p, 'GET', `/api/v1/invoices/${ref}?payment=${pay.body.paymentKey}`);
    return { number: seen.body.receipt.number as string, url: seen.body.receipt.url as string };
  };

  beforeAll(async () => {
    const dataDir = tempDataDir();
    const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
    const payments = paymentsModule(config, { autoChargeIntervalMs: 3_600_000, sim: { latencyMs: 20 } });
    p = await startTestPlatform({ dataDir, env: ENV, modules: [billingModule(config, { ensureTariffs: ensureBillingSeed }), payments, notificationsModule(config)] });
    pool = p.db.pool;
  });
  afterAll(async () => { await p?.destroy(); });

  it('claiming an unclaimed plate with a history shows none of it: no earlier stays, invoices or receipts', async () => {
    const plate = '豫A3P001';
    const earlierPaid = await makeInvoice(pool, plate, { entry: new Date(Date.now() - 3 * DAY) });
    const earlierOwed = await makeInvoice(pool, plate, { entry: new Date(Date.now() - 2 * DAY) });
    const receipt = await paidWithReceipt(earlierPaid.ref, earlierPaid.id);

    const attacker = await register();
    const claim = await api(p, 'POST', '/api/v1/me/plates', { plate }, attacker);
    expect(claim.status).toBe(201);
    expect(Date.parse(claim.body.claimedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect((await api(p, 'GET', '/api/v1/me/sessions', undefined, attacker)).body).toEqual({ open: [], past: [] });
    expect((await api(p, 'GET', '/api/v1/me/invoices', undefined, attacker)).body).toEqual({ invoices: [] });
    expect((await api(p, 'GET', `/api/v1/receipts/${receipt.number}`, undefined, attacker)).status).toBe(404);
    // Nor can a saved method pay (and so touch) an invoice from before the claim.
    expect((await api(p, 'POST', '/api/v1/me/payment-methods', { kind: 'alipay', account: 'acct-attacker-1' }, attacker)).status).toBe(201);
    expect((await api(p, 'POST', `/api/v1/invoices/${earlierOwed.ref}/pay`, {}, attacker)).status).toBe(403);

    // A stay after the claim is theirs, with its receipt.
    const later = await makeInvoice(pool, plate);
    const mine = await api(p, 'GET', '/api/v1/me/invoices', undefined, attacker);
    expect(mine.body.invoices.map((i: any) => i.ref)).toEqual([later.ref]);
    expect((await api(p, 'GET', '/api/v1/me/sessions', undefined, attacker)).body.past.map((s: any) => s.sessionId)).toEqual([later.sessionId]);
  });

  it("claiming a plate another account holds opens a pending claim for review; the claimant sees nothing of it", async () => {
    const plate = '豫A3P002';
    const owner = await newDriver(p, String(++phone), plate);
    const inv = await makeInvoice(pool, plate);
    const receipt = await paidWithReceipt(inv.ref, inv.id, owner);

    const attacker = await register();
    const claim = await api(p, 'POST', '/api/v1/me/plates', { plate }, attacker);
    expect(claim.status).toBe(202);
    expect(claim.body).toMatchObject({ status: 'pending', claim: { plate, status: 'pending', note: null } });
    expect(claim.body.message).toMatch(/review/);
    expect(JSON.stringify(claim.body)).not.toMatch(/phone|driver|1370000/);
    // Asking again is the same claim, not a second one.
    expect((await api(p, 'POST', '/api/v1/me/plates', { plate }, attacker)).body.claim.id).toBe(claim.body.claim.id);

    const me = await api(p, 'GET', '/api/v1/me', undefined, attacker);
    expect(me.body.plates).toEqual([]);
    expect(me.body.claims).toEqual([expect.objectContaining({ id: claim.body.claim.id, plate, status: 'pending' })]);
    expect((await api(p, 'GET', '/api/v1/me/invoices', undefined, attacker)).body.invoices).toEqual([]);
    expect((await api(p, 'GET', '/api/v1/me/sessions', undefined, attacker)).body.past).toEqual([]);
    expect((await api(p, 'GET', `/api/v1/receipts/${receipt.number}`, undefined, attacker)).status).toBe(404);
    // The holder keeps the plate, its history and contactless.
    const ownerMe = await api(p, 'GET', '/api/v1/me', undefined, owner);
    expect(ownerMe.body.plates).toEqual([expect.objectContaining({ plate, contactless: true })]);
    expect((await api(p, 'GET', `/api/v1/receipts/${receipt.number}`, undefined, owner)).status).toBe(200);
  });

  it('anonymous lookup shows only outstanding invoices with amount, lot, date and reference; nothing paid, refunded or void; no times', async () => {
    const plate = '豫A3P003';
    const owed = await makeInvoice(pool, plate, { amountFen: 700 });
    const paid = await makeInvoice(pool, plate);
    await paidWithReceipt(paid.ref, paid.id);
    const voided = await makeInvoice(pool, plate);
    const refunded = await makeInvoice(pool, plate);
    await pool.query(`UPDATE invoices SET status = 'void' WHERE id = $1`, [voided.id]);
    await pool.query(`UPDATE invoices SET status = 'refunded' WHERE id = $1`, [refunded.id]);
    const times = (await pool.query<{ entry_time: Date; exit_time: Date }>('SELECT entry_time, exit_time FROM sessions WHERE id = $1', [owed.sessionId])).rows[0];

    const lookup = await api(p, 'GET', `/api/v1/invoices?plate=${enc(plate)}`);
    expect(lookup.status).toBe(200);
    expect(lookup.body).toMatchObject({ plate: '豫A·***03', totalOutstandingFen: 700 });
    expect(lookup.body.invoices.map((i: any) => i.ref)).toEqual([owed.ref]);
    expect(Object.keys(lookup.body.invoices[0]).sort()).toEqual(['amount', 'amountFen', 'date', 'dueDate', 'lastFailure', 'lotId', 'lotName', 'lotNameEn', 'overdue', 'receipt', 'ref', 'status']);
    const billing = await api(p, 'GET', `/api/v1/plates/${enc(plate)}/invoices`);
    expect(billing.body.invoices.map((i: any) => i.ref)).toEqual([owed.ref]);
    for (const body of [lookup.body, billing.body]) {
      const text = JSON.stringify(body);
      // No entry or exit time, in any form; no history; nothing about the driver.
      for (const t of [times.entry_time, times.exit_time]) {
        expect(text).not.toContain(t.toISOString().slice(0, 16));
        expect(text).not.toContain(t.toISOString().slice(11, 16));
      }
      expect(text).not.toMatch(/entryTime|exitTime|lines|explanation|"id":\d|"receipt":\{|phone|豫A3P003/); // no invoice id (a tariff has a text id)
      for (const r of [paid.ref, voided.ref, refunded.ref]) expect(text).not.toContain(r);
    }
  });

  it('invoice ids cannot be walked: the public routes take only references, and a settled invoice answers only its payer', async () => {
    const plate = '豫A3P004';
    const paid = await makeInvoice(pool, plate);
    const receipt = await paidWithReceipt(paid.ref, paid.id);
    const owed = await makeInvoice(pool, plate);
    for (const id of [paid.id, owed.id, 1, 2]) {
      const one = await api(p, 'GET', `/api/v1/invoices/${id}?plate=${enc(plate)}`);
      expect(one.status).toBe(400);
      expect(one.body.error.code).toBe('ONELOT_ERR_VALIDATION');
      expect((await api(p, 'POST', `/api/v1/invoices/${id}/pay`, { source: 'tok_ok_walk' })).status).toBe(400);
    }
    // A well-formed reference that is not one, and the paid invoice's own reference without its payment key: the same 404.
    expect((await api(p, 'GET', `/api/v1/invoices/${'A'.repeat(32)}`)).status).toBe(404);
    const settled = await api(p, 'GET', `/api/v1/invoices/${paid.ref}`);
    expect(settled.status).toBe(404);
    expect(settled.body.error.message).toMatch(/payment key/);
    expect((await api(p, 'GET', `/api/v1/invoices/${owed.ref}`)).body).toMatchObject({ ref: owed.ref, status: 'outstanding', receipt: null });
    // Receipt numbers are sequential too; without the key or ownership since the claim they open nothing.
    const [prefix, day, seq] = receipt.number.split('-');
    for (const n of [receipt.number, `${prefix}-${day}-${String(Number(seq) - 1).padStart(6, '0')}`]) {
      expect((await api(p, 'GET', `/api/v1/receipts/${n}`)).status).toBe(404);
    }
    expect((await api(p, 'GET', receipt.url)).status).toBe(200);
  });

  it('references are unguessable: 32 base64url characters, unique, with at least 176 of their bits varying (182 random)', async () => {
    const made = await Promise.all(Array.from({ length: 200 }, (_, i) => makeInvoice(pool, `豫A3Q${String(i).padStart(3, '0')}`)));
    const refs = made.map((m) => m.ref);
    for (const r of refs) expect(r).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(refs).size).toBe(refs.length);
    const bytes = refs.map((r) => Buffer.from(r, 'base64url'));
    expect(bytes.every((b) => b.length === 24)).toBe(true);
    let varying = 0;
    for (let bit = 0; bit < 192; bit++) {
      const ones = bytes.filter((b) => (b[bit >> 3] >> (7 - (bit & 7))) & 1).length;
      if (ones > 0 && ones < bytes.length) varying++;
    }
    expect(varying).toBeGreaterThanOrEqual(176);
    // Existing rows got one at migration, and the column refuses a duplicate.
    await expect(pool.query('UPDATE invoices SET public_ref = $1 WHERE id = $2', [refs[0], made[1].id])).rejects.toThrow(/duplicate|unique/);
  });
});

describe("operators' review of contested plate claims", () => {
  let p: TestPlatform;
  let pool: Pool;
  let operator: string;

  beforeAll(async () => {
    const dataDir = tempDataDir();
    const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
    p = await startTestPlatform({ dataDir, env: ENV, modules: [paymentsModule(config, { autoChargeIntervalMs: 3_600_000, sim: { latencyMs: 20 } }), notificationsModule(config)] });
    pool = p.db.pool;
    operator = await consoleToken(p, { operatorId: null, account: 'city-desk' }); // the city role: plates are city-wide
  });
  afterAll(async () => { await p?.destroy(); });

  const contest = async (plate: string, holderPhone: string, claimantPhone: string) => {
    const holder = await newDriver(p, holderPhone, plate);
    const claimant = (await signUp(p, { phone: claimantPhone, password: 'parking-pass-1' })).body.token as string;
    const claim = await api(p, 'POST', '/api/v1/me/plates', { plate }, claimant);
    expect(claim.status).toBe(202);
    return { holder, claimant, id: claim.body.claim.id as number };
  };

  it('approve: the plate moves to the claimant with a new claim time and contactless off; they see only stays from then on', async () => {
    const plate = '豫A3R001';
    const { holder, claimant, id } = await contest(plate, '13710000001', '13710000002');
    const before = await makeInvoice(pool, plate); // the holder's stay, before the decision

    expect((await api(p, 'GET', '/api/v1/operator/plate-claims')).status).toBe(401);
    // An operator's own accounts (a tenant's admin or staff) are refused: a plate is no tenant's.
    for (const role of ['admin', 'staff'] as const) {
      const tenant = await consoleToken(p, { operatorId: 'op-zzpark', role, account: `zz-${role}` });
      const refused = await api(p, 'GET', '/api/v1/operator/plate-claims', undefined, tenant);
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toMatch(/city/);
      expect((await api(p, 'POST', `/api/v1/operator/plate-claims/${id}/approve`, { note: 'mine now' }, tenant)).status).toBe(403);
    }
    const list = await api(p, 'GET', '/api/v1/operator/plate-claims', undefined, operator);
    expect(list.status).toBe(200);
    expect(list.body.claims.find((c: any) => c.id === id)).toMatchObject({
      plate, status: 'pending', claimant: { phone: '13710000002' }, holder: { phone: '13710000001' },
    });
    expect((await api(p, 'POST', `/api/v1/operator/plate-claims/${id}/approve`, {}, operator)).status).toBe(400); // a note is required
    const ok = await api(p, 'POST', `/api/v1/operator/plate-claims/${id}/approve`, { note: 'registration certificate checked at the counter' }, operator);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id, plate, status: 'approved', owner: { plate, contactless: false } });
    expect(Date.parse(ok.body.owner.claimedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect((await api(p, 'POST', `/api/v1/operator/plate-claims/${id}/reject`, { note: 'again' }, operator)).status).toBe(409);
    expect((await api(p, 'POST', '/api/v1/operator/plate-claims/999999/approve', { note: 'x' }, operator)).status).toBe(404);

    expect((await api(p, 'GET', '/api/v1/me', undefined, holder)).body.plates).toEqual([]);
    const me = await api(p, 'GET', '/api/v1/me', undefined, claimant);
    expect(me.body.plates).toEqual([expect.objectContaining({ plate, contactless: false })]);
    expect(me.body.claims).toEqual([expect.objectContaining({ id, status: 'approved', note: 'registration certificate checked at the counter' })]);
    expect((await api(p, 'GET', '/api/v1/me/invoices', undefined, claimant)).body.invoices.map((i: any) => i.ref)).not.toContain(before.ref);
    const after = await makeInvoice(pool, plate);
    expect((await api(p, 'GET', '/api/v1/me/invoices', undefined, claimant)).body.invoices.map((i: any) => i.ref)).toEqual([after.ref]);
    const decided = await api(p, 'GET', '/api/v1/operator/plate-claims?status=approved', undefined, operator);
    expect(decided.body.claims.find((c: any) => c.id === id)).toMatchObject({ decidedBy: 'city-desk', holder: { phone: '13710000002' } });
  });

  it('reject: the plate stays with its holder; the claimant sees the answer and nothing else', async () => {
    const plate = '豫A3R002';
    const { holder, claimant, id } = await contest(plate, '13710000003', '13710000004');
    const r = await api(p, 'POST', `/api/v1/operator/plate-claims/${id}/reject`, { note: 'no registration shown' }, operator);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, status: 'rejected', owner: null });
    expect((await api(p, 'GET', '/api/v1/me', undefined, holder)).body.plates).toEqual([expect.objectContaining({ plate, contactless: true })]);
    const me = await api(p, 'GET', '/api/v1/me', undefined, claimant);
    expect(me.body.plates).toEqual([]);
    expect(me.body.claims).toEqual([expect.objectContaining({ id, status: 'rejected', note: 'no registration shown' })]);
    expect((await api(p, 'GET', '/api/v1/operator/plate-claims', undefined, operator)).body.claims.map((c: any) => c.id)).not.toContain(id);
    // A rejected claimant may ask again: a new pending claim.
    const again = await api(p, 'POST', '/api/v1/me/plates', { plate }, claimant);
    expect(again.status).toBe(202);
    expect(again.body.claim.id).not.toBe(id);
  });
});
