// Applying what the provider says happened to a charge (succeeded, failed, refunded) to our
// records, whichever way the news arrives: a webhook (webhooks.ts) or the recovery scan asking
// (reconcile.ts). Guarantee 4 of payments/charging.ts: every change is conditional on the current
// state, so the same outcome applied twice, late or by both paths is a no-op.
import type { PoolClient } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ProviderCharge } from './client.ts';
import { closeAttempt } from './charging.ts';
import { receiptNumber } from './receipt.ts';
import { addToHourlyStats, paidDeltas } from '../analytics/index.ts';

/** Provider failure codes that are the payer's decline (status 'declined'); others are 'failed'. */
const DECLINE_CODES = new Set(['card_declined', 'insufficient_funds', 'expired_card', 'do_not_honor']);

export type OutcomeResult = 'applied' | 'no-change' | 'unknown-charge';

export interface AppliedOutcome {
  outcome: OutcomeResult;
  /** A contactless charge that succeeded: when the broker received the exit that billed it. */
  exitReceivedAt?: Date;
}

/** Where succeeded contactless charges are timed (core/metrics.ts). */
export type PaymentsMetrics = Pick<Metrics, 'exitToChargeSeconds'>;

/** Exit → charge, for a success that has committed (call after the transaction). */
export function observeExitToCharge(metrics: PaymentsMetrics | undefined, applied: AppliedOutcome | undefined): void {
  if (metrics && applied?.exitReceivedAt) metrics.exitToChargeSeconds.observe((Date.now() - applied.exitReceivedAt.getTime()) / 1000);
}

/**
 * Bring our records in line with the provider's view of a charge, inside the caller's
 * transaction. Conditional on current state (guarantee 4): applying the same outcome twice is a no-op.
 */
export async function applyProviderCharge(c: PoolClient, pc: ProviderCharge): Promise<AppliedOutcome> {
  const ourId = Number(pc.metadata?.onelot_charge_id);
  const { rows } = await c.query<{ id: number; invoice_id: number; status: string; provider_charge_id: string | null; time_zone: string | null; exit_received_at: Date | null }>(
    `SELECT c.id, c.invoice_id, c.status, c.provider_charge_id,
            (SELECT l.time_zone FROM invoices i JOIN lots l ON l.id = i.lot_id WHERE i.id = c.invoice_id) AS time_zone,
            -- For the exit → charge figure; (event_time, device_id, seq) is device_events' unique key: one index probe per chunk.
            CASE WHEN c.method = 'contactless' AND c.status = 'pending' AND $3::text = 'succeeded' THEN
              (SELECT d.received_at FROM invoices i JOIN sessions s ON s.id = i.session_id
                 JOIN device_events d ON d.event_time = s.exit_time AND d.device_id = s.exit_device AND d.seq = s.exit_seq
                WHERE i.id = c.invoice_id)
            END AS exit_received_at
       FROM charges c
      WHERE c.provider_charge_id = $1 OR (c.provider_charge_id IS NULL AND c.id = $2) FOR UPDATE OF c`,
    [pc.id, Number.isInteger(ourId) ? ourId : -1, pc.status]);
  const ch = rows[0];
  if (!ch) return { outcome: 'unknown-charge' };

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
    return { outcome: 'applied', exitReceivedAt: ch.exit_received_at ?? undefined };
  }
  // The webhook can overtake the create answer: remember the provider id here too.
  if (!ch.provider_charge_id) await c.query('UPDATE charges SET provider_charge_id = $2 WHERE id = $1', [ch.id, pc.id]);
  if (pc.status === 'failed' && ch.status === 'pending') {
    const code = pc.failure_code ?? 'processing_error';
    await closeAttempt(c, ch.id, DECLINE_CODES.has(code) ? 'declined' : 'failed', code);
    return { outcome: 'applied' };
  }
  if (pc.status === 'refunded' && ch.status === 'succeeded') {
    await c.query(`UPDATE charges SET status = 'refunded', updated_at = now() WHERE id = $1`, [ch.id]);
    await c.query(
      `WITH r AS (UPDATE invoices SET status = 'refunded' WHERE id = $1 AND status = 'paid' RETURNING lot_id, paid_at, amount_fen)
       ${addToHourlyStats(paidDeltas('r', -1))}`, [ch.invoice_id]);
    return { outcome: 'applied' };
  }
  return { outcome: 'no-change' };
}
