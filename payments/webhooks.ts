// The provider's webhooks: verified (signature and age, core/webhook-signature.ts), applied at
// most once (webhook_events keyed by event id: guarantee 4 of payments/charging.ts), then handed to
// provider-outcomes.ts. A notification whose amount or currency is not the charge's is acknowledged
// like any other (the provider would only retry it) and held for an operator there (guarantee 5).
import type { Pool, PoolClient } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { verifyWebhook } from '../core/webhook-signature.ts';
import type { ProviderCharge, ProviderRefund } from './client.ts';
import { applyProviderCharge, observeExitToCharge, type Outcome, type PaymentsMetrics } from './provider-outcomes.ts';
import { withTx } from '../core/db/tx.ts';
import { preparedQuery } from '../core/db/prepared.ts';

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
  const applied = await applyGrouped(pool, { eventId: event.id, type: event.type, rawBody, charge, refund: event.data?.refund });
  observeExitToCharge(opts.metrics, applied.outcome);
  return applied.result;
}

/** A verified webhook, waiting for its turn in a group transaction. */
interface Verified { eventId: string; type: string; rawBody: string; charge?: ProviderCharge; refund?: ProviderRefund }
interface Applied { result: WebhookResult; outcome?: Outcome }

/** Apply one verified webhook on the transaction's client: recorded once (guarantee 4), then applied. */
async function applyOne(c: PoolClient, v: Verified, done: (a: Applied) => void): Promise<void> {
  const { eventId, type } = v;
  const ins = await preparedQuery(c,
    'INSERT INTO webhook_events (event_id, type, payload) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING RETURNING event_id',
    [eventId, type, v.rawBody]);
  // A replay: acknowledged (so the provider stops retrying) and otherwise ignored.
  if (ins.rowCount === 0) return done({ result: { status: 'already processed', eventId } });
  if (!WEBHOOK_TYPES.has(type)) return done({ result: { status: 'ignored', eventId, detail: `event type ${type} is not used` } });
  // charge.refunded names the refund it reports (data.refund), so a partial refund applies only its amount.
  const refund = type === 'charge.refunded' && typeof v.refund?.id === 'string' ? v.refund : undefined;
  const outcome = await applyProviderCharge(c, v.charge!, refund);
  if (outcome.result === 'unknown-charge') return done({ result: { status: 'ignored', eventId, detail: `no charge ${v.charge!.id} here` } });
  if (outcome.result === 'held') return done({ result: { status: 'held', eventId, detail: outcome.detail }, outcome });
  done({ result: { status: 'processed', eventId, detail: outcome.result }, outcome });
}

/** Most webhooks in one group transaction. */
const GROUP_MAX = 200;

/**
 * Group commit for webhooks, as ingest does for device events: those that arrive while a group is
 * being applied wait and go together in the next transaction, each still applied at most once and
 * conditionally (guarantee 4), and each answered only after the commit. At 200 contactless charges
 * a second, one transaction each was 200 BEGIN/COMMITs (and disk flushes) a second on the one
 * connection ingest shares, each waiting in the pool behind an ingest batch. If a group fails,
 * its webhooks are applied again one transaction each, so one bad event fails only its own request.
 */
class WebhookGroups {
  private queue: Array<{ v: Verified; resolve: (a: Applied) => void; reject: (err: unknown) => void }> = [];
  private running = false;

  constructor(private readonly pool: Pool) {}

  apply(v: Verified): Promise<Applied> {
    return new Promise((resolve, reject) => {
      this.queue.push({ v, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        const group = this.queue.splice(0, GROUP_MAX);
        const results: Applied[] = [];
        try {
          await withTx(this.pool, async (c) => {
            for (const { v } of group) await applyOne(c, v, (a) => results.push(a));
          });
        } catch (err) {
          // Rolled back as a whole: again, one transaction each (a group of one has had its try).
          if (group.length === 1) group[0].reject(err);
          else await this.oneByOne(group);
          continue;
        }
        group.forEach((item, k) => item.resolve(results[k]));
      }
    } finally {
      this.running = false;
    }
  }

  private async oneByOne(group: WebhookGroups['queue']): Promise<void> {
    for (const item of group) {
      try {
        let applied: Applied | undefined;
        await withTx(this.pool, (c) => applyOne(c, item.v, (a) => { applied = a; }));
        item.resolve(applied!);
      } catch (err) {
        item.reject(err);
      }
    }
  }
}

const groups = new WeakMap<Pool, WebhookGroups>();
function applyGrouped(pool: Pool, v: Verified): Promise<Applied> {
  let g = groups.get(pool);
  if (!g) groups.set(pool, g = new WebhookGroups(pool));
  return g.apply(v);
}
