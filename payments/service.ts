// Charging invoices so that no invoice is ever charged twice, whatever is retried, replayed or
// restarted. The guarantees, and where each comes from:
//  1. One live attempt per invoice: the invoice row is locked (FOR UPDATE) while the attempt is
//     recorded, and the partial unique index charges_one_live_per_invoice refuses a second
//     pending/succeeded charge even if that lock were bypassed.
//  2. One provider charge per attempt: the idempotency key is derived from (invoice, attempt), is
//     stored before the provider is called, and every retry (client timeout, restart) re-sends it.
//  3. No transaction is open across an HTTP call (single-connection pool; a slow provider must not
//     block the database): record → COMMIT → call the provider → record the answer.
//  4. A webhook is applied at most once (webhook_events keyed by event id) and each state change
//     is conditional on the current state, so a replay, a late webhook or the recovery scan
//     reaching the same outcome first are all no-ops.
import type { Pool, PoolClient } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { maskPlate } from '../core/plates.ts';
import { verifyWebhook } from './webhook-signature.ts';
import { ProviderError, type ProviderCharge, type ProviderClient } from './client.ts';
import { receiptNumber } from './receipt.ts';
import { addToHourlyStats, paidDeltas } from '../analytics/index.ts';

export type ChargeMethod = 'contactless' | 'online';
type Log = (msg: string) => void;

/** Deterministic: the same attempt of the same invoice always has the same key. */
export function idempotencyKeyFor(invoiceId: number, attempt: number): string {
  return `${idempotencyKeyPrefix(invoiceId)}${attempt}`;
}
const idempotencyKeyPrefix = (invoiceId: number) => `onelot-invoice-${invoiceId}-attempt-`;

/** Provider failure codes that are the payer's decline (status 'declined'); others are 'failed'. */
const DECLINE_CODES = new Set(['card_declined', 'insufficient_funds', 'expired_card', 'do_not_honor']);

async function withTx<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

export interface ChargeStarted {
  chargeId: number;
  invoiceId: number;
  status: 'pending' | 'succeeded' | 'declined' | 'failed';
  providerChargeId: string | null;
}

/**
 * Start paying an invoice. Returns once the provider has accepted the charge (status 'pending';
 * the outcome arrives by webhook). Throws 409 when the invoice is paid or being paid.
 */
export async function chargeInvoice(
  pool: Pool,
  client: ProviderClient,
  invoiceId: number,
  opts: { method: ChargeMethod; source: string },
): Promise<ChargeStarted> {
  // One statement (atomic on its own, one round trip: the embedded database is shared with ingest):
  // lock the invoice, number the attempt, record it, mark the invoice as being paid — the attempt
  // only if the invoice is payable, which the answer then explains.
  const { rows } = await pool.query<{ status: string; amount_fen: number; lot_id: string; charge_id: number | null; idempotency_key: string | null }>(
    `WITH inv AS (SELECT id, status, amount_fen, lot_id FROM invoices WHERE id = $1 FOR UPDATE),
          attempt AS (SELECT count(*)::int + 1 AS n FROM charges WHERE invoice_id = $1),
          ins AS (
            INSERT INTO charges (invoice_id, idempotency_key, amount_fen, method, status, source)
            SELECT inv.id, $4::text || attempt.n, inv.amount_fen, $2, 'pending', $3
              FROM inv, attempt WHERE inv.status = 'outstanding' AND inv.amount_fen > 0
            RETURNING id, idempotency_key),
          paying AS (UPDATE invoices SET status = 'paying' WHERE id = $1 AND EXISTS (SELECT 1 FROM ins))
     SELECT inv.status, inv.amount_fen, inv.lot_id, ins.id AS charge_id, ins.idempotency_key FROM inv LEFT JOIN ins ON true`,
    [invoiceId, opts.method, opts.source, idempotencyKeyPrefix(invoiceId)],
  ).catch((err) => {
    // The partial unique index speaks for guarantee 1 if two writers raced past the lock.
    if ((err as { code?: string }).code === '23505') throw new OneLotError('ONELOT_ERR_CONFLICT', `A payment for invoice ${invoiceId} is in progress; wait for its result before paying again.`);
    throw err;
  });
  const inv = rows[0];
  if (!inv) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Invoice ${invoiceId}`);
  if (inv.status === 'paid') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is already paid; see its receipt.`);
  if (inv.status === 'paying') throw new OneLotError('ONELOT_ERR_CONFLICT', `A payment for invoice ${invoiceId} is in progress; wait for its result before paying again.`);
  if (inv.status !== 'outstanding') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is ${inv.status} and cannot be paid.`);
  if (inv.amount_fen <= 0) throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is for ¥0.00; there is nothing to pay.`);
  const charge = { id: inv.charge_id!, key: inv.idempotency_key!, amountFen: inv.amount_fen, lotId: inv.lot_id };

  // Outside any transaction (guarantee 3).
  return sendCharge(pool, client, {
    chargeId: charge.id, invoiceId, key: charge.key, amountFen: charge.amountFen, source: opts.source, lotId: charge.lotId,
  });
}

/** The create-charge body for an attempt: the same every time it is (re)sent, as idempotency requires. */
export function chargeRequest(a: { chargeId: number; invoiceId: number; amountFen: number; source: string; lotId: string }) {
  return {
    amount_fen: a.amountFen,
    currency: 'CNY' as const,
    source: a.source,
    description: `OneLot parking, lot ${a.lotId}, invoice ${a.invoiceId}`,
    metadata: { invoice_id: String(a.invoiceId), onelot_charge_id: String(a.chargeId) },
  };
}

async function sendCharge(
  pool: Pool,
  client: ProviderClient,
  a: { chargeId: number; invoiceId: number; key: string; amountFen: number; source: string; lotId: string },
): Promise<ChargeStarted> {
  let pc: ProviderCharge;
  try {
    pc = await client.createCharge(chargeRequest(a), a.key);
  } catch (err) {
    if (err instanceof ProviderError && err.kind === 'rejected') {
      // A definite refusal (bad token, bad amount): the attempt is over, the invoice is payable again.
      await withTx(pool, (c) => closeAttempt(c, a.chargeId, 'failed', err.code ?? err.message));
      throw new OneLotError('ONELOT_ERR_VALIDATION', `the payment provider refused the payment (${err.code ?? err.message}); use another payment method`);
    }
    // Unknown outcome: keep the attempt pending; reconcilePending re-sends the same key later.
    return { chargeId: a.chargeId, invoiceId: a.invoiceId, status: 'pending', providerChargeId: null };
  }
  await pool.query('UPDATE charges SET provider_charge_id = $2, updated_at = now() WHERE id = $1 AND provider_charge_id IS NULL', [a.chargeId, pc.id]);
  return { chargeId: a.chargeId, invoiceId: a.invoiceId, status: 'pending', providerChargeId: pc.id };
}

/** pending → declined/failed, and the invoice back to outstanding. No-op unless still pending. */
async function closeAttempt(c: PoolClient, chargeId: number, status: 'declined' | 'failed', reason: string): Promise<boolean> {
  const { rows } = await c.query<{ invoice_id: number }>(
    `UPDATE charges SET status = $2, failure_reason = $3, updated_at = now() WHERE id = $1 AND status = 'pending' RETURNING invoice_id`,
    [chargeId, status, reason]);
  if (!rows[0]) return false;
  await c.query(`UPDATE invoices SET status = 'outstanding' WHERE id = $1 AND status = 'paying'`, [rows[0].invoice_id]);
  return true;
}

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

export interface WebhookResult {
  status: 'processed' | 'already processed' | 'ignored';
  eventId: string;
  detail?: string;
}

const WEBHOOK_TYPES = new Set(['charge.succeeded', 'charge.failed', 'charge.refunded']);

/**
 * Verify, dedupe and apply one provider webhook. Throws 400 for an unsigned, badly signed, stale
 * or malformed webhook (the provider will retry a genuine one; an attacker gets nothing).
 */
export async function handleWebhook(pool: Pool, rawBody: string, signatureHeader: string | undefined, secret: string, nowS?: number): Promise<WebhookResult> {
  const v = verifyWebhook(secret, rawBody, signatureHeader, { nowS });
  if (!v.ok) throw new OneLotError('ONELOT_ERR_VALIDATION', `webhook refused: ${v.reason}`);
  let event: { id?: unknown; type?: unknown; data?: { charge?: ProviderCharge } };
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
  return withTx(pool, async (c) => {
    const ins = await c.query(
      'INSERT INTO webhook_events (event_id, type, payload) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING RETURNING event_id',
      [eventId, type, rawBody]);
    // A replay: acknowledged (so the provider stops retrying) and otherwise ignored.
    if (ins.rowCount === 0) return { status: 'already processed' as const, eventId };
    if (!WEBHOOK_TYPES.has(type)) return { status: 'ignored' as const, eventId, detail: `event type ${type} is not used` };
    const r = await applyProviderCharge(c, charge!);
    if (r === 'unknown-charge') return { status: 'ignored' as const, eventId, detail: `no charge ${charge!.id} here` };
    return { status: 'processed' as const, eventId, detail: r };
  });
}

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
    if (r === 'applied') resolved++;
    else if (!ch.provider_charge_id) await pool.query('UPDATE charges SET provider_charge_id = $2 WHERE id = $1 AND provider_charge_id IS NULL', [ch.id, pc.id]);
  }
  return { checked: rows.length, resolved, stillPending: rows.length - resolved };
}

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

// ---------------------------------------------------------------------------------------------
// Contactless ("leave and go") auto-charging

export interface AutoChargeRun {
  charged: number[];
  failed: Array<{ invoiceId: number; reason: string }>;
}

export interface AutoCharger {
  /**
   * Run a pass now (after any pass already running); resolves with what this pass did. Given
   * invoice ids (just issued), the pass looks at those only; without, it scans every invoice.
   */
  poke(invoiceIds?: readonly number[]): Promise<AutoChargeRun>;
  stop(): Promise<void>;
}

/**
 * Outstanding invoices of plates with contactless on and a default payment method, never charged
 * before (one automatic try: after a decline the driver pays online, we do not keep hammering the
 * card), and never from a session under review (low-confidence plate reads never charge anyone
 * automatically — lot_billing.min_confidence).
 */
export async function findAutoChargeable(pool: Pool, limit = 100, among?: readonly number[]): Promise<Array<{ invoiceId: number; source: string }>> {
  // Among given ids: primary-key lookups. The full scan reads every outstanding invoice (tens of
  // milliseconds on a busy city, during which ingest waits for the one connection): it is the
  // safety net on a timer, not the path of every exit.
  const { rows } = await pool.query<{ id: number; token: string }>(
    `SELECT i.id, pm.token
       FROM invoices i
       JOIN sessions s ON s.id = i.session_id
       JOIN driver_plates dp ON dp.plate = i.plate AND dp.contactless
       JOIN LATERAL (SELECT token FROM payment_methods m WHERE m.driver_id = dp.driver_id AND m.is_default
                      ORDER BY m.created_at DESC, m.id DESC LIMIT 1) pm ON true
      WHERE i.status = 'outstanding' AND i.amount_fen > 0 AND s.status <> 'review'
        AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.invoice_id = i.id)
        ${among ? 'AND i.id = ANY($2::bigint[])' : ''}
      ORDER BY i.id LIMIT $1`, among ? [limit, among] : [limit]);
  return rows.map((r) => ({ invoiceId: r.id, source: r.token }));
}

/** Contactless charges in flight at once during an auto-charge pass. */
const CHARGE_CONCURRENCY = 8;

export function startAutoCharger(pool: Pool, client: ProviderClient, opts: { intervalMs: number; log?: Log; reconcileAfterMs?: number }): AutoCharger {
  const log = opts.log ?? (() => {});
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;

  // What the next pass looks at: the invoices named by pokes since the last pass, or everything.
  let hinted = new Set<number>();
  let scanAll = false;

  async function pass(): Promise<AutoChargeRun> {
    const run: AutoChargeRun = { charged: [], failed: [] };
    const among = scanAll ? undefined : [...hinted];
    hinted = new Set();
    scanAll = false;
    if (stopped || among?.length === 0) return run;
    // A few charges at once: each waits mostly on the provider's HTTP answer, not on us. Different
    // invoices only, so the one-charge-per-invoice rule is untouched.
    const queue = await findAutoChargeable(pool, among ? Math.max(100, among.length) : 100, among);
    const worker = async () => {
      for (let next = queue.shift(); next && !stopped; next = queue.shift()) {
        const { invoiceId, source } = next;
        try {
          await chargeInvoice(pool, client, invoiceId, { method: 'contactless', source });
          run.charged.push(invoiceId);
        } catch (err) {
          run.failed.push({ invoiceId, reason: (err as Error).message });
          log(`payments: contactless charge of invoice ${invoiceId} failed: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CHARGE_CONCURRENCY }, worker));
    // Attempts whose outcome we never heard (lost webhook, provider timeout) are settled here too.
    await reconcilePending(pool, client, { olderThanMs: opts.reconcileAfterMs ?? 60_000, log }).catch((err) => log(`payments: reconcile failed: ${(err as Error).message}`));
    return run;
  }

  // Passes run one after another, never overlapping. Pokes that arrive while a pass is waiting to
  // start share it (every ingest batch with contactless invoices pokes; one pass serves them all).
  let queued: Promise<AutoChargeRun> | undefined;
  const poke = (invoiceIds?: readonly number[]): Promise<AutoChargeRun> => {
    if (invoiceIds) for (const id of invoiceIds) hinted.add(id);
    else scanAll = true;
    if (queued) return queued;
    const p = chain.then(() => { queued = undefined; return pass(); });
    queued = p;
    chain = p.catch(() => {});
    return p;
  };
  const timer = setInterval(() => { poke().catch((err) => log(`payments: auto-charge pass failed: ${(err as Error).message}`)); }, opts.intervalMs);
  timer.unref();
  return {
    poke,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await chain;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Overdue reminders

export interface ReminderSent {
  invoiceId: number;
  plate: string; // masked
  amountFen: number;
  dueAt: Date;
  remindersSent: number;
  /** Masked phone of the plate's account, or null when the plate has no account. */
  recipient: string | null;
}

/**
 * Remind about invoices that are overdue (outstanding and past due_at), at most once a day each.
 * There is no SMS gateway in OneLot yet: a reminder is a log line; the count and time are kept so
 * operators see what was "sent" and a gateway can be plugged in here.
 */
export async function sendOverdueReminders(pool: Pool, now: Date = new Date(), log: Log = () => {}): Promise<ReminderSent[]> {
  // 23 h, not 24: a daily cron firing a few seconds early must not skip a day.
  const { rows } = await pool.query<{ id: number; plate: string; amount_fen: number; due_at: Date; reminders_sent: number; phone: string | null }>(
    `UPDATE invoices i SET reminders_sent = i.reminders_sent + 1, last_reminded_at = $1
      WHERE i.status = 'outstanding' AND i.due_at < $1
        AND (i.last_reminded_at IS NULL OR i.last_reminded_at <= $1::timestamptz - interval '23 hours')
      RETURNING i.id, i.plate, i.amount_fen, i.due_at, i.reminders_sent,
        (SELECT d.phone FROM driver_plates dp JOIN drivers d ON d.id = dp.driver_id WHERE dp.plate = i.plate) AS phone`,
    [now]);
  const sent = rows.map((r) => ({
    invoiceId: r.id, plate: maskPlate(r.plate), amountFen: r.amount_fen, dueAt: r.due_at, remindersSent: r.reminders_sent,
    recipient: r.phone ? `${r.phone.slice(0, 3)}****${r.phone.slice(-4)}` : null,
  }));
  for (const s of sent) {
    log(`payments: overdue reminder #${s.remindersSent} for invoice ${s.invoiceId} (${s.plate}, ${s.amountFen} fen) to ${s.recipient ?? 'no account (shown at lookup only)'} — logged only, no SMS gateway configured`);
  }
  return sent.sort((a, b) => a.invoiceId - b.invoiceId);
}
