// What anyone may see of a plate's invoices (issue 12: plates are personal data): only what is
// needed to pay what is outstanding — amount, lot, the stay's date — never a paid, refunded or void
// invoice, never entry or exit times, never who owns the plate. An invoice is reached only by its
// public reference (migrations/011: random, 182 bits), never by its sequential id. The payer gets a
// payment key with the answer to paying; with it, and only with it, the same route shows how that
// payment ended and its receipt.
import type { Pool } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { maskPlate } from '../core/plates.ts';
import { invoicesWhere, type InvoiceRow, type ReceiptKeys } from './invoice-views.ts';
import { formatYuan, localDate } from './receipt.ts';
import type { PresentedPlateInvoices, PublicInvoice } from './http/schemas.ts';

// An invoice whose plate is not certain is nobody's bill yet (docs/plates.md).
const UNPAID = `i.status IN ('outstanding', 'paying') AND i.plate_certain`;

/** YYYY-MM-DD in the lot's time zone. */
function isoDay(at: Date, timeZone: string): string {
  const d = localDate(at, timeZone);
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;
}

function toPublic(r: InvoiceRow, receipt: PublicInvoice['receipt']): PublicInvoice {
  // The stay's local date: the day it ended (or, without a session, the day the invoice was issued).
  const tz = r.time_zone ?? 'Asia/Shanghai';
  return {
    ref: r.public_ref, lotId: r.lot_id, lotName: r.name ?? '', lotNameEn: r.name_en ?? '',
    date: isoDay(r.exit_time ?? r.issued_at, tz),
    amountFen: r.amount_fen, amount: formatYuan(r.amount_fen), status: r.status,
    overdue: r.status === 'outstanding' && r.due_at.getTime() < Date.now(), dueDate: isoDay(r.due_at, tz),
    lastFailure: r.status === 'paid' ? null : r.last_failure, receipt,
  };
}

/** The refunds of a paid invoice, for its payer (invoice-views.ts reads them with the row). */
function refundLines(r: InvoiceRow): Pick<PublicInvoice, 'refundedFen' | 'refunds'> {
  return { refundedFen: r.refunded_fen, refunds: (r.refunds ?? []).map((f) => ({ amountFen: f.amount_fen, amount: formatYuan(f.amount_fen), at: new Date(f.at).toISOString(), reasonCode: f.reason_code })) };
}

/** What a presented (normalised) plate owes now: its unpaid invoices, minimal fields, plate masked. */
export async function presentedPlateInvoices(pool: Pool, plate: string): Promise<PresentedPlateInvoices> {
  const rows = await invoicesWhere(pool, `i.plate = $1 AND ${UNPAID}`, [plate]);
  const total = rows.reduce((s, r) => s + r.amount_fen, 0);
  return { plate: maskPlate(plate), invoices: rows.map((r) => toPublic(r, null)), totalOutstandingFen: total, totalOutstanding: formatYuan(total) };
}

/** The invoice id behind a public reference; 404 for an unknown one. */
export async function invoiceIdOf(pool: Pool, ref: string): Promise<number> {
  const { rows } = await pool.query<{ id: number }>('SELECT id FROM invoices WHERE public_ref = $1', [ref]);
  if (!rows[0]) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Invoice ${ref}`);
  return rows[0].id;
}

/**
 * One invoice by public reference. Unpaid: anyone holding the reference sees it. Otherwise only the
 * payer presenting the payment key of one of its charges (the answer to POST …/pay), who also gets
 * the receipt of a paid one; anyone else gets the same 404 as for an unknown reference.
 */
export async function invoiceByRef(pool: Pool, ref: string, paymentKey: string | undefined, receipts: ReceiptKeys): Promise<PublicInvoice> {
  // An invoice whose plate is not certain is nobody's bill yet: not there for anyone (docs/plates.md).
  const [row] = await invoicesWhere(pool, 'i.public_ref = $1 AND i.plate_certain', [ref]);
  const notFound = new OneLotError('ONELOT_ERR_NOT_FOUND', `An outstanding invoice ${ref} (once paid, only its payer sees it, with the payment key given when paying)`);
  if (!row) throw notFound;
  if (row.status === 'outstanding' || row.status === 'paying') return toPublic(row, null);
  if (paymentKey === undefined) throw notFound;
  const { rows } = await pool.query<{ id: number; status: string }>('SELECT id, status FROM charges WHERE invoice_id = $1 ORDER BY id', [row.id]);
  const mine = rows.find((c) => receipts.paymentMatches(c.id, paymentKey));
  if (!mine) throw notFound;
  // The receipt is this payer's only when their charge is the one that paid.
  const paidByMine = mine.status === 'succeeded' || mine.status === 'refunded';
  if (!paidByMine) return toPublic(row, null);
  return { ...toPublic(row, receipts.ref(row.receipt_number)), ...refundLines(row) };
}
