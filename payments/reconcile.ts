// The recovery scan: settles charges whose outcome we never heard, by asking the provider with the
// attempt's own idempotency key (guarantee 2 of payments/charging.ts). Run at start (what a crash
// left half-done) and after every auto-charge pass. It also bounds how long any attempt — above
// all a stranger's one-off checkout — keeps an invoice 'paying': one still waiting for its payer
// at the provider after CANCEL_PENDING_AFTER_MS is cancelled there, and closed here.
import type { Pool } from '../core/db/index.ts';
import { ProviderError, type ProviderCharge, type ProviderClient } from './client.ts';
import { chargeRequest, closeAttempt } from './charging.ts';
import { applyProviderCharge, observeExitToCharge, type PaymentsMetrics } from './provider-outcomes.ts';
import { withTx } from '../core/db/tx.ts';

type Log = (msg: string) => void;

/**
 * How long an attempt may wait for its payer at the provider (a QR code nobody scans) before it is
 * cancelled: 15 minutes, about a checkout page's life; Alipay and WeChat Pay let a merchant close
 * an unpaid order at any time. Until then the invoice is 'paying' and nobody else can pay it.
 */
const CANCEL_PENDING_AFTER_MS = 15 * 60_000;

export interface ReconcileResult {
  checked: number;
  resolved: number;
  stillPending: number;
}

interface PendingRow {
  id: number; invoice_id: number; idempotency_key: string; provider_charge_id: string | null; amount_fen: number; source: string | null; lot_id: string; age_ms: number;
}

/**
 * The recovery scan for charges left 'pending' (a crash between COMMIT and the provider's answer,
 * a lost webhook, a provider timeout, a payer who never confirms). Asks the provider, never
 * guesses: GET the charge when we know its id, otherwise re-send the create with the SAME key and
 * body, which returns the charge the provider already has (or makes the one it never received):
 * either way exactly one. A charge the provider still holds pending after `cancelAfterMs` is
 * cancelled at the provider first, so its outcome is final before we close it.
 */
export async function reconcilePending(
  pool: Pool, client: ProviderClient, opts: { olderThanMs?: number; cancelAfterMs?: number; log?: Log; metrics?: PaymentsMetrics } = {},
): Promise<ReconcileResult> {
  const log = opts.log ?? (() => {});
  const cancelAfterMs = opts.cancelAfterMs ?? CANCEL_PENDING_AFTER_MS;
  const { rows } = await pool.query<PendingRow>(
    `SELECT c.id, c.invoice_id, c.idempotency_key, c.provider_charge_id, c.amount_fen, c.source, i.lot_id,
            (extract(epoch FROM now() - c.created_at) * 1000)::float8 AS age_ms
       FROM charges c JOIN invoices i ON i.id = c.invoice_id
      WHERE c.status = 'pending' AND c.created_at <= now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY c.id LIMIT 500`, [opts.olderThanMs ?? 0]);
  let resolved = 0;
  for (const ch of rows) {
    let pc: ProviderCharge | null;
    try {
      pc = await askProvider(client, ch);
      if (pc?.status === 'pending' && ch.age_ms >= cancelAfterMs) {
        log(`payments: charge ${ch.id} of invoice ${ch.invoice_id} still waits for its payer after ${Math.round(ch.age_ms / 1000)} s: cancelling it at the provider`);
        pc = await client.cancelCharge(pc.id);
      }
    } catch (err) {
      if (err instanceof ProviderError && err.kind === 'rejected') {
        await withTx(pool, (c) => closeAttempt(c, ch.id, 'failed', err.code ?? 'rejected'));
        resolved++;
        continue;
      }
      log(`payments: charge ${ch.id} still unknown: ${(err as Error).message}`);
      continue;
    }
    if (!pc) {
      // The provider has no such charge: no money moved; the invoice is payable again.
      await withTx(pool, (c) => closeAttempt(c, ch.id, 'failed', 'unknown_at_provider'));
      resolved++;
      continue;
    }
    const r = await withTx(pool, (c) => applyProviderCharge(c, pc!));
    observeExitToCharge(opts.metrics, r);
    if (r.result === 'held') log(`payments: recovery scan held a charge for review: ${r.detail}`);
    if (r.result === 'applied' || r.result === 'held') resolved++;
    else if (!ch.provider_charge_id) await pool.query('UPDATE charges SET provider_charge_id = $2 WHERE id = $1 AND provider_charge_id IS NULL', [ch.id, pc.id]);
  }
  return { checked: rows.length, resolved, stillPending: rows.length - resolved };
}

/** The provider's record of an attempt, or null when there is no way to ask (nothing was ever sent with a source we know). */
async function askProvider(client: ProviderClient, ch: PendingRow): Promise<ProviderCharge | null> {
  if (ch.provider_charge_id) return client.getCharge(ch.provider_charge_id);
  if (!ch.source) return null;
  return client.createCharge(chargeRequest({ chargeId: ch.id, invoiceId: ch.invoice_id, amountFen: ch.amount_fen, source: ch.source, lotId: ch.lot_id }), ch.idempotency_key);
}
