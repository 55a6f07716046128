// The provider's webhooks: verified (signature and age, core/webhook-signature.ts), applied at
// most once (webhook_events keyed by event id: guarantee 4 of payments/charging.ts), then handed to
// provider-outcomes.ts. A notification whose amount or currency is not the charge's is acknowledged
// like any other (the provider would only retry it) and held for an operator there (guarantee 5).
import type { Pool } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { verifyWebhook } from '../core/webhook-signature.ts';
import type { ProviderCharge, ProviderRefund } from './client.ts';
import { applyProviderCharge, observeExitToCharge, type Outcome, type PaymentsMetrics } from './provider-outcomes.ts';
import { withTx } from '../core/db/tx.ts';

export interface WebhookResult {
  /** 'held': verified, but its amount or currency is not the charge's (detail says both): nothing applied. */
  status: 'processed' | 'already processed' | 'ignored' | 'held';
  eventId: string;
  detail?: string;
}

const WEBHOOK_TYPES = new Set(['charge.succeeded', 'charge.failed', 'charge.refunded']);

/**
 * Verify, dedupe and apply one provider webhook. Throws 400 for an unsigned, badly signed, stale
 * or malformed webhook (the provider will retry a genuine one; an attacker gets nothing).
 */
export async function handleWebhook(
  pool: Pool, rawBody: string, signatureHeader: string | undefined, secret: string,
  opts: { nowS?: number; metrics?: PaymentsMetrics } = {},
): Promise<WebhookResult> {
  const v = verifyWebhook(secret, rawBody, signatureHeader, { nowS: opts.nowS });
  if (!v.ok) throw new OneLotError('ONELOT_ERR_VALIDATION', `webhook refused: ${v.reason}`);
  let event: { id?: unknown; type?: unknown; data?: { charge?: ProviderCharge; refund?: ProviderRefund } };
  try {
    event = JSON.parse(rawBody);
  } catch {
    throw new OneLotError('ONELOT_ERR_VALIDATION', 'webhook refused: the body is not JSON');
  }
  const charge = event.data?.charge;
  if (typeof event.id !== 'string' || typeof event.type !== 'string') throw new OneLotError('ONELOT_ERR_VALIDATION', 'webhook refused: expected {id, type, data}');
  if (WEBHOOK_TYPES.has(event.type) && (!charge || typeof charge.id !== 'string')) {
    throw new OneLotError('ONELOT_ERR_VALIDATION', `webhook refused: a ${event.type} event needs data.charge with an id`);
  }
  const eventId = event.id;
  const type = event.type;
  let applied: Outcome | undefined;
  const result = await withTx(pool, async (c) => {
    const ins = await c.query(
      'INSERT INTO webhook_events (event_id, type, payload) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING RETURNING event_id',
      [eventId, type, rawBody]);
    // A replay: acknowledged (so the provider stops retrying) and otherwise ignored.
    if (ins.rowCount === 0) return { status: 'already processed' as const, eventId };
    if (!WEBHOOK_TYPES.has(type)) return { status: 'ignored' as const, eventId, detail: `event type ${type} is not used` };
    // charge.refunded names the refund it reports (data.refund), so a partial refund applies only its amount.
    const refund = type === 'charge.refunded' && typeof event.data?.refund?.id === 'string' ? event.data.refund : undefined;
    applied = await applyProviderCharge(c, charge!, refund);
    if (applied.result === 'unknown-charge') return { status: 'ignored' as const, eventId, detail: `no charge ${charge!.id} here` };
    if (applied.result === 'held') return { status: 'held' as const, eventId, detail: applied.detail };
    return { status: 'processed' as const, eventId, detail: applied.result };
  });
  observeExitToCharge(opts.metrics, applied);
  return result;
}
