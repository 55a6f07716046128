// The provider's webhooks: verified (signature and age, core/webhook-signature.ts), applied at
// most once (webhook_events keyed by event id: guarantee 4 of payments/charging.ts), then handed to
// provider-outcomes.ts. A notification whose amount or currency is not the charge's is acknowledged
// like any other (the provider would only retry it) and held for an operator there (guarantee 5).
import type { Pool, PoolClient } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { verifyWebhook } from '../core/webhook-signature.ts';
import type { ProviderCharge, ProviderRefund } from './client.ts';
import { applySucceeded, applyToLocked, isPlainSuccess, lockCharges, observeExitToCharge, type Outcome, type PaymentsMetrics } from './provider-outcomes.ts';
import { shortTurns } from '../core/db/short-turns.ts';
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

/**
 * Apply verified webhooks on the transaction's client, in arrival order: each recorded once
 * (guarantee 4), then applied. Set-based, so that a group costs the same few round trips whatever
 * its size: the events are recorded in one statement, their charges looked up and locked in one,
 * and the plain captures (most of them) applied in one. Anything else (a failure, a refund, a
 * mismatch, two reports of one charge) goes through applyToLocked one by one, as it always did.
 */
async function applyGroup(c: PoolClient, group: readonly Verified[]): Promise<Applied[]> {
  const { rows } = await preparedQuery(c,
    `INSERT INTO webhook_events (event_id, type, payload)
     SELECT e, t, p::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS x(e, t, p)
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [group.map((v) => v.eventId), group.map((v) => v.type), group.map((v) => v.rawBody)]);
  const recorded = new Set(rows.map((r: { event_id: string }) => r.event_id));
  const out: Applied[] = [];
  const toApply: number[] = [];
  for (const [k, { eventId, type }] of group.entries()) {
    // A replay (or a second copy in this group): acknowledged, so the provider stops retrying, and otherwise ignored.
    if (!recorded.delete(eventId)) out[k] = { result: { status: 'already processed', eventId } };
    else if (!WEBHOOK_TYPES.has(type)) out[k] = { result: { status: 'ignored', eventId, detail: `event type ${type} is not used` } };
    else toApply.push(k);
  }
  const locked = await lockCharges(c, toApply.map((k) => group[k].charge!));
  // Plain captures of charges reported once in the group go together; the rest one by one, in order.
  const times = new Map<unknown, number>();
  for (const ch of locked) if (ch) times.set(ch.id, (times.get(ch.id) ?? 0) + 1);
  const plain = toApply.flatMap((k, j) => {
    const ch = locked[j];
    return ch && isPlainSuccess(ch, group[k].charge!) && times.get(ch.id) === 1 ? [{ k, ch, pc: group[k].charge! }] : [];
  });
  const outcomes = await applySucceeded(c, plain);
  plain.forEach(({ k }, j) => { out[k] = applied(group[k], outcomes[j]); });
  for (const [j, k] of toApply.entries()) {
    if (out[k]) continue;
    const v = group[k];
    // charge.refunded names the refund it reports (data.refund), so a partial refund applies only its amount.
    const refund = v.type === 'charge.refunded' && typeof v.refund?.id === 'string' ? v.refund : undefined;
    out[k] = applied(v, await applyToLocked(c, locked[j], v.charge!, refund));
  }
  return out;
}

/** What the provider is answered for a webhook applied with `outcome`. */
function applied(v: Verified, outcome: Outcome): Applied {
  const { eventId } = v;
  if (outcome.result === 'unknown-charge') return { result: { status: 'ignored', eventId, detail: `no charge ${v.charge!.id} here` } };
  if (outcome.result === 'held') return { result: { status: 'held', eventId, detail: outcome.detail }, outcome };
  return { result: { status: 'processed', eventId, detail: outcome.result }, outcome };
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
        let results: Applied[];
        try {
          // A turn between ingest's batches, not a place in the pool's queue behind them (core/db/short-turns.ts).
          results = await shortTurns(this.pool).tx((c) => applyGroup(c, group.map(({ v }) => v)));
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
        item.resolve((await shortTurns(this.pool).tx((c) => applyGroup(c, [item.v])))[0]);
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
