// Contactless ("leave and go") auto-charging: as an invoice of a contactless plate is issued, charge
// the driver's default payment method once, through the same chargeInvoice as an online payment (so
// every rule of payments/charging.ts holds); a timer scans for any it missed.
import type { Pool } from '../core/db/index.ts';
import { preparedOnPool } from '../core/db/prepared.ts';
import type { ProviderClient } from './client.ts';
import { noContactlessAttempt, recordContactlessAttempts, sendContactlessAttempts, type ContactlessStart } from './charging.ts';
import { reconcilePending } from './reconcile.ts';
import type { PaymentsMetrics } from './provider-outcomes.ts';

type Log = (msg: string) => void;

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
 * automatically before (one automatic try: after a decline the driver pays online, we do not keep
 * hammering the card), and never from a session under review (low-confidence plate reads never
 * charge anyone automatically — lot_billing.min_confidence), nor on a plate not certain (docs/plates.md). Only the invoice's own contactless
 * attempts count: anyone may try to pay an invoice online without an account (a bogus token, a
 * declined card), and none of that may cost its owner the automatic charge.
 */
// The given invoices by primary key, planned apart (OFFSET 0): without statistics (the embedded
// database never analyzes) the planner ANDed the ids with the whole outstanding-invoice index
// (49,000 entries read to find 300 invoices, ~16 ms a pass on the connection ingest shares).
const AMONG = '(SELECT * FROM invoices WHERE id = ANY($2::bigint[]) OFFSET 0)';

export async function findAutoChargeable(pool: Pool, limit = 100, among?: readonly number[]): Promise<Array<{ invoiceId: number; source: string }>> {
  // Among given ids: primary-key lookups. The full scan reads every outstanding invoice (tens of
  // milliseconds on a busy city, during which ingest waits for the one connection): it is the
  // safety net on a timer, not the path of every exit.
  // Named: the five-table join planned in ~20 ms on the embedded database, more than it ran.
  const { rows } = await preparedOnPool(pool,
    `SELECT i.id, pm.token
       FROM ${among ? AMONG : 'invoices'} i
       JOIN sessions s ON s.id = i.session_id
       JOIN driver_plates dp ON dp.plate = i.plate AND dp.contactless AND s.entry_time >= dp.claimed_at  -- never a stay from before the claim
       JOIN LATERAL (SELECT token FROM payment_methods m WHERE m.driver_id = dp.driver_id AND m.is_default
                      ORDER BY m.created_at DESC, m.id DESC LIMIT 1) pm ON true
      WHERE i.status = 'outstanding' AND i.amount_fen > 0 AND s.status <> 'review' AND i.plate_certain  -- plate rule: never on an uncertain plate
        AND ${noContactlessAttempt('i')}
      ORDER BY i.id LIMIT $1`, among ? [limit, among] : [limit]);
  return rows.map((r: { id: number; token: string }) => ({ invoiceId: r.id, source: r.token }));
}

/** Provider calls in flight at once during an auto-charge pass (each waits on the provider's HTTP answer). */
const CHARGE_CONCURRENCY = 16;

export function startAutoCharger(
  pool: Pool, client: ProviderClient, opts: { intervalMs: number; log?: Log; reconcileAfterMs?: number; cancelPendingAfterMs?: number; metrics?: PaymentsMetrics },
): AutoCharger {
  const log = opts.log ?? (() => {});
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;

  // What the next pass looks at: the invoices named by pokes since the last pass, or everything.
  let hinted = new Set<number>();
  let scanAll = false;

  /**
   * A pass in two parts. Its statement part (find the invoices, record their attempts) runs after
   * the previous pass's; its provider part (the calls, the provider's ids, the recovery scan) runs
   * beside the next pass's statements: at 200 contactless exits a second, a pass waiting for the
   * previous one's provider answers as well left its invoices waiting seconds for their charge.
   * Passes never pick the same invoice: an attempt is recorded, and the invoice 'paying', before
   * the next pass looks (and the record statement re-checks under its lock).
   */
  async function record(): Promise<{ run: AutoChargeRun; sending: Promise<ContactlessStart[]>; full: boolean }> {
    const run: AutoChargeRun = { charged: [], failed: [] };
    const among = scanAll ? undefined : [...hinted];
    hinted = new Set();
    scanAll = false;
    if (stopped || among?.length === 0) return { run, sending: Promise.resolve([]), full: false };
    const queue = await findAutoChargeable(pool, among ? Math.max(100, among.length) : 100, among);
    const { refused, toSend } = stopped ? { refused: [], toSend: [] } : await recordContactlessAttempts(pool, queue);
    return { run, sending: sendContactlessAttempts(pool, client, toSend, CHARGE_CONCURRENCY).then((sent) => [...refused, ...sent]), full: !among };
  }

  async function finish({ run, sending, full }: Awaited<ReturnType<typeof record>>): Promise<AutoChargeRun> {
    for (const r of await sending) {
      if ('started' in r) run.charged.push(r.invoiceId);
      else {
        run.failed.push({ invoiceId: r.invoiceId, reason: r.error });
        log(`payments: contactless charge of invoice ${r.invoiceId} failed: ${r.error}`);
      }
    }
    run.charged.sort((a, b) => a - b);
    // Attempts whose outcome we never heard (lost webhook, provider timeout) are settled by the full
    // scan's passes (the timer's), not by every hinted one: the recovery scan looks only at attempts a
    // minute old, and on every batch with a contactless exit it was one more statement waiting behind
    // ingest's on the shared connection.
    if (full && !stopped) await reconcilePending(pool, client, { olderThanMs: opts.reconcileAfterMs ?? 60_000, cancelAfterMs: opts.cancelPendingAfterMs, log, metrics: opts.metrics }).catch((err) => log(`payments: reconcile failed: ${(err as Error).message}`));
    return run;
  }

  // Passes' statement parts run one after another. Pokes that arrive while a pass waits to start
  // share it (every ingest batch with contactless invoices pokes; one pass serves them all).
  let queued: Promise<AutoChargeRun> | undefined;
  const finishing = new Set<Promise<unknown>>();
  const poke = (invoiceIds?: readonly number[]): Promise<AutoChargeRun> => {
    if (invoiceIds) for (const id of invoiceIds) hinted.add(id);
    else scanAll = true;
    if (queued) return queued;
    const recorded = chain.then(() => { queued = undefined; return record(); });
    chain = recorded.catch(() => {});
    const p = recorded.then(finish);
    queued = p;
    const settled = p.catch(() => {});
    finishing.add(settled);
    void settled.then(() => finishing.delete(settled));
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
      await Promise.all(finishing);
    },
  };
}
