// The recovery scan: settles charges whose outcome we never heard, by asking the provider with the
// attempt's own idempotency key (guarantee 2 of payments/charging.ts). Run at start (what a crash
// left half-done) and after every auto-charge pass.
import type { Pool } from '../core/db/index.ts';
import { ProviderError, type ProviderCharge, type ProviderClient } from './client.ts';
import { chargeRequest, closeAttempt } from './charging.ts';
import { applyProviderCharge } from './provider-outcomes.ts';
import { withTx } from './tx.ts';

type Log = (msg: string) => void;

export interface ReconcileResult {
  checked: number;
  resolved: number;
  stillPending: number;
}

/**
 * The recovery scan for charges left 'pending' (a crash between COMMIT and the provider's answer,
 * a lost webhook, a provider timeout). Asks the provider, never guesses: GET the charge when we
 * know its id, otherwise re-send the create with the SAME key and body, which returns the charge
 * the provider already has (or makes the one it never received): either way exactly one.
 */
export async function reconcilePending(pool: Pool, client: ProviderClient, opts: { olderThanMs?: number; log?: Log } = {}): Promise<ReconcileResult> {
  const log = opts.log ?? (() => {});
  const { rows } = await pool.query<{ id: number; invoice_id: number; idempotency_key: string; provider_charge_id: string | null; amount_fen: number; source: string | null; lot_id: string }>(
    `SELECT c.id, c.invoice_id, c.idempotency_key, c.provider_charge_id, c.amount_fen, c.source, i.lot_id
       FROM charges c JOIN invoices i ON i.id = c.invoice_id
      WHERE c.status = 'pending' AND c.created_at <= now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY c.id LIMIT 500`, [opts.olderThanMs ?? 0]);
  let resolved = 0;
  for (const ch of rows) {
    let pc: ProviderCharge | null;
    try {
      if (ch.provider_charge_id) {
        pc = await client.getCharge(ch.provider_charge_id);
      } else if (ch.source) {
        pc = await client.createCharge(chargeRequest({ chargeId: ch.id, invoiceId: ch.invoice_id, amountFen: ch.amount_fen, source: ch.source, lotId: ch.lot_id }), ch.idempotency_key);
      } else {
        pc = null; // no way to ask: nothing was ever sent with a source we know
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
    if (r.result === 'held') log(`payments: recovery scan held a charge for review: ${r.detail}`);
    if (r.result === 'applied' || r.result === 'held') resolved++;
    else if (!ch.provider_charge_id) await pool.query('UPDATE charges SET provider_charge_id = $2 WHERE id = $1 AND provider_charge_id IS NULL', [ch.id, pc.id]);
  }
  return { checked: rows.length, resolved, stillPending: rows.length - resolved };
}
