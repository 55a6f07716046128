// Contactless ("leave and go") auto-charging: as an invoice of a contactless plate is issued, charge
// the driver's default payment method once, through the same chargeInvoice as an online payment (so
// every rule of payments/charging.ts holds); a timer scans for any it missed.
import type { Pool, PoolClient } from '../core/db/index.ts';
import { preparedQuery } from '../core/db/prepared.ts';
import type { ProviderClient } from './client.ts';
import { noContactlessAttempt, recordAttemptsOf, recordAttemptsOn, recordContactlessAttempts, sendContactlessAttempts, type ContactlessStart, type RecordedAttempt } from './charging.ts';
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
  /** Send attempts recorded elsewhere (behind the ingest COMMIT that issued their invoices: contactless-hook.ts). */
  send(attempts: readonly RecordedAttempt[]): Promise<AutoChargeRun>;
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

/**
 * The rules above, on invoices `i` from `source`: the chargeable ones, by id. The plate's
 * contactless flag is looked at first (fenced with OFFSET 0, a primary-key probe of driver_plates):
 * without statistics the planner read every invoice's session first, ~26 µs each, to find the few
 * whose plate is contactless.
 */
const chargeableFrom = (source: string) => `SELECT i.id, pm.token
       FROM (SELECT i.*, dp.driver_id, dp.claimed_at FROM ${source} i JOIN driver_plates dp ON dp.plate = i.plate AND dp.contactless
              WHERE i.status = 'outstanding' AND i.amount_fen > 0 AND i.plate_certain OFFSET 0) i  -- plate rule: never on an uncertain plate
       JOIN sessions s ON s.id = i.session_id AND s.entry_time >= i.claimed_at  -- never a stay from before the claim
       JOIN LATERAL (SELECT token FROM payment_methods m WHERE m.driver_id = i.driver_id AND m.is_default
                      ORDER BY m.created_at DESC, m.id DESC LIMIT 1) pm ON true
      WHERE s.status <> 'review' AND ${noContactlessAttempt('i')}
      ORDER BY i.id`;

type Chargeable = { invoiceId: number; source: string };

/** The chargeable invoices of `source` ($2), at most $1, as the rows recordAttemptsOf wants. */
const chosenFrom = (source: string) => `SELECT id AS invoice_id, token AS source FROM (${chargeableFrom(source)} LIMIT $1) c`;

/**
 * Among the given invoices (just issued; primary-key lookups): the chargeable ones, at most
 * `limit`, chosen and their attempts recorded in one statement (charging.ts recordAttemptsOf).
 */
export function recordAutoChargeable(pool: Pool, limit: number, among: readonly number[]): ReturnType<typeof recordAttemptsOf> {
  return recordAttemptsOf(pool, chosenFrom(AMONG), [limit, among]);
}

/**
 * The chargeable invoices of the given sessions, their attempts recorded, in one statement on the
 * caller's client: right behind the ingest COMMIT that issued them (contactless-hook.ts).
 */
export function recordAutoChargeableOfSessions(client: PoolClient, sessionIds: readonly number[]): ReturnType<typeof recordAttemptsOn> {
  return recordAttemptsOn(client, chosenFrom('(SELECT * FROM invoices WHERE session_id = ANY($2::bigint[]) OFFSET 0)'), [sessionIds.length, sessionIds]);
}

/**
 * A plate's outstanding invoices: what may have become chargeable when its driver turned contactless
 * on, to poke by id instead of sweeping every outstanding invoice of the city.
 */
export async function outstandingOf(pool: Pool, plate: string): Promise<number[]> {
  const { rows } = await pool.query<{ id: number }>(`SELECT id FROM invoices WHERE plate = $1 AND status = 'outstanding'`, [plate]);
  return rows.map((r) => Number(r.id));
}

/** Invoice ids one statement of the safety-net scan looks at (the outstanding ones among them). */
const SWEEP_SLICE = 500;

/**
 * The safety net: the outstanding invoices with ids in (from, from + slice], then the next range,
 * at most `slices` statements or until `limit` are found (the partial index of migration 031 reads
 * only outstanding ones). In one statement the scan read every outstanding invoice while ingest
 * waited for the one connection: 139 ms of execution and 21 of planning with 9,000 outstanding,
 * every 10 s, and more as a city's pay-after-exit invoices pile up. A range of ids, not "the next
 * N": without statistics the planner read every outstanding invoice after the cursor to sort them.
 * `next`: where the following sweep goes on (0 once no outstanding invoice is left after it).
 */
export async function sweepAutoChargeable(pool: Pool, o: { limit: number; from: number; slices: number; slice?: number }): Promise<{ found: Chargeable[]; next: number }> {
  const found: Chargeable[] = [];
  // One client for the whole sweep: its statements are short, but each waiting for its own turn
  // behind ingest's batches made a timer pass 16 waits long (~2 s at 2,000 exits/s), and the
  // passes of the invoices just issued queued behind it.
  const client = await pool.connect();
  try {
    const width = o.slice ?? SWEEP_SLICE;
    let from = o.from;
    for (let n = 0; n < o.slices && found.length < o.limit; n++) {
      // Each range starts at the next outstanding invoice (one probe of the partial index): a year of
      // paid invoices' ids is skipped, not walked a range at a time.
      const start = (await preparedQuery(client, `SELECT min(id) AS id FROM invoices WHERE status = 'outstanding' AND id > $1`, [from])).rows[0].id;
      if (start === null) return { found, next: 0 };
      from = Number(start) - 1;
      const { rows } = await preparedQuery(client,
        `${chargeableFrom('(SELECT * FROM invoices WHERE status = \'outstanding\' AND id > $2 AND id <= $3 OFFSET 0)')} LIMIT $1`,
        [o.limit - found.length, from, from + width]);
      for (const r of rows as Array<{ id: number; token: string }>) found.push({ invoiceId: Number(r.id), source: r.token });
      from += width;
    }
    return { found, next: from };
  } finally {
    client.release();
  }
}

/**
 * Slices a timer pass sweeps (every 10 s by default), each from the next outstanding invoice: with
 * 50,000 outstanding, each is looked at every ~2 minutes or sooner, and each pass costs the
 * connection a few short statements instead of one long one.
 */
const TIMER_SLICES = 8;

/** Provider calls in flight at once during an auto-charge pass (each waits on the provider's HTTP answer). */
const CHARGE_CONCURRENCY = 16;

export function startAutoCharger(
  pool: Pool, client: ProviderClient, opts: { intervalMs: number; log?: Log; reconcileAfterMs?: number; cancelPendingAfterMs?: number; metrics?: PaymentsMetrics },
): AutoCharger {
  const log = opts.log ?? (() => {});
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;

  // What the next pass looks at: the invoices named by pokes since the last pass, or a sweep of
  // all (a poke without ids) or of the next few slices (the timer's; `cursor` is where it is).
  let hinted = new Set<number>();
  let sweep: 'none' | 'timer' | 'all' = 'none';
  let cursor = 0;

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
    const among = [...hinted];
    const sweeping = sweep;
    hinted = new Set();
    sweep = 'none';
    if (stopped || (sweeping === 'none' && among.length === 0)) return { run, sending: Promise.resolve([]), full: false };
    // The invoices just issued first, and a sweep's as well when one is due: a sweep that took the
    // hints' place left them to the sweep's cursor, minutes away (bench:billing found ~10 % of a
    // phase's contactless exits never charged within its 12 s).
    const recorded = among.length ? await recordAutoChargeable(pool, Math.max(100, among.length), among) : { refused: [], toSend: [] };
    if (sweeping !== 'none' && !stopped) {
      // A poke without ids (contactless just turned on, a test) sweeps everything; the timer's
      // pass goes on from where the last one stopped, a few slices at a time.
      const timerSweep = sweeping === 'timer';
      const swept = await sweepAutoChargeable(pool, { limit: 100, from: timerSweep ? cursor : 0, slices: timerSweep ? TIMER_SLICES : Infinity });
      if (timerSweep) cursor = swept.next;
      const hintedIds = new Set(among);
      const more = stopped ? { refused: [], toSend: [] } : await recordContactlessAttempts(pool, swept.found.filter((c) => !hintedIds.has(c.invoiceId)));
      recorded.refused.push(...more.refused);
      recorded.toSend.push(...more.toSend);
    }
    const { refused, toSend } = recorded;
    return { run, sending: sendContactlessAttempts(pool, client, toSend, CHARGE_CONCURRENCY).then((sent) => [...refused, ...sent]), full: sweeping !== 'none' };
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
  // What stop() waits for: passes' and sends' provider parts still running.
  const finishing = new Set<Promise<unknown>>();
  const tracked = (p: Promise<AutoChargeRun>): Promise<AutoChargeRun> => {
    const settled = p.catch(() => {});
    finishing.add(settled);
    void settled.then(() => finishing.delete(settled));
    return p;
  };
  const poke = (invoiceIds?: readonly number[], timer = false): Promise<AutoChargeRun> => {
    if (invoiceIds) for (const id of invoiceIds) hinted.add(id);
    else sweep = timer && sweep !== 'all' ? 'timer' : 'all';
    if (queued) return queued;
    const recorded = chain.then(() => { queued = undefined; return record(); });
    chain = recorded.catch(() => {});
    queued = tracked(recorded.then(finish));
    return queued;
  };
  // Beside the passes: these attempts are recorded already, and a pass never picks an invoice
  // with a live attempt.
  const send = (attempts: readonly RecordedAttempt[]): Promise<AutoChargeRun> => {
    const run: AutoChargeRun = { charged: [], failed: [] };
    if (stopped || !attempts.length) return Promise.resolve(run); // the recovery scan re-sends them
    return tracked(finish({ run, sending: sendContactlessAttempts(pool, client, attempts, CHARGE_CONCURRENCY), full: false }));
  };
  const timer = setInterval(() => { poke(undefined, true).catch((err) => log(`payments: auto-charge pass failed: ${(err as Error).message}`)); }, opts.intervalMs);
  timer.unref();
  return {
    poke: (invoiceIds) => poke(invoiceIds),
    send,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await chain;
      await Promise.all(finishing);
    },
  };
}
