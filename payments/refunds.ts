// Refunds: only a paid invoice, in full, once per charge (the idempotency key is derived from the
// charge). The money moves when the provider says so: charge.refunded, applied by
// provider-outcomes.ts.
import type { Pool } from '../core/db/index.ts';
import { audit } from '../core/audit.ts';
import { OneLotError } from '../core/errors.ts';
import { hidden, type TenantScope } from '../core/tenancy.ts';
import { ProviderError, type ProviderClient } from './client.ts';
import { withTx } from '../core/db/tx.ts';

export interface RefundReason { code: string; note?: string }

/**
 * Ask the provider to refund an invoice's payment in full; the result arrives as charge.refunded.
 * Only the invoice's own tenant may (another's answers 404 as a missing one); staff only up to the
 * refund limit their admin set (refund_limit_fen; none set: no refunds).
 */
export async function refundInvoice(pool: Pool, client: ProviderClient, by: TenantScope, invoiceId: number, reason: RefundReason): Promise<{ refundId: string; status: string; chargeId: number }> {
  const ch = await withTx(pool, async (c) => {
    const { rows } = await c.query<{ status: string; amount_fen: number; limit_fen: string | null }>(
      `SELECT i.status, i.amount_fen, (SELECT refund_limit_fen FROM operator_accounts WHERE id = $3) AS limit_fen
         FROM invoices i WHERE i.id = $1 AND i.lot_id IN (SELECT id FROM lots WHERE operator_id = $2) FOR UPDATE`, [invoiceId, by.operatorId, by.accountId]);
    if (!rows[0]) throw hidden(`Invoice ${invoiceId}`);
    if (by.role === 'staff' && rows[0].amount_fen > Number(rows[0].limit_fen ?? 0)) {
      throw new OneLotError('ONELOT_ERR_FORBIDDEN', `Refunding ${rows[0].amount_fen} fen is above your refund limit (${Number(rows[0].limit_fen ?? 0)} fen); ask your operator's admin to refund it or to raise your limit.`);
    }
    if (rows[0].status === 'refunded') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is already refunded.`);
    if (rows[0].status !== 'paid') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is ${rows[0].status}; only a paid invoice can be refunded.`);
    const { rows: charges } = await c.query<{ id: number; provider_charge_id: string | null; amount_fen: number }>(
      `SELECT id, provider_charge_id, amount_fen FROM charges WHERE invoice_id = $1 AND status = 'succeeded'`, [invoiceId]);
    if (!charges[0]?.provider_charge_id) throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} has no captured charge to refund.`);
    await audit(c, {
      by, operatorId: by.operatorId, action: 'invoice.refund', objectType: 'invoice', objectId: invoiceId,
      before: { status: rows[0].status, amountFen: rows[0].amount_fen }, after: { refundFen: charges[0].amount_fen, reason },
    });
    return charges[0];
  });
  try {
    // One refund per charge: the key is derived from the charge, so a repeated request is the same refund.
    const refund = await client.createRefund({ charge: ch.provider_charge_id!, amount_fen: ch.amount_fen }, `onelot-refund-charge-${ch.id}`);
    return { refundId: refund.id, status: refund.status, chargeId: ch.id };
  } catch (err) {
    if (err instanceof ProviderError && err.kind === 'rejected') throw new OneLotError('ONELOT_ERR_CONFLICT', `The provider refused the refund: ${err.message}`);
    throw new OneLotError('ONELOT_ERR_UNAVAILABLE');
  }
}
