// Voiding an outstanding invoice (issue 11): the stay is owed no more. A void needs a reason code
// (adjustment-reasons.ts; 'other' with a note), may attach evidence of the stay (evidence.ts), is
// audited with before and after, and is sealed to the caller's tenant (another's invoice is 404).
// A voided invoice is never charged: the auto-charger and paying take only 'outstanding' ones
// (payments/auto-charger.ts, payments/charging.ts), and the status changes under the row lock.
import type { Pool, PoolClient } from '../core/db/index.ts';
import { audit } from '../core/audit.ts';
import { OneLotError } from '../core/errors.ts';
import { withTx } from '../core/db/tx.ts';
import { hidden, type TenantScope } from '../core/tenancy.ts';
import { addToHourlyStats, invoicedDeltas } from '../analytics/index.ts';
import { reasonProblem, type AdjustmentReasonCode } from './adjustment-reasons.ts';
import { attachEvidence } from './evidence.ts';
import type { VoidResult } from './http/schemas.ts';

export interface VoidReason { code: AdjustmentReasonCode; note?: string }

/** The statuses a void may end: unpaid. A held invoice too (review.ts: the operator settles it). */
const VOIDABLE = ['outstanding', 'held'];

/**
 * Void an invoice's row in the caller's transaction, with its reason, and take it out of the
 * analytics' invoiced figures. Returns false when it was not voidable (the caller says why).
 */
export async function voidInvoiceRow(c: Pick<PoolClient, 'query'>, invoiceId: number, reason: VoidReason, by: string): Promise<boolean> {
  const { rowCount } = await c.query(
    `WITH v AS (UPDATE invoices SET status = 'void', void_reason_code = $2, void_note = $3, voided_by = $4, voided_at = now()
                 WHERE id = $1 AND status = ANY($5::text[]) RETURNING lot_id, issued_at, amount_fen)
     ${addToHourlyStats(invoicedDeltas('v', -1))}`, [invoiceId, reason.code, reason.note ?? null, by, VOIDABLE]);
  return (rowCount ?? 0) > 0;
}

export function checkReason(reason: VoidReason): void {
  const problem = reasonProblem(reason);
  if (problem) throw new OneLotError('ONELOT_ERR_VALIDATION', problem);
}

/** POST /operator/invoices/:id/void: void an unpaid invoice of the caller's lots with a reason and evidence. */
export async function voidInvoice(pool: Pool, by: TenantScope, invoiceId: number, reason: VoidReason, evidence: string[] = []): Promise<VoidResult> {
  checkReason(reason);
  return withTx(pool, async (c) => {
    const { rows } = await c.query<{ status: string; amount_fen: number; session_id: number }>(
      `SELECT status, amount_fen, session_id FROM invoices WHERE id = $1 AND lot_id IN (SELECT id FROM lots WHERE operator_id = $2) FOR UPDATE`, [invoiceId, by.operatorId]);
    const inv = rows[0];
    if (!inv) throw hidden(`Invoice ${invoiceId}`);
    if (inv.status === 'paying') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is being paid right now; wait for the payment's outcome, then refund it if it succeeds or void it if it fails.`);
    if (inv.status === 'void') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is already void.`);
    if (!VOIDABLE.includes(inv.status)) throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is ${inv.status}; only an unpaid invoice can be voided (refund a paid one instead).`);
    await voidInvoiceRow(c, invoiceId, reason, by.accountId);
    // A stay in review is settled by the void (as resolving an exception with void does).
    await c.query(`UPDATE sessions SET status = 'closed', review_reason = COALESCE(review_reason || '; ', '') || 'invoice voided by operator' WHERE id = $1 AND status = 'review'`, [inv.session_id]);
    const attached = await attachEvidence(c, by.operatorId, invoiceId, null, evidence, by.accountId);
    await audit(c, {
      by, operatorId: by.operatorId, action: 'invoice.void', objectType: 'invoice', objectId: invoiceId,
      before: { status: inv.status, amountFen: inv.amount_fen }, after: { status: 'void', reason, evidence: attached.map((e) => e.id) },
    });
    return { invoiceId, status: 'void', reasonCode: reason.code, note: reason.note ?? null, evidence: attached };
  });
}
