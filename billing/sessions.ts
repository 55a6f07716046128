// Sessions and invoices from device events, inside the ingest transaction (ingest/writer.ts
// BatchHook): the same commit that stores an exit stores the closed session and its invoice, so a
// PUBACK means "billed", and a crash loses neither or both. Thin I/O around the pure rules in
// billing/session-rules.ts and the tariff engine in billing/tariff.ts.
//
// Per batch, a fixed number of set-based statements whatever its size (up to INGEST_BATCH_MAX
// events): load what the events can touch (3 selects), write sessions (insert + update),
// exceptions, invoices. Fees are computed in memory from cached tariffs. The hook's steps are
// here (load, plan, write); the statements are in billing/session-store.ts, the cached tariffs
// and lot rules in billing/billing-book.ts.
import { EventEmitter } from 'node:events';
import type { BatchHook, BatchNotes, IngestEvent } from '../core/ingest-events.ts';
import type { IssuedInvoice } from '../core/changes.ts';
import type { Metrics } from '../core/metrics.ts';
import type { BayCameraMessage, GateCameraMessage, OccupancyMessage, StoredPlateRead } from '../core/protocol.ts';
import { BillingBook, DEFAULT_LOT_RULES } from './billing-book.ts';
import { planBatch, settleStale, type SessionRecord, type SessionEvent, type PendingExit } from './session-rules.ts';
import { loadContext, loadStalePending, writePlan, type Fees, type Queryable } from './session-store.ts';
import { withTx } from '../core/db/tx.ts';
import type { Pool } from '../core/db/index.ts';

export interface SessionHookOptions {
  /** Config INVOICE_DUE_DAYS: an unpaid invoice is overdue this many days after it is issued. */
  dueDays: number;
  /** Config PLATE_HOME_PROVINCE: the province of the city's own plates (plate rule 3). */
  homeProvince?: string;
  log?: { warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };
  /**
   * Gives lots that have no tariff one (the demo seed's defaults), before the lots' billing is
   * read; called again when an event names a lot added since. Without it such lots are not billed.
   */
  ensureTariffs?: (q: Queryable) => Promise<void>;
  /** Where issued invoices are counted and timed (core/metrics.ts); also settable later on the hook. */
  metrics?: BillingMetrics;
}

/** What the hook reports to the platform's metrics, after commit. */
export type BillingMetrics = Pick<Metrics, 'invoicesIssued' | 'exitToInvoiceSeconds'>;

export interface SessionHookEvents {
  /** Invoices of a committed batch. A hint only: the payments worker also scans the database. */
  issued: [IssuedInvoice[]];
}

export interface SessionHook extends BatchHook<SessionBatchRead, SessionBatchPlan> {
  book: BillingBook;
  /** Notified after commit; see SessionHookEvents. */
  events: EventEmitter<SessionHookEvents>;
  /** Reload tariffs and lot rules (after an operator changes them). */
  reload(q: Queryable): Promise<void>;
  stats: { batches: number; sessionsOpened: number; sessionsClosed: number; invoices: number; exceptions: number };
  /** Set by whoever composes the platform once its metrics exist (undefined: not measured). */
  metrics?: BillingMetrics;
}

/** Turn ingest events into session events; heartbeats and garage bay sensors do not make sessions. */
export function toSessionEvents(events: readonly IngestEvent[], book: BillingBook): SessionEvent[] {
  const out: SessionEvent[] = [];
  for (const e of events) {
    if (!e.lotId) continue;
    const base = { lotId: e.lotId, deviceId: e.deviceId, seq: e.seq, time: e.eventTime };
    if (e.type === 'gate') {
      const m = e.payload as GateCameraMessage & StoredPlateRead;
      out.push({ ...base, kind: 'gate', direction: m.direction, plateRead: m.plate, confidence: m.confidence ?? null, plateColor: m.plateColor ?? null, plateAsRead: m.plateAsRead ?? null });
    } else if (e.type === 'bay' && e.bayCode) {
      const m = e.payload as BayCameraMessage & StoredPlateRead;
      out.push({ ...base, kind: 'camera', bayCode: e.bayCode, occupied: m.occupied, plateRead: m.plate ?? null, confidence: m.confidence ?? null, plateColor: m.plateColor ?? null, plateAsRead: m.plateAsRead ?? null });
    } else if (e.type === 'occupancy' && e.bayCode && book.lots.get(e.lotId)?.kind === 'street') {
      // Street bays only: a garage bay's occupancy belongs to no session (the gate bills the stay).
      out.push({ ...base, kind: 'sensor', bayCode: e.bayCode, occupied: (e.payload as OccupancyMessage).occupied });
    }
  }
  return out;
}

/** What the session hook read for a batch (its load step). */
export interface SessionBatchRead { sessionEvents: SessionEvent[]; known: SessionRecord[]; pending: PendingExit[] }
/** What it decided (its plan step): sessions to write, priced. */
export interface SessionBatchPlan { sessionEvents: SessionEvent[]; plan: ReturnType<typeof planBatch>; fees: Fees }

/**
 * The ingest hook. Per batch: load (loadBatch), plan and price (planAndPrice), then write the plan
 * (billing/session-store.ts writePlan). The writer may run load and plan while it stores the events
 * and pass the plan in (see BatchHook).
 */
export function createSessionHook(opts: SessionHookOptions): SessionHook {
  const book = new BillingBook(opts.homeProvince);
  const events = new EventEmitter<SessionHookEvents>();
  const stats = { batches: 0, sessionsOpened: 0, sessionsClosed: 0, invoices: 0, exceptions: 0 };
  const reloads = { lastMiss: 0 };
  // A batch's session events as `concerns` found them, for its load step: the same book, the same
  // answer (concerns computes them only once the book is loaded and knows every lot of the batch).
  const judged = new WeakMap<IngestEvent[], SessionEvent[]>();
  const load = (client: Queryable, batch: IngestEvent[]): Promise<SessionBatchRead> => loadBatch(client, batch, book, opts, reloads, judged.get(batch));
  const plan = (read: SessionBatchRead): SessionBatchPlan => planAndPrice(read, book);

  const hook = (async (client, fresh, planned?: SessionBatchPlan, lastIssued?: () => void, notes?: BatchNotes) => {
    if (!fresh.length) return;
    // Without a plan made while the events were stored (see BatchHook), read and plan now.
    const { sessionEvents, plan: p, fees } = planned ?? plan(await load(client, fresh));
    if (!sessionEvents.length) return;
    stats.batches++;
    // The sessions whose invoices may be charged automatically (payments records their attempts
    // right behind the COMMIT): closed on a certain plate. A session created and closed in this
    // batch has no id yet; its invoice gets the hint after COMMIT.
    if (notes) for (const s of [...p.closedWithPlate.filter((c) => fees.has(c)), ...p.settled]) if (s.id !== undefined && s.status === 'closed' && s.plateCertainty === 'certain') notes.invoicing.push(Number(s.id));
    const { issued, settled, opened, closed } = await writePlan(client, p, fees, opts.dueDays, lastIssued);
    stats.sessionsOpened += opened;
    stats.sessionsClosed += closed;
    stats.invoices += issued.length;
    stats.exceptions += p.exceptions.length;
    if (!issued.length && !settled.length) return;
    // Exit → invoice is timed from the broker's receipt of the exit, for exits billed in the batch
    // that brought them (an exit matched later, to an entry that arrived after it, is counted only).
    return () => {
      const metrics = hook.metrics;
      if (metrics) {
        const now = Date.now();
        const receivedAt = new Map(fresh.map((e) => [`${e.deviceId}\u0000${e.seq}`, e.receivedAt.getTime()]));
        metrics.invoicesIssued.inc(issued.length);
        for (const i of issued) {
          const at = receivedAt.get(`${i.exitDevice}\u0000${i.exitSeq}`);
          if (at !== undefined) metrics.exitToInvoiceSeconds.observe((now - at) / 1000);
        }
      }
      // A street stay whose plate became certain is billable now: the same hint as an issued invoice.
      const all = [...issued, ...settled];
      for (const i of all) if (notes?.charging.has(i.sessionId)) i.chargeRecorded = true;
      if (events.listenerCount('issued')) events.emit('issued', all);
    };
  }) as SessionHook;

  hook.load = load;
  hook.plan = plan;
  // A batch of garage sensors' words (or only heartbeats) has nothing for sessions. Until the book
  // is loaded, or with a lot it has not seen, the load step decides (it loads the book first).
  hook.concerns = (batch) => {
    if (!book.loaded || batch.some((e) => e.lotId !== null && !book.lots.has(e.lotId))) return true;
    const sessionEvents = toSessionEvents(batch, book);
    judged.set(batch, sessionEvents);
    return sessionEvents.length > 0;
  };
  hook.book = book;
  hook.events = events;
  hook.stats = stats;
  hook.metrics = opts.metrics;
  hook.reload = async (q) => { await book.load(q); };
  return hook;
}

/** The hook's load step: the book (loaded once, reloaded for a lot it has not seen), then what the events can touch. */
async function loadBatch(
  client: Queryable, batch: IngestEvent[], book: BillingBook, opts: SessionHookOptions, reloads: { lastMiss: number }, judged?: SessionEvent[],
): Promise<SessionBatchRead> {
  // The broker listens before onStarted seeds billing: the first batch seeds and loads for itself.
  if (!book.loaded) {
    await opts.ensureTariffs?.(client);
    await book.load(client);
  }
  // A lot we have not seen (added since the load): reload at most every 10 s.
  if (batch.some((e) => e.lotId && !book.lots.has(e.lotId)) && Date.now() - reloads.lastMiss > 10_000) {
    reloads.lastMiss = Date.now();
    await opts.ensureTariffs?.(client);
    await book.load(client);
  }
  const sessionEvents = judged ?? toSessionEvents(batch, book);
  if (!sessionEvents.length) return { sessionEvents, known: [], pending: [] };
  return { sessionEvents, ...await loadContext(client, sessionEvents) };
}

/** The hook's plan step: what the events do to sessions (billing/session-rules.ts), and the fee of each session closed. */
function planAndPrice({ sessionEvents, known, pending }: SessionBatchRead, book: BillingBook): SessionBatchPlan {
  const planned = planBatch(sessionEvents, known, pending, (lot) => book.rules(lot));
  // Price before writing: a session that cannot be priced goes to review with the reason.
  const fees: Fees = new Map();
  for (const s of planned.closedWithPlate) {
    const f = book.fee(s);
    if (f.ok) { fees.set(s, f); continue; }
    s.status = 'review';
    s.reviewReason = s.reviewReason ? `${s.reviewReason}; no tariff` : 'no tariff';
    planned.exceptions.push({ kind: 'no-tariff', lotId: s.lotId, plate: s.plate, session: s, deviceId: s.exitDevice!, seq: s.exitSeq!, time: s.exitTime!, detail: f.reason });
  }
  return { sessionEvents, plan: planned, fees };
}

/**
 * Open sessions older than their lot's max_stay_hours become 'overstay' exceptions (once each).
 * Run by node-cron (the billing module's overstay job, billing/module.ts). Returns how many were added.
 */
export async function overstayScan(q: Queryable, now: Date = new Date()): Promise<number> {
  const { rowCount } = await q.query(
    // The sentence is exception-details.ts's 'overstay' one, written in SQL: the scan is one statement.
    `INSERT INTO session_exceptions (kind, lot_id, plate, session_id, event_time, detail, detail_coded)
     SELECT 'overstay', s.lot_id, s.plate, s.id, $1::timestamptz,
            'session open since ' || since || ', longer than the lot''s maximum stay of ' || hours || ' h: check whether the car left unseen',
            jsonb_build_object('code', 'overstay', 'params', jsonb_build_object('openSince', since, 'maxStayHours', hours))
       FROM sessions s LEFT JOIN lot_billing b ON b.lot_id = s.lot_id,
            LATERAL (SELECT to_char(s.entry_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since, COALESCE(b.max_stay_hours, $2::int) AS hours) d
      WHERE s.status = 'open' AND s.exit_time IS NULL
        AND s.entry_time < $1::timestamptz - make_interval(hours => COALESCE(b.max_stay_hours, $2::int))
        AND NOT EXISTS (SELECT 1 FROM session_exceptions x WHERE x.kind = 'overstay' AND x.session_id = s.id)
     ON CONFLICT DO NOTHING`,
    [now.toISOString(), DEFAULT_LOT_RULES.maxStayHours],
  );
  return rowCount ?? 0;
}

/** How long a street stay's plate waits for its camera's exit read before it is judged without it. */
export const EXIT_READ_GIVE_UP_MS = 15 * 60_000;

/**
 * Street stays whose camera exit read never came (lost, or the camera died): judged on the reads
 * they have, in one transaction; the invoices that became the plate's bill are told to payments
 * as issued. Run by node-cron (billing/module.ts). Returns how many stays it settled.
 */
export async function settleStalePlates(pool: Pool, hook: SessionHook, now: Date = new Date()): Promise<number> {
  const { settled, n } = await withTx(pool, async (c) => {
    const stale = await loadStalePending(c, new Date(now.getTime() - EXIT_READ_GIVE_UP_MS));
    if (!stale.length) return { settled: [], n: 0 };
    const plan = settleStale(stale, (lot) => hook.book.rules(lot));
    const written = await writePlan(c, plan, new Map(), 0);
    return { settled: written.settled, n: plan.settled.length };
  });
  if (settled.length && hook.events.listenerCount('issued')) hook.events.emit('issued', settled);
  return n;
}
