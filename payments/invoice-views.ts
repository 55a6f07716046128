// Invoices and stays as drivers and operators see them: read from the database and shaped into the
// route schemas (payments/http/schemas.ts). An owner sees only stays that began at or after their
// claim of the plate (plate-claims.ts); a receipt is reachable only by that owner or through the
// keyed link given to them or to the payer. What anyone may see is in public-invoice-views.ts.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Pool } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { maskPlate, normalizePlate, type PlateKind } from '../core/plates.ts';
import { inTenant } from '../core/tenancy.ts';
import { computeFee, parseTariff, tariffInForce, type FeeLine, type Tariff } from '../billing/index.ts';
import { formatYuan, renderReceiptHtml } from './receipt.ts';
import type { Invoice, MySessions, OpenSession, PastSession, PlateArrears, ReceiptRef } from './http/schemas.ts';

export interface InvoiceRow {
  id: number; public_ref: string; lot_id: string; plate: string; amount_fen: number; lines: FeeLine[]; status: string; issued_at: Date; due_at: Date; paid_at: Date | null;
  reminders_sent: number; name: string | null; name_en: string | null; time_zone: string | null; entry_time: Date | null; exit_time: Date | null;
  last_failure: string | null; receipt_number: string | null; refunded_fen: number;
  refunds: Array<{ amount_fen: number; at: string; reason_code: string }> | null;
}

const same = (expected: string, key: string | undefined) =>
  key !== undefined && Buffer.byteLength(key) === expected.length && timingSafeEqual(Buffer.from(key), Buffer.from(expected));

/** Receipt links: ?key= is an HMAC of the receipt number, so numbers, which are guessable, are not enough. */
export class ReceiptKeys {
  constructor(private readonly secret: string) {}
  key(number: string): string {
    return createHmac('sha256', this.secret).update(`receipt:${number}`).digest('base64url').slice(0, 22);
  }
  ref(number: string | null): ReceiptRef | null {
    return number ? { number, url: `/api/v1/receipts/${encodeURIComponent(number)}?key=${this.key(number)}` } : null;
  }
  matches(number: string, key: string | undefined): boolean {
    return same(this.key(number), key);
  }
  /** The payer's key to follow one payment (charge) and get its receipt: given only in the answer to paying. */
  paymentKey(chargeId: number): string {
    return createHmac('sha256', this.secret).update(`payment:${chargeId}`).digest('base64url').slice(0, 22);
  }
  paymentMatches(chargeId: number, key: string | undefined): boolean {
    return same(this.paymentKey(chargeId), key);
  }
}

/**
 * The driver (SQL parameter `param`) owns invoice `i` (with its session `s`, LEFT JOINed): the plate
 * is theirs and the stay began at or after their claim — a new owner sees nothing from before.
 */
const ownedBy = (param: string) =>
  `EXISTS (SELECT 1 FROM driver_plates dp WHERE dp.plate = i.plate AND dp.driver_id = ${param} AND COALESCE(s.entry_time, i.issued_at) >= dp.claimed_at)`;

/** The refunds the provider confirmed, oldest first, as JSON (amount_fen, at, reason_code). */
const REFUND_LINES = `(SELECT json_agg(json_build_object('amount_fen', rf.amount_fen, 'at', rf.updated_at, 'reason_code', rf.reason_code) ORDER BY rf.updated_at, rf.id)
    FROM refunds rf WHERE rf.invoice_id = i.id AND rf.status = 'succeeded') AS refunds`;

export async function invoicesWhere(pool: Pool, where: string, params: unknown[]): Promise<InvoiceRow[]> {
  const { rows } = await pool.query<InvoiceRow>(
    `SELECT i.id, i.public_ref, i.lot_id, i.plate, i.amount_fen, i.lines, i.status, i.issued_at, i.due_at, i.paid_at, i.reminders_sent,
            l.name, l.name_en, l.time_zone, s.entry_time, s.exit_time,
            (SELECT c.failure_reason FROM charges c WHERE c.invoice_id = i.id ORDER BY c.id DESC LIMIT 1) AS last_failure,
            (SELECT r.number FROM receipts r WHERE r.invoice_id = i.id ORDER BY r.id DESC LIMIT 1) AS receipt_number,
            i.refunded_fen, ${REFUND_LINES}
       FROM invoices i LEFT JOIN lots l ON l.id = i.lot_id LEFT JOIN sessions s ON s.id = i.session_id
      WHERE ${where}
      ORDER BY i.issued_at DESC, i.id DESC LIMIT 200`, params);
  return rows;
}

/** `owner`: the plate is shown whole; `receipt`: how to link a receipt (null: never). */
function toInvoice(r: InvoiceRow, owner: boolean, receipts: ReceiptKeys | null): Invoice {
  return {
    id: r.id, ref: r.public_ref, lotId: r.lot_id, lotName: r.name ?? '', lotNameEn: r.name_en ?? '',
    plate: owner ? r.plate : maskPlate(r.plate),
    entryTime: r.entry_time?.toISOString() ?? null, exitTime: r.exit_time?.toISOString() ?? null,
    amountFen: r.amount_fen, amount: formatYuan(r.amount_fen),
    lines: (r.lines ?? []).map((l) => ({ kind: l.kind, name: l.name, nameZh: l.nameZh, from: l.from, to: l.to, minutes: l.minutes, amountFen: l.amountFen, description: l.description })),
    status: r.status,
    // Overdue is derived, not stored: outstanding and past due_at (INVOICE_DUE_DAYS after issue).
    overdue: r.status === 'outstanding' && r.due_at.getTime() < Date.now(),
    issuedAt: r.issued_at.toISOString(), dueAt: r.due_at.toISOString(), paidAt: r.paid_at?.toISOString() ?? null,
    lastFailure: r.status === 'paid' ? null : r.last_failure,
    receipt: receipts ? receipts.ref(r.receipt_number) : null,
    refundedFen: r.refunded_fen,
    refunds: (r.refunds ?? []).map((f) => ({ amountFen: f.amount_fen, amount: formatYuan(f.amount_fen), at: new Date(f.at).toISOString(), reasonCode: f.reason_code })),
  };
}

// An invoice whose plate is not certain is nobody's bill yet (docs/plates.md).
const UNPAID = `i.status IN ('outstanding', 'paying') AND i.plate_certain`;

/** Invoices of the driver's plates since each was claimed, newest first. */
export async function myInvoices(pool: Pool, driverId: number, receipts: ReceiptKeys): Promise<Invoice[]> {
  const rows = await invoicesWhere(pool, ownedBy('$1'), [driverId]);
  return rows.map((r) => toInvoice(r, true, receipts));
}

/**
 * A plate's arrears for operators: its unpaid invoices at the tenant's lots (null: every lot), what
 * is overdue, reminders sent. Another tenant's invoices are not there at all (core/tenancy.ts).
 */
export async function plateArrears(pool: Pool, plate: string, tenant: string | null): Promise<PlateArrears> {
  const rows = await invoicesWhere(pool, `i.plate = $1 AND ${UNPAID} AND ${inTenant('i.lot_id', 2)}`, [plate, tenant]);
  const now = Date.now();
  const overdueFen = rows.filter((r) => r.status === 'outstanding' && r.due_at.getTime() < now).reduce((s, r) => s + r.amount_fen, 0);
  return {
    plate, overdueFen, overdue: formatYuan(overdueFen), outstandingFen: rows.reduce((s, r) => s + r.amount_fen, 0),
    invoices: rows.map((r) => ({ ...toInvoice(r, true, null), remindersSent: r.reminders_sent })),
  };
}

interface SessionRow {
  id: number; lot_id: string; plate: string; plate_kind: PlateKind | null; status: string; entry_time: Date; exit_time: Date | null;
  name: string; name_en: string; invoice_id: number | null;
}

/** The driver's current stays with what leaving now would cost, and past stays with invoice and receipt; only stays since the claim. */
export async function mySessions(pool: Pool, driverId: number, receipts: ReceiptKeys, now = new Date()): Promise<MySessions> {
  const { rows } = await pool.query<SessionRow>(
    `SELECT s.id, s.lot_id, s.plate, s.plate_kind, s.status, s.entry_time, s.exit_time, l.name, l.name_en, i.id AS invoice_id
       FROM sessions s JOIN driver_plates dp ON dp.plate = s.plate AND dp.driver_id = $1 AND s.entry_time >= dp.claimed_at
       JOIN lots l ON l.id = s.lot_id LEFT JOIN invoices i ON i.session_id = s.id
      WHERE s.plate_certainty NOT IN ('uncertain', 'pending')  -- a stay whose plate is not certain is nobody's yet
      ORDER BY s.entry_time DESC LIMIT 200`, [driverId]);
  const tariffs = await tariffsFor(pool, [...new Set(rows.filter((r) => r.status === 'open').map((r) => r.lot_id))]);
  const invoices = new Map((await invoicesWhere(pool, 'i.id = ANY($1::bigint[])', [rows.map((r) => r.invoice_id).filter((x) => x !== null)])).map((i) => [i.id, i]));
  const open: OpenSession[] = [];
  const past: PastSession[] = [];
  for (const r of rows) {
    const base = { sessionId: r.id, lotId: r.lot_id, lotName: r.name, lotNameEn: r.name_en, plate: r.plate, entryTime: r.entry_time.toISOString() };
    if (r.status === 'open') {
      const fee = runningFee(tariffs.get(r.lot_id), r, now);
      open.push({ ...base, runningFeeFen: fee, runningFee: fee === null ? null : formatYuan(fee) });
    } else {
      const inv = r.invoice_id !== null ? invoices.get(r.invoice_id) : undefined;
      past.push({ ...base, exitTime: r.exit_time?.toISOString() ?? null, status: r.status, invoice: inv ? toInvoice(inv, true, receipts) : null });
    }
  }
  return { open, past };
}

/** Every tariff version of each lot's tariff (lot_billing.tariff_id), unparseable versions skipped. */
async function tariffsFor(pool: Pool, lotIds: string[]): Promise<Map<string, Tariff[]>> {
  const out = new Map<string, Tariff[]>();
  if (lotIds.length === 0) return out;
  const { rows } = await pool.query<{ lot_id: string; body: unknown }>(
    'SELECT lb.lot_id, t.body FROM lot_billing lb JOIN tariffs t ON t.id = lb.tariff_id WHERE lb.lot_id = ANY($1::text[])', [lotIds]);
  for (const r of rows) {
    try {
      const t = parseTariff(r.body);
      out.set(r.lot_id, [...(out.get(r.lot_id) ?? []), t]);
    } catch { /* a bad stored version must not break the driver's page; the fee shows as unknown */ }
  }
  return out;
}

function runningFee(versions: Tariff[] | undefined, s: SessionRow, now: Date): number | null {
  if (!versions?.length) return null;
  try {
    const kind: PlateKind = s.plate_kind ?? (normalizePlate(s.plate) as { kind?: PlateKind }).kind ?? 'standard';
    // tariff rule: the version in force at entry prices the whole stay.
    return computeFee(tariffInForce(versions, s.entry_time), { plateKind: kind }, s.entry_time, now).totalFen;
  } catch {
    return null;
  }
}

interface ReceiptRow {
  refunded_fen: number; refunds: InvoiceRow['refunds'];
  number: string; issued_at: Date; invoice_id: number; plate: string; amount_fen: number; lines: FeeLine[]; method: 'contactless' | 'online'; status: string;
  name: string | null; name_en: string | null; time_zone: string | null; entry_time: Date | null; exit_time: Date | null; owned: boolean;
}

/** A receipt as an HTML page, for the plate's owner or the holder of its keyed link; 404 otherwise. */
export async function receiptHtml(pool: Pool, number: string, who: { driverId?: number; key?: string }, receipts: ReceiptKeys): Promise<string> {
  const { rows } = await pool.query<ReceiptRow>(
    `SELECT r.number, r.issued_at, r.invoice_id, i.plate, i.refunded_fen, ${REFUND_LINES}, i.amount_fen, i.lines, c.method, c.status, l.name, l.name_en, l.time_zone, s.entry_time, s.exit_time,
            ${ownedBy('$2')} AS owned
       FROM receipts r JOIN invoices i ON i.id = r.invoice_id JOIN charges c ON c.id = r.charge_id
       LEFT JOIN lots l ON l.id = i.lot_id LEFT JOIN sessions s ON s.id = i.session_id
      WHERE r.number = $1`, [number, who.driverId ?? -1]);
  const r = rows[0];
  // Receipt numbers are guessable (date and charge id): the key, or ownership since the claim, is what opens one.
  if (!r || !(r.owned || receipts.matches(number, who.key))) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Receipt ${number} (use the link from the paid invoice, or log in as the plate's owner)`);
  return renderReceiptHtml({
    number: r.number, issuedAt: r.issued_at, invoiceId: r.invoice_id, lotName: r.name ?? '', lotNameEn: r.name_en ?? '', plate: r.plate,
    entryTime: r.entry_time, exitTime: r.exit_time, amountFen: r.amount_fen, lines: r.lines, method: r.method,
    status: r.status === 'refunded' ? 'refunded' : 'succeeded', timeZone: r.time_zone ?? 'Asia/Shanghai',
    refunds: (r.refunds ?? []).map((f) => ({ amountFen: f.amount_fen, at: new Date(f.at) })),
  });
}
