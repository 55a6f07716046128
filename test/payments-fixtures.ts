// What the payments end-to-end tests share: HTTP calls with a token, invoices written as billing's
// ingest hook writes them, charges and statuses read back, a driver set up for contactless.
import { expect } from 'vitest';
import type { Pool } from '../core/db/index.ts';
import type { SimulatedProvider } from '../payments/provider-sim/server.ts';
import { waitFor, nextSeq, signUp, type TestPlatform } from './helpers.ts';

export async function api(p: TestPlatform, method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: any; headers: Headers; text: string }> {
  const res = await fetch(p.httpUrl + url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: any = null;
  try { parsed = JSON.parse(text); } catch { /* html */ }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

const LINES = [
  { kind: 'band', name: 'Day', nameZh: '白天', part: 'first-unit', from: '2026-03-02T01:00:00Z', to: '2026-03-02T02:00:00Z', minutes: 60, units: 1, unitMinutes: 60, unitFen: 300, amountFen: 300, description: 'Day first 60 min ¥3.00' },
  { kind: 'band', name: 'Day', nameZh: '白天', part: 'later-units', from: '2026-03-02T02:00:00Z', to: '2026-03-02T03:40:00Z', minutes: 100, units: 4, unitMinutes: 30, unitFen: 150, amountFen: 600, description: 'Day 4 × ¥1.50' },
];

/**
 * A closed (or in-review) session and its outstanding invoice, as billing's ingest hook writes them.
 * The stay begins now by default (after any claim of the plate made before: an owner sees only stays
 * since the claim); `entry` sets it, 2 h 40 min before the exit.
 */
export async function makeInvoice(pool: Pool, plate: string, opts: { sessionStatus?: string; dueAt?: Date; amountFen?: number; entry?: Date } = {}): Promise<{ id: number; ref: string; sessionId: number; lotId: string }> {
  const lot = (await pool.query<{ id: string }>('SELECT id FROM lots ORDER BY id LIMIT 1')).rows[0].id;
  const entrySeq = nextSeq();
  const exitSeq = nextSeq();
  const s = await pool.query<{ id: number }>(
    `INSERT INTO sessions (lot_id, plate, plate_kind, status, entry_time, exit_time, entry_device, entry_seq, exit_device, exit_seq, entry_confidence, exit_confidence)
     VALUES ($1, $2, 'standard', $3, COALESCE($6, now()), COALESCE($6, now()) + interval '160 minutes', 'test-gate-cam', $4, 'test-gate-cam', $5, 0.97, 0.95) RETURNING id`,
    [lot, plate, opts.sessionStatus ?? 'closed', entrySeq, exitSeq, opts.entry ?? null]);
  const i = await pool.query<{ id: number; public_ref: string }>(
    `INSERT INTO invoices (session_id, lot_id, plate, amount_fen, lines, tariff_id, tariff_version, status, due_at)
     VALUES ($1, $2, $3, $4, $5, 'zz-street-v2', 2, 'outstanding', $6) RETURNING id, public_ref`,
    [s.rows[0].id, lot, plate, opts.amountFen ?? 900, JSON.stringify(LINES), opts.dueAt ?? new Date(Date.now() + 7 * 86400_000)]);
  return { id: i.rows[0].id, ref: i.rows[0].public_ref, sessionId: s.rows[0].id, lotId: lot };
}

/** The public reference of an invoice: the only name the public routes take. */
export const refOf = async (pool: Pool, invoiceId: number) =>
  (await pool.query<{ public_ref: string }>('SELECT public_ref FROM invoices WHERE id = $1', [invoiceId])).rows[0].public_ref;

export async function chargesOf(pool: Pool, invoiceId: number) {
  return (await pool.query<{ id: number; status: string; failure_reason: string | null; provider_charge_id: string | null; method: string }>(
    'SELECT id, status, failure_reason, provider_charge_id, method FROM charges WHERE invoice_id = $1 ORDER BY id', [invoiceId])).rows;
}
export const invoiceStatus = async (pool: Pool, id: number) => (await pool.query<{ status: string }>('SELECT status FROM invoices WHERE id = $1', [id])).rows[0].status;
export const waitStatus = (pool: Pool, id: number, status: string, ms = 8000) =>
  waitFor(async () => (await invoiceStatus(pool, id)) === status, ms, `invoice ${id} to be ${status}`);
export const ledgerFor = (provider: SimulatedProvider, invoiceId: number) => provider.ledger().filter((c) => c.metadata.invoice_id === String(invoiceId));

/** A driver with the plate, a default payment method and contactless on; returns the login token. */
export async function newDriver(p: TestPlatform, phone: string, plate: string, account = `acct-${phone}`): Promise<string> {
  const reg = await signUp(p, { phone, password: 'parking-pass-1', name: 'Test' });
  expect(reg.status).toBe(201);
  const token = reg.body.token as string;
  expect((await api(p, 'POST', '/api/v1/me/plates', { plate }, token)).status).toBe(201);
  expect((await api(p, 'POST', '/api/v1/me/payment-methods', { kind: 'alipay', account }, token)).status).toBe(201);
  expect((await api(p, 'PUT', `/api/v1/me/plates/${encodeURIComponent(plate)}/contactless`, { enabled: true }, token)).status).toBe(200);
  return token;
}

/** The plate's owner claimed it a day earlier: for a stay made before the test's newDriver (an owner sees only stays since the claim). */
export const backdateClaim = (pool: Pool, plate: string) =>
  pool.query(`UPDATE driver_plates SET claimed_at = claimed_at - interval '1 day' WHERE plate = $1`, [plate]);
