// Refunds: only a paid invoice, in full, once per charge (the idempotency key is derived from the
// charge). The money moves when the provider says so: charge.refunded, applied by
// provider-outcomes.ts.
import type { Pool } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { ProviderError, type ProviderClient } from './client.ts';
import { withTx } from './tx.ts';

/** Ask the provider to refund an invoice's payment in full; the result arrives as charge.refunded. */
export async function refundInvoice(pool: Pool, client: ProviderClient, invoiceId: number): Promise<{ refundId: string; status: string; chargeId: number }> {
  const ch = await withTx(pool, async (c) => {
    const { rows } = await c.query<{ status: string }>('SELECT status FROM invoices WHERE id = $1 FOR UPDATE', [invoiceId]);
    if (!rows[0]) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Invoice ${invoiceId}`);
    if (rows[0].status === 'refunded') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is already refunded.`);
    if (rows[0].status !== 'paid') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is ${rows[0].status}; only a paid invoice can be refunded.`);
    const { rows: charges } = await c.query<{ id: number; provider_charge_id: string | null; amount_fen: number }>(
      `SELECT id, provider_charge_id, amount_fen FROM charges WHERE invoice_id = $1 AND status = 'succeeded'`, [invoiceId]);
    if (!charges[0]?.provider_charge_id) throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} has no captured charge to refund.`);
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
