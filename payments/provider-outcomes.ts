// Applying what the provider says happened to a charge (succeeded, failed, refunded) to our
// records, whichever way the news arrives: a webhook (webhooks.ts) or the recovery scan asking
// (reconcile.ts). Guarantee 4 of payments/charging.ts: every change is conditional on the current
// state, so the same outcome applied twice, late or by both paths is a no-op.
import type { PoolClient } from '../core/db/index.ts';
import type { ProviderCharge } from './client.ts';
import { closeAttempt } from './charging.ts';
import { receiptNumber } from './receipt.ts';
import { addToHourlyStats, paidDeltas } from '../analytics/index.ts';

/** Provider failure codes that are the payer's decline (status 'declined'); others are 'failed'. */
const DECLINE_CODES = new Set(['card_declined', 'insufficient_funds', 'expired_card', 'do_not_honor']);

export type OutcomeResult = 'applied' | 'no-change' | 'unknown-charge';

/**
 * Bring our records in line with the provider's view of a charge, inside the caller's
 * transaction. Conditional on current state (guarantee 4): applying the same outcome twice is a no-op.
 */
export async function applyProviderCharge(c: PoolClient, pc: ProviderCharge): Promise<OutcomeResult> {
  const ourId = Number(pc.metadata?.onelot_charge_id);
  const { rows } = await c.query<{ id: number; invoice_id: number; status: string; provider_charge_id: string | null; time_zone: string | null }>(
    `SELECT c.id, c.invoice_id, c.status, c.provider_charge_id,
            (SELECT l.time_zone FROM invoices i JOIN lots l ON l.id = i.lot_id WHERE i.id = c.invoice_id) AS time_zone
       FROM charges c
      WHERE c.provider_charge_id = $1 OR (c.provider_charge_id IS NULL AND c.id = $2) FOR UPDATE OF c`,
    [pc.id, Number.isInteger(ourId) ? ourId : -1]);
  const ch = rows[0];
  if (!ch) return 'unknown-charge';

  if (pc.status === 'succeeded' && ch.status === 'pending') {
    // Paid, succeeded and receipted in one statement: every round trip holds the connection that
    // ingest shares. The provider id is kept too (the webhook can overtake the create answer).
    const paidAt = new Date();
    await c.query(
      `WITH paid AS (UPDATE invoices SET status = 'paid', paid_at = $3 WHERE id = $2 AND status IN ('paying', 'outstanding') RETURNING lot_id, paid_at, amount_fen),
            stats AS (${addToHourlyStats(paidDeltas('paid'))}),
            ok AS (UPDATE charges SET status = 'succeeded', failure_reason = NULL, updated_at = now(), provider_charge_id = COALESCE(provider_charge_id, $5) WHERE id = $1)
       INSERT INTO receipts (charge_id, invoice_id, number) VALUES ($1, $2, $4) ON CONFLICT (charge_id) DO NOTHING`,
      [ch.id, ch.invoice_id, paidAt, receiptNumber(ch.id, paidAt, ch.time_zone ?? 'Asia/Shanghai'), pc.id]);
    return 'applied';
  }
  // The webhook can overtake the create answer: remember the provider id here too.
  if (!ch.provider_charge_id) await c.query('UPDATE charges SET provider_charge_id = $2 WHERE id = $1', [ch.id, pc.id]);
  if (pc.status === 'failed' && ch.status === 'pending') {
    const code = pc.failure_code ?? 'processing_error';
    await closeAttempt(c, ch.id, DECLINE_CODES.has(code) ? 'declined' : 'failed', code);
    return 'applied';
  }
  if (pc.status === 'refunded' && ch.status === 'succeeded') {
    await c.query(`UPDATE charges SET status = 'refunded', updated_at = now() WHERE id = $1`, [ch.id]);
    await c.query(
      `WITH r AS (UPDATE invoices SET status = 'refunded' WHERE id = $1 AND status = 'paid' RETURNING lot_id, paid_at, amount_fen)
       ${addToHourlyStats(paidDeltas('r', -1))}`, [ch.invoice_id]);
    return 'applied';
  }
  return 'no-change';
}
