// Refunds (issue 11): a paid invoice may be refunded in parts, several times, each with a reason
// code and evidence of the stay, up to what remains refundable — paid less what is refunded,
// requested or waiting for approval, counted under the invoice's row lock so two refunds at once
// cannot exceed it. Each refund is a row of `refunds`; the provider's idempotency key derives from
// that row's id, and a retried HTTP request with the same Idempotency-Key finds the same row, so a
// retry never refunds twice. Staff may refund up to their own limit (refund_limit_fen, counted on
// the refund's amount); above it the refund waits as pending_approval, no money moving, until an
// admin approves (then it goes to the provider) or rejects it. The money moves when the provider
// says so: charge.refunded with data.refund, applied by applyProviderRefund below.
import type { Pool, PoolClient } from '../core/db/index.ts';
import { audit } from '../core/audit.ts';
import { OneLotError } from '../core/errors.ts';
import { hidden, type TenantScope } from '../core/tenancy.ts';
import { withTx } from '../core/db/tx.ts';
import { addToHourlyStats, paidDeltas } from '../analytics/index.ts';
import { attachEvidence, reasonProblem, type AdjustmentReasonCode } from '../billing/index.ts';
import { ProviderError, type ProviderClient, type ProviderRefund } from './client.ts';
import { refundById, refundViews } from './refund-views.ts';
import type { RefundView } from './http/schemas.ts';

export interface RefundRequest {
  amountFen?: number;
  reason: { code: AdjustmentReasonCode; note?: string };
  evidence?: string[];
  /** The HTTP Idempotency-Key: the same key from the same account is the same refund. */
  requestKey?: string;
}

/** Statuses that hold part of the paid amount: refunded, on its way, or waiting for an admin. */
const RESERVING = `('pending_approval', 'requested', 'succeeded')`;

/** The provider's idempotency key of one refund row: a repeated send is the same refund there. */
export const refundKey = (refundId: number) => `onelot-refund-${refundId}`;

interface Locked { status: string; amount_fen: number; limit_fen: string | null; reserved: string; charge_id: number | null; provider_charge_id: string | null }

/** Refund (part of) a paid invoice of the caller's lots; answers the refund as it now stands. */
export async function requestRefund(pool: Pool, client: ProviderClient, by: TenantScope, invoiceId: number, req: RefundRequest): Promise<{ refund: RefundView; replayed: boolean }> {
  const problem = reasonProblem(req.reason);
  if (problem) throw new OneLotError('ONELOT_ERR_VALIDATION', problem);
  const made = await withTx(pool, async (c) => {
    const inv = await lockInvoice(c, by, invoiceId);
    if (req.requestKey) {
      const seen = (await c.query<{ id: number; invoice_id: number; amount_fen: number; reason_code: string }>(
        'SELECT id, invoice_id, amount_fen, reason_code FROM refunds WHERE requested_by = $1 AND request_key = $2', [by.accountId, req.requestKey])).rows[0];
      // The same key is the same request (Stripe's rule): another invoice, amount or reason is a mistake, not a retry.
      const same = seen && Number(seen.invoice_id) === invoiceId && (req.amountFen === undefined || req.amountFen === seen.amount_fen) && req.reason.code === seen.reason_code;
      if (seen && !same) {
        throw new OneLotError('ONELOT_ERR_CONFLICT', `Idempotency-Key ${req.requestKey} was used for another refund (#${seen.id}: ${seen.amount_fen} fen of invoice ${seen.invoice_id}, ${seen.reason_code}); send a new key for a new refund.`);
      }
      if (seen) return { id: Number(seen.id), replayed: true };
    }
    const amount = refundableAmount(inv, invoiceId, req.amountFen);
    // issue 11: a staff member's limit counts this refund's amount, not the invoice's.
    const status = by.role === 'staff' && amount > Number(inv.limit_fen ?? 0) ? 'pending_approval' : 'requested';
    const { rows } = await c.query<{ id: number }>(
      `INSERT INTO refunds (invoice_id, charge_id, amount_fen, reason_code, note, requested_by, request_key, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [invoiceId, inv.charge_id, amount, req.reason.code, req.reason.note ?? null, by.accountId, req.requestKey ?? null, status]);
    const id = Number(rows[0].id);
    const evidence = await attachEvidence(c, by.operatorId, invoiceId, id, req.evidence ?? [], by.accountId);
    await audit(c, {
      by, operatorId: by.operatorId, action: status === 'pending_approval' ? 'refund.request-approval' : 'invoice.refund', objectType: 'invoice', objectId: invoiceId,
      before: { status: inv.status, amountFen: inv.amount_fen, reservedFen: Number(inv.reserved) },
      after: { refundId: id, refundFen: amount, status, reason: req.reason, evidence: evidence.map((e) => e.id), limitFen: by.role === 'staff' ? Number(inv.limit_fen ?? 0) : null },
    });
    return { id, replayed: false };
  });
  let refund = await refundById(pool, made.id);
  // A replay of a refund whose send failed for want of an answer sends it again (same key: same refund).
  if (refund.status === 'requested' && !refund.providerRefundId) refund = await sendRefund(pool, client, made.id);
  return { refund, replayed: made.replayed };
}

async function lockInvoice(c: PoolClient, by: TenantScope, invoiceId: number): Promise<Locked> {
  const { rows } = await c.query<Locked>(
    `SELECT i.status, i.amount_fen, (SELECT refund_limit_fen FROM operator_accounts WHERE id = $3) AS limit_fen,
            (SELECT coalesce(sum(r.amount_fen), 0) FROM refunds r WHERE r.invoice_id = i.id AND r.status IN ${RESERVING}) AS reserved,
            ch.id AS charge_id, ch.provider_charge_id
       FROM invoices i LEFT JOIN charges ch ON ch.invoice_id = i.id AND ch.status IN ('succeeded', 'refunded')
      WHERE i.id = $1 AND i.lot_id IN (SELECT id FROM lots WHERE operator_id = $2) FOR UPDATE OF i`, [invoiceId, by.operatorId, by.accountId]);
  if (!rows[0]) throw hidden(`Invoice ${invoiceId}`);
  return rows[0];
}

/** The amount of a new refund (all that remains when not given), or the 409 that says why not. */
function refundableAmount(inv: Locked, invoiceId: number, asked: number | undefined): number {
  if (inv.status === 'refunded') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is already refunded in full.`);
  if (inv.status !== 'paid') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is ${inv.status}; only a paid invoice can be refunded.`);
  if (!inv.charge_id || !inv.provider_charge_id) throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} has no captured charge to refund.`);
  const remaining = inv.amount_fen - Number(inv.reserved);
  if (remaining <= 0) throw new OneLotError('ONELOT_ERR_CONFLICT', `Nothing of invoice ${invoiceId} remains refundable: its ${inv.amount_fen} fen are refunded, requested or waiting for approval.`);
  if (asked !== undefined && asked > remaining) {
    throw new OneLotError('ONELOT_ERR_CONFLICT', `Refunding ${asked} fen is more than remains refundable on invoice ${invoiceId}: ${remaining} fen of ${inv.amount_fen} (the rest is refunded, requested or waiting for approval).`);
  }
  return asked ?? remaining;
}

/**
 * Send a requested refund to the provider (no connection held across the call: charging.ts,
 * guarantee 3). Refused: the refund is failed and its amount refundable again (409). No answer:
 * it stays requested, its amount held, and the same request again sends it again (503).
 */
async function sendRefund(pool: Pool, client: ProviderClient, refundId: number): Promise<RefundView> {
  const r = await refundById(pool, refundId);
  const { rows } = await pool.query<{ provider_charge_id: string }>('SELECT provider_charge_id FROM charges WHERE id = $1', [r.chargeId]);
  try {
    const pr = await client.createRefund(
      { charge: rows[0].provider_charge_id, amount_fen: r.amountFen, metadata: { onelot_refund_id: String(refundId), invoice_id: String(r.invoiceId) } },
      refundKey(refundId));
    await pool.query('UPDATE refunds SET provider_refund_id = COALESCE(provider_refund_id, $2), updated_at = now() WHERE id = $1', [refundId, pr.id]);
  } catch (err) {
    if (err instanceof ProviderError && err.kind === 'rejected') {
      await pool.query(`UPDATE refunds SET status = 'failed', failure_reason = $2, updated_at = now() WHERE id = $1 AND status = 'requested'`, [refundId, err.message.slice(0, 500)]);
      throw new OneLotError('ONELOT_ERR_CONFLICT', `The provider refused the refund: ${err.message}`);
    }
    throw new OneLotError('ONELOT_ERR_UNAVAILABLE');
  }
  return refundById(pool, refundId);
}

/** An admin approves a refund waiting above a staff limit (it goes to the provider now) or rejects it with a note. */
export async function decideRefund(pool: Pool, client: ProviderClient, by: TenantScope, refundId: number, decision: 'approve' | 'reject', note: string | undefined): Promise<RefundView> {
  await withTx(pool, async (c) => {
    const { rows } = await c.query<{ status: string; invoice_id: number; amount_fen: number; requested_by: string }>(
      `SELECT r.status, r.invoice_id, r.amount_fen, r.requested_by FROM refunds r JOIN invoices i ON i.id = r.invoice_id
        WHERE r.id = $1 AND i.lot_id IN (SELECT id FROM lots WHERE operator_id = $2) FOR UPDATE OF r`, [refundId, by.operatorId]);
    const r = rows[0];
    if (!r) throw hidden(`Refund ${refundId}`);
    if (r.status !== 'pending_approval') throw new OneLotError('ONELOT_ERR_CONFLICT', `Refund ${refundId} is ${r.status}, not waiting for approval; nothing to ${decision}.`);
    const status = decision === 'approve' ? 'requested' : 'rejected';
    await c.query(`UPDATE refunds SET status = $2, approved_by = $3, decision_note = $4, decided_at = now(), updated_at = now() WHERE id = $1`, [refundId, status, by.accountId, note ?? null]);
    await audit(c, {
      by, operatorId: by.operatorId, action: `refund.${decision}`, objectType: 'refund', objectId: refundId,
      before: { status: r.status, invoiceId: Number(r.invoice_id), amountFen: r.amount_fen, requestedBy: r.requested_by }, after: { status, note: note ?? null },
    });
  });
  return decision === 'approve' ? sendRefund(pool, client, refundId) : refundById(pool, refundId);
}

/** Refunds of the caller's lots (the city: every lot) in a status, oldest first: the admins' approvals list. */
export function refundsInStatus(pool: Pool, tenant: string | null, status: string): Promise<RefundView[]> {
  return refundViews(pool, `r.status = $1 AND ($2::text IS NULL OR i.lot_id IN (SELECT id FROM lots WHERE operator_id = $2))`, [status, tenant]);
}

/**
 * charge.refunded with the provider's refund, inside the webhook's transaction: our refund (by the
 * provider's id, or the id we sent as metadata: the webhook can overtake the create answer) is
 * succeeded, the invoice's refunded_fen grows by its amount (refunded when it reaches the whole),
 * and the collected figure shrinks by exactly that amount. Applying it twice is a no-op.
 */
export async function applyProviderRefund(c: PoolClient, chargeId: number, pr: ProviderRefund): Promise<{ result: 'applied' | 'no-change' | 'held'; detail?: string }> {
  const ours = Number(pr.metadata?.onelot_refund_id);
  const { rows } = await c.query<{ id: number; invoice_id: number; amount_fen: number; status: string }>(
    `SELECT id, invoice_id, amount_fen, status FROM refunds WHERE charge_id = $1 AND (provider_refund_id = $2 OR id = $3) ORDER BY (provider_refund_id = $2) DESC NULLS LAST LIMIT 1 FOR UPDATE`,
    [chargeId, String(pr.id), Number.isInteger(ours) ? ours : -1]);
  const r = rows[0];
  if (!r || r.status === 'succeeded') return { result: 'no-change' };
  if (pr.amount_fen !== undefined && pr.amount_fen !== r.amount_fen) {
    return { result: 'held', detail: `the provider reported refund ${String(pr.id).slice(0, 64)} of ${JSON.stringify(pr.amount_fen)} fen but refund ${r.id} asked ${r.amount_fen} fen: not applied` };
  }
  await c.query(`UPDATE refunds SET status = 'succeeded', provider_refund_id = COALESCE(provider_refund_id, $2), updated_at = now() WHERE id = $1`, [r.id, String(pr.id)]);
  await c.query(
    `WITH r AS (UPDATE invoices SET refunded_fen = refunded_fen + $2, status = CASE WHEN refunded_fen + $2 >= amount_fen THEN 'refunded' ELSE status END
                 WHERE id = $1 AND status = 'paid' RETURNING lot_id, paid_at, $2::int AS amount_fen, status)
     , ch AS (UPDATE charges SET status = 'refunded', updated_at = now() WHERE id = $3 AND EXISTS (SELECT 1 FROM r WHERE r.status = 'refunded'))
     ${addToHourlyStats(paidDeltas('r', -1))}`, [r.invoice_id, r.amount_fen, chargeId]);
  return { result: 'applied' };
}
