// Refunds as operators see them (full plates: operator routes only), with the evidence attached to
// each; and an invoice's refund history with what remains refundable.
import type { Pool } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { hidden, inTenant } from '../core/tenancy.ts';
import { attachedEvidence, type AdjustmentReasonCode } from '../billing/index.ts';
import { formatYuan } from './receipt.ts';
import type { InvoiceRefunds, RefundView } from './http/schemas.ts';

type Queryable = Pick<Pool, 'query'>;

interface RefundRow {
  id: string; invoice_id: string; charge_id: string; lot_id: string; plate: string; amount_fen: number; reason_code: AdjustmentReasonCode; note: string | null;
  status: RefundView['status']; requested_by: string; approved_by: string | null; decision_note: string | null; decided_at: Date | null;
  provider_refund_id: string | null; failure_reason: string | null; created_at: Date; updated_at: Date;
}

/** Refunds matching `where` (aliases r: refunds, i: invoices), oldest first, with their evidence. */
export async function refundViews(db: Queryable, where: string, params: unknown[]): Promise<RefundView[]> {
  const { rows } = await db.query<RefundRow>(
    `SELECT r.*, i.lot_id, i.plate FROM refunds r JOIN invoices i ON i.id = r.invoice_id WHERE ${where} ORDER BY r.created_at, r.id LIMIT 500`, params);
  // One query for every listed refund's evidence: the embedded database has one connection.
  const evidence = rows.length ? await attachedEvidence(db, [...new Set(rows.map((r) => Number(r.invoice_id)))]) : [];
  return rows.map((r) => ({
    id: Number(r.id), invoiceId: Number(r.invoice_id), chargeId: Number(r.charge_id), lotId: r.lot_id, plate: r.plate,
    amountFen: r.amount_fen, amount: formatYuan(r.amount_fen), reasonCode: r.reason_code, note: r.note, status: r.status,
    requestedBy: r.requested_by, approvedBy: r.approved_by, decisionNote: r.decision_note, decidedAt: r.decided_at?.toISOString() ?? null,
    providerRefundId: r.provider_refund_id, failureReason: r.failure_reason, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
    evidence: evidence.filter((e) => e.refundId === Number(r.id)).map(({ refundId: _r, invoiceId: _i, ...e }) => e),
  }));
}

export async function refundById(db: Queryable, id: number): Promise<RefundView> {
  const [r] = await refundViews(db, 'r.id = $1', [id]);
  if (!r) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Refund ${id}`);
  return r;
}

/** An invoice's refunds and what remains refundable, at the caller's lots (`tenant` null: every lot). */
export async function invoiceRefunds(db: Queryable, tenant: string | null, invoiceId: number): Promise<InvoiceRefunds> {
  const { rows } = await db.query<{ status: string; amount_fen: number; refunded_fen: number }>(
    `SELECT status, amount_fen, refunded_fen FROM invoices i WHERE i.id = $1 AND ${inTenant('i.lot_id', 2)}`, [invoiceId, tenant]);
  if (!rows[0]) throw hidden(`Invoice ${invoiceId}`);
  const refunds = await refundViews(db, 'r.invoice_id = $1', [invoiceId]);
  const reserved = refunds.filter((r) => ['pending_approval', 'requested', 'succeeded'].includes(r.status)).reduce((s, r) => s + r.amountFen, 0);
  const inv = rows[0];
  return {
    invoiceId, status: inv.status, amountFen: inv.amount_fen, refundedFen: inv.refunded_fen,
    refundableFen: inv.status === 'paid' ? Math.max(0, inv.amount_fen - reserved) : 0, refunds,
  };
}
