// Sessions and invoices from device events, inside the ingest transaction (ingest/writer.ts
// BatchHook): the same commit that stores an exit stores the closed session and its invoice, so a
// PUBACK means "billed", and a crash loses neither or both. Thin I/O around the pure rules in
// billing/session-rules.ts and the tariff engine in billing/tariff.ts.
//
// Per batch, a fixed number of set-based statements whatever its size (up to INGEST_BATCH_MAX
// events): load what the events can touch (3 selects), write sessions (insert + update),
// exceptions, invoices. Fees are computed in memory from cached tariffs.
import type { PlateKind } from '../core/plates.ts';
import { EventEmitter } from 'node:events';
import type { QueryResult } from 'pg';
import type { BatchHook, IngestEvent } from '../core/ingest-events.ts';
import type { IssuedInvoice } from '../core/changes.ts';
import type { BayCameraMessage, GateCameraMessage, OccupancyMessage } from '../core/protocol.ts';
import { confusableKey } from '../core/plates.ts';
import { computeFee, tariffInForce, parseTariff, type Tariff, type FeeResult } from './tariff.ts';
import { addToHourlyStats, invoicedDeltas, sessionDeltas } from '../analytics/index.ts';
import { planBatch, readPlate, type SessionRecord, type SessionEvent, type PendingExit, type LotRules, type ExceptionRecord } from './session-rules.ts';

/** Pool or client: anything we can run a statement on. */
export interface Queryable { query(text: string, values?: unknown[]): Promise<QueryResult<any>> }

/** Defaults of lot_billing (migrations/004): used for a lot that has no row yet. */
export const DEFAULT_LOT_RULES = { minConfidence: 0.8, maxStayHours: 72 } as const;

/**
 * The tariffs table keys a tariff by family id and version (e.g. zz-street, 2); a tariff body's
 * own id names one version (zz-street-v2). The family is the body id without its -vN suffix.
 */
export function tariffFamilyId(t: Pick<Tariff, 'id'>): string {
  return t.id.replace(/-v\d+$/, '');
}

export interface LotBilling { kind: 'garage' | 'street'; tariffId: string | null; minConfidence: number; maxStayHours: number }

/** Tariff versions and per-lot rules, held in memory: the hot path never reads them per event. */
export class BillingBook {
  lots = new Map<string, LotBilling>();
  tariffs = new Map<string, Tariff[]>();
  loaded = false;
  loadedAt = 0;

  async load(q: Queryable): Promise<void> {
    const [lots, tariffs] = [
      await q.query(`SELECT l.id, l.kind, b.tariff_id, b.min_confidence, b.max_stay_hours FROM lots l LEFT JOIN lot_billing b ON b.lot_id = l.id`),
      await q.query(`SELECT id, version, body FROM tariffs ORDER BY id, version`),
    ];
    const lotMap = new Map<string, LotBilling>();
    for (const r of lots.rows) {
      lotMap.set(r.id, {
        kind: r.kind, tariffId: r.tariff_id,
        minConfidence: r.min_confidence ?? DEFAULT_LOT_RULES.minConfidence, maxStayHours: r.max_stay_hours ?? DEFAULT_LOT_RULES.maxStayHours,
      });
    }
    const tariffMap = new Map<string, Tariff[]>();
    for (const r of tariffs.rows) {
      const t = parseTariff(r.body);
      const list = tariffMap.get(r.id) ?? [];
      list.push(t);
      tariffMap.set(r.id, list);
    }
    this.lots = lotMap;
    this.tariffs = tariffMap;
    this.loaded = true;
    this.loadedAt = Date.now();
  }

  rules(lotId: string): LotRules {
    return { minConfidence: this.lots.get(lotId)?.minConfidence ?? DEFAULT_LOT_RULES.minConfidence };
  }

  /** What a stay from entry to exit would cost at a lot today, or null when it has no tariff. */
  estimate(lotId: string, entry: Date, exit: Date, plateKind: PlateKind = 'standard'): number | null {
    const tariffId = this.lots.get(lotId)?.tariffId;
    const versions = tariffId ? this.tariffs.get(tariffId) : undefined;
    if (!versions?.length) return null;
    try {
      return computeFee(tariffInForce(versions, entry), { plateKind }, entry, exit).totalFen;
    } catch {
      return null;
    }
  }

  /** The fee for a closed session, or why it cannot be billed (a sentence for the operator). */
  fee(s: SessionRecord): { ok: true; fee: FeeResult; tariffId: string } | { ok: false; reason: string } {
    const lot = this.lots.get(s.lotId);
    if (!lot?.tariffId) return { ok: false, reason: `lot ${s.lotId} has no tariff: add a lot_billing row naming one` };
    const versions = this.tariffs.get(lot.tariffId);
    if (!versions?.length) return { ok: false, reason: `tariff ${lot.tariffId} of lot ${s.lotId} has no versions: add one to tariffs` };
    try {
      // tariff rule: the version in force at entry prices the whole stay, so a later change never rewrites a bill.
      const tariff = tariffInForce(versions, s.entryTime);
      return { ok: true, fee: computeFee(tariff, { plateKind: s.plateKind ?? 'standard' }, s.entryTime, s.exitTime!), tariffId: lot.tariffId };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  }
}

export interface SessionHookOptions {
  /** Config INVOICE_DUE_DAYS: an unpaid invoice is overdue this many days after it is issued. */
  dueDays: number;
  log?: { warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };
  /**
   * Gives lots that have no tariff one (the demo seed's defaults), before the lots' billing is
   * read; called again when an event names a lot added since. Without it such lots are not billed.
   */
  ensureTariffs?: (q: Queryable) => Promise<void>;
}

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
}

const SESSION_COLS = `s.id, s.lot_id, s.bay_code, s.plate, s.plate_kind, s.plate_key, s.status, s.entry_time, s.entry_device, s.entry_seq,
  s.entry_confidence, s.exit_time, s.exit_device, s.exit_seq, s.exit_confidence, s.exit_plate_read, s.match_method, s.review_reason`;

function toRecord(r: any): SessionRecord {
  return {
    id: r.id, lotId: r.lot_id, bayCode: r.bay_code, plate: r.plate, plateKind: r.plate_kind, plateKey: r.plate_key, status: r.status,
    entryTime: r.entry_time, entryDevice: r.entry_device, entrySeq: r.entry_seq, entryConfidence: r.entry_confidence,
    exitTime: r.exit_time, exitDevice: r.exit_device, exitSeq: r.exit_seq, exitConfidence: r.exit_confidence,
    exitPlateRead: r.exit_plate_read, matchMethod: r.match_method, reviewReason: r.review_reason,
  };
}

/** Turn ingest events into session events; heartbeats and garage bay sensors do not make sessions. */
export function toSessionEvents(events: readonly IngestEvent[], book: BillingBook): SessionEvent[] {
  const out: SessionEvent[] = [];
  for (const e of events) {
    if (!e.lotId) continue;
    const base = { lotId: e.lotId, deviceId: e.deviceId, seq: e.seq, time: e.eventTime };
    if (e.type === 'gate') {
      const m = e.payload as GateCameraMessage;
      out.push({ ...base, kind: 'gate', direction: m.direction, plateRead: m.plate, confidence: m.confidence ?? null });
    } else if (e.type === 'bay' && e.bayCode) {
      const m = e.payload as BayCameraMessage;
      out.push({ ...base, kind: 'camera', bayCode: e.bayCode, occupied: m.occupied, plateRead: m.plate ?? null, confidence: m.confidence ?? null });
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

export function createSessionHook(opts: SessionHookOptions): SessionHook {
  const book = new BillingBook();
  const events = new EventEmitter<SessionHookEvents>();
  const stats = { batches: 0, sessionsOpened: 0, sessionsClosed: 0, invoices: 0, exceptions: 0 };
  let lastMissReload = 0;

  const load = async (client: Queryable, batch: IngestEvent[]): Promise<SessionBatchRead> => {
    // The broker listens before onStarted seeds billing: the first batch seeds and loads for itself.
    if (!book.loaded) {
      await opts.ensureTariffs?.(client);
      await book.load(client);
    }
    // A lot we have not seen (added since the load): reload at most every 10 s.
    if (batch.some((e) => e.lotId && !book.lots.has(e.lotId)) && Date.now() - lastMissReload > 10_000) {
      lastMissReload = Date.now();
      await opts.ensureTariffs?.(client);
      await book.load(client);
    }
    const sessionEvents = toSessionEvents(batch, book);
    if (!sessionEvents.length) return { sessionEvents, known: [], pending: [] };
    return { sessionEvents, ...await loadContext(client, sessionEvents) };
  };

  const plan = ({ sessionEvents, known, pending }: SessionBatchRead): SessionBatchPlan => {
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
  };

  const hook = (async (client, fresh, planned?: SessionBatchPlan) => {
    if (!fresh.length) return;
    // Without a plan made while the events were stored (see BatchHook), read and plan now.
    const { sessionEvents, plan: p, fees } = planned ?? plan(await load(client, fresh));
    if (!sessionEvents.length) return;
    stats.batches++;

    const written = new Set<SessionRecord>();
    // Issued back to back (pg runs them in this order, each seeing the one before; awaiting each
    // would leave the database idle for a turn of our event loop). Closing a session and issuing its
    // invoice is one statement, so an invoice exists only for a session it really closed.
    const [, issued] = await Promise.all([
      insertSessions(client, p.created, written),
      updateSessions(client, p.changed, written, p.closedWithPlate.filter((s) => fees.has(s)), fees, opts.dueDays),
    ]);
    // Exceptions name sessions created above: their ids are known now.
    await insertExceptions(client, p.exceptions);
    if (p.claimedExits.length) {
      await client.query(
        `UPDATE session_exceptions e SET resolved_at = now(), detail = e.detail || ' — ' || c.note
           FROM unnest($1::bigint[], $2::text[]) AS c(id, note) WHERE e.id = c.id AND e.resolved_at IS NULL`,
        [p.claimedExits.map((c) => c.exceptionId), p.claimedExits.map((c) => c.note)],
      );
    }
    // Sessions created already closed (entry and exit in one batch) are invoiced once they have ids.
    const createdClosed = new Set(p.created);
    issued.push(...await insertInvoices(client, p.closedWithPlate.filter((s) => createdClosed.has(s) && written.has(s) && fees.has(s)), fees, opts.dueDays));

    stats.sessionsOpened += p.created.filter((s) => written.has(s)).length;
    stats.sessionsClosed += p.closedWithPlate.filter((s) => written.has(s)).length;
    stats.invoices += issued.length;
    stats.exceptions += p.exceptions.length;
    if (issued.length && events.listenerCount('issued')) return () => { events.emit('issued', issued); };
  }) as SessionHook;

  hook.load = load;
  hook.plan = plan;
  hook.book = book;
  hook.events = events;
  hook.stats = stats;
  hook.reload = async (q) => { await book.load(q); };
  return hook;
}

/** The sessions and pending exits the events can touch. */
async function loadContext(q: Queryable, events: SessionEvent[]): Promise<{ known: SessionRecord[]; pending: PendingExit[] }> {
  const gateLots: string[] = [];
  const gateKeys: string[] = [];
  const gateTimes: string[] = [];
  const inLots: string[] = [];
  const inPlates: string[] = [];
  const bays = new Set<string>();
  for (const e of events) {
    if (e.kind === 'gate') {
      const p = readPlate(e.plateRead);
      if (!p) continue;
      gateLots.push(e.lotId);
      gateKeys.push(confusableKey(p.plate));
      gateTimes.push(e.time.toISOString());
      if (e.direction === 'in' && p.valid) { inLots.push(e.lotId); inPlates.push(p.plate); }
    } else bays.add(e.bayCode);
  }
  // Issued together: pg sends each as soon as the previous is answered, without waiting for a turn
  // of our event loop in between (every turn is time the database sits idle).
  const none = Promise.resolve({ rows: [] as any[] });
  const [gate, bay, exits] = await Promise.all([
    // Open sessions with the same key at the lot, and ended ones an event may be a replay of.
    !gateLots.length ? none : q.query(
      `SELECT ${SESSION_COLS} FROM sessions s
         JOIN (SELECT DISTINCT lot, key FROM unnest($1::text[], $2::text[]) AS k(lot, key)) k ON s.lot_id = k.lot AND s.plate_key = k.key
        WHERE s.bay_code IS NULL
          AND (s.status = 'open' OR s.entry_time = ANY($3::timestamptz[]) OR s.exit_time = ANY($3::timestamptz[]))`,
      [gateLots, gateKeys, gateTimes],
    ),
    // Per bay: what is open now, and the latest ended session (tells stale reports from new ones).
    !bays.size ? none : q.query(
      `SELECT ${SESSION_COLS} FROM sessions s
        WHERE s.bay_code = ANY($1::text[]) AND s.exit_time IS NULL AND s.status IN ('open', 'anonymous')
       UNION ALL
       SELECT l.* FROM unnest($1::text[]) AS b(code)
        CROSS JOIN LATERAL (SELECT ${SESSION_COLS} FROM sessions s
                             WHERE s.bay_code = b.code AND s.exit_time IS NOT NULL ORDER BY s.exit_time DESC LIMIT 1) l`,
      [[...bays]],
    ),
    !inLots.length ? none : q.query(
      `SELECT e.id, e.lot_id, e.plate, e.device_id, e.seq, e.event_time, (d.payload->>'confidence')::real AS confidence
         FROM session_exceptions e
         JOIN (SELECT DISTINCT lot, plate FROM unnest($1::text[], $2::text[]) AS k(lot, plate)) k ON e.lot_id = k.lot AND e.plate = k.plate
         LEFT JOIN device_events d ON d.device_id = e.device_id AND d.seq = e.seq AND d.event_time = e.event_time
        WHERE e.kind = 'exit-without-entry' AND e.resolved_at IS NULL AND e.device_id IS NOT NULL`,
      [inLots, inPlates],
    ),
  ]);
  const known = [...gate.rows, ...bay.rows].map(toRecord);
  const pending: PendingExit[] = exits.rows.map((r) => ({ exceptionId: r.id, lotId: r.lot_id, plate: r.plate, deviceId: r.device_id, seq: r.seq, time: r.event_time, confidence: r.confidence }));
  return { known, pending };
}

async function insertSessions(q: Queryable, created: SessionRecord[], written: Set<SessionRecord>): Promise<void> {
  if (!created.length) return;
  const col = <T>(f: (s: SessionRecord) => T) => created.map(f);
  // ON CONFLICT: the unique (device, seq) indexes are the last word on "never twice".
  const { rows } = await q.query(
    `WITH ins AS (
       INSERT INTO sessions (lot_id, bay_code, plate, plate_kind, plate_key, status, entry_time, entry_device, entry_seq, entry_confidence,
                             exit_time, exit_device, exit_seq, exit_confidence, exit_plate_read, match_method, review_reason)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::bigint[], $10::real[],
                            $11::timestamptz[], $12::text[], $13::bigint[], $14::real[], $15::text[], $16::text[], $17::text[])
       ON CONFLICT DO NOTHING
       RETURNING id, entry_device, entry_seq, lot_id, entry_time, exit_time
     ), stats AS (${addToHourlyStats(sessionDeltas('ins', 'began and ended'))})
     SELECT id, entry_device, entry_seq FROM ins`,
    [col((s) => s.lotId), col((s) => s.bayCode), col((s) => s.plate), col((s) => s.plateKind), col((s) => s.plateKey), col((s) => s.status),
      col((s) => s.entryTime.toISOString()), col((s) => s.entryDevice), col((s) => s.entrySeq), col((s) => s.entryConfidence),
      col((s) => s.exitTime?.toISOString() ?? null), col((s) => s.exitDevice), col((s) => s.exitSeq), col((s) => s.exitConfidence),
      col((s) => s.exitPlateRead), col((s) => s.matchMethod), col((s) => s.reviewReason)],
  );
  const ids = new Map(rows.map((r) => [`${r.entry_device}\u0000${r.entry_seq}`, r.id as number]));
  for (const s of created) {
    const id = ids.get(`${s.entryDevice}\u0000${s.entrySeq}`);
    if (id !== undefined) { s.id = id; written.add(s); }
  }
}

type Fees = Map<SessionRecord, { fee: FeeResult; tariffId: string }>;

/**
 * Close or flag sessions that existed, and issue the invoices of those it closed (`billable`,
 * priced), in one statement. Returns the invoices issued.
 */
async function updateSessions(q: Queryable, changed: SessionRecord[], written: Set<SessionRecord>, billable: SessionRecord[], fees: Fees, dueDays: number): Promise<IssuedInvoice[]> {
  if (!changed.length) return [];
  const existing = new Set(changed);
  const invoices = billable.filter((s) => existing.has(s));
  // Only a session still open changes, and an exit event closes at most one session.
  // Planner-proof on purpose: the embedded database never auto-analyzes, and stale statistics
  // made the partial indexes look empty (a nested loop over every open session per batch). The
  // guard reads each row by primary key (OFFSET 0 keeps it a separate lookup) and the update
  // touches only the ids given (s.id = ANY: a primary-key scan, whatever the table's size).
  const { rows } = await q.query(
    `WITH u AS MATERIALIZED (
       SELECT u.* FROM json_to_recordset($1::json)
                  AS u(id bigint, status text, exit_time timestamptz, exit_device text, exit_seq bigint, exit_confidence real, exit_plate_read text, match_method text, review_reason text)
        CROSS JOIN LATERAL (SELECT c.status, c.exit_time FROM sessions c WHERE c.id = u.id OFFSET 0) c
        WHERE c.status IN ('open', 'anonymous') AND c.exit_time IS NULL
          AND (u.exit_device IS NULL OR NOT EXISTS (SELECT 1 FROM sessions x WHERE x.exit_device = u.exit_device AND x.exit_seq = u.exit_seq))
     ), upd AS (
       UPDATE sessions s
          SET status = u.status, exit_time = u.exit_time, exit_device = u.exit_device, exit_seq = u.exit_seq,
              exit_confidence = u.exit_confidence, exit_plate_read = u.exit_plate_read, match_method = u.match_method, review_reason = u.review_reason
         FROM u
        WHERE s.id = u.id AND s.id = ANY($2::bigint[])
       RETURNING s.id, s.lot_id, s.entry_time, s.exit_time
     ), inv AS (
       ${insertInvoicesSql('$3', '$4', 'WHERE i.session_id IN (SELECT id FROM upd)')}
     ), stats AS (${addToHourlyStats(`${sessionDeltas('upd', 'ended')} UNION ALL ${invoicedDeltas('inv')}`)})
     SELECT (SELECT json_agg(id) FROM upd) AS updated, (SELECT json_agg(json_build_array(id, session_id)) FROM inv) AS invoices`,
    [
      JSON.stringify(changed.map((s) => ({
        id: s.id, status: s.status, exit_time: s.exitTime, exit_device: s.exitDevice, exit_seq: s.exitSeq, exit_confidence: s.exitConfidence,
        exit_plate_read: s.exitPlateRead, match_method: s.matchMethod, review_reason: s.reviewReason,
      }))),
      changed.map((s) => s.id),
      invoiceRows(invoices, fees),
      dueDays,
    ],
  );
  const ok = new Set<number>((rows[0].updated ?? []).map(Number));
  for (const s of changed) if (ok.has(Number(s.id))) written.add(s);
  const bySession = new Map(invoices.map((s) => [Number(s.id), s]));
  return ((rows[0].invoices ?? []) as Array<[number, number]>).map(([invoiceId, sessionId]) => issuedInvoice(invoiceId, bySession.get(Number(sessionId))!, fees));
}

function issuedInvoice(invoiceId: number, s: SessionRecord, fees: Fees): IssuedInvoice {
  return {
    invoiceId, sessionId: s.id!, lotId: s.lotId, plate: s.plate!, amountFen: fees.get(s)!.fee.totalFen,
    autoCharge: s.status === 'closed', exitDevice: s.exitDevice!, exitSeq: s.exitSeq!,
  };
}

async function insertExceptions(q: Queryable, list: ExceptionRecord[]): Promise<void> {
  if (!list.length) return;
  const col = <T>(f: (x: ExceptionRecord) => T) => list.map(f);
  await q.query(
    `INSERT INTO session_exceptions (kind, lot_id, plate, session_id, device_id, seq, event_time, detail)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::timestamptz[], $8::text[])
     ON CONFLICT DO NOTHING`,
    [col((x) => x.kind), col((x) => x.lotId), col((x) => x.plate), col((x) => x.session?.id ?? null), col((x) => x.deviceId),
      col((x) => x.seq), col((x) => x.time.toISOString()), col((x) => x.detail)],
  );
}

async function insertInvoices(q: Queryable, sessions: SessionRecord[], fees: Fees, dueDays: number): Promise<IssuedInvoice[]> {
  if (!sessions.length) return [];
  const { rows } = await q.query(
    `WITH inv AS (${insertInvoicesSql('$1', '$2', '')}), stats AS (${addToHourlyStats(invoicedDeltas('inv'))}) SELECT id, session_id FROM inv`,
    [invoiceRows(sessions, fees), dueDays]);
  const bySession = new Map(sessions.map((s) => [Number(s.id), s]));
  return rows.map((r) => issuedInvoice(r.id, bySession.get(Number(r.session_id))!, fees));
}

/**
 * The invoice insert, from a JSON document of invoiceRows() (parameter `rows`) and the days to
 * overdue (parameter `dueDays`, config INVOICE_DUE_DAYS). One invoice per session, ever
 * (invoices.session_id UNIQUE).
 */
function insertInvoicesSql(rows: string, dueDays: string, where: string): string {
  return `INSERT INTO invoices (session_id, lot_id, plate, amount_fen, lines, tariff_id, tariff_version, status, due_at)
       SELECT i.session_id, i.lot_id, i.plate, i.amount_fen, i.lines, i.tariff_id, i.tariff_version, 'outstanding', now() + make_interval(days => ${dueDays}::int)
         FROM json_to_recordset(${rows}::json) AS i(session_id bigint, lot_id text, plate text, amount_fen int, lines jsonb, tariff_id text, tariff_version int)
        ${where}
       ON CONFLICT (session_id) DO NOTHING
       RETURNING id, session_id, lot_id, amount_fen, issued_at`;
}

function invoiceRows(sessions: SessionRecord[], fees: Fees): string {
  return JSON.stringify(sessions.map((s) => {
    const f = fees.get(s)!;
    return { session_id: s.id, lot_id: s.lotId, plate: s.plate, amount_fen: f.fee.totalFen, lines: f.fee.lines, tariff_id: f.tariffId, tariff_version: f.fee.tariffVersion };
  }));
}

/**
 * Open sessions older than their lot's max_stay_hours become 'overstay' exceptions (once each).
 * Run by node-cron (billing/extras.ts). Returns how many were added.
 */
export async function overstayScan(q: Queryable, now: Date = new Date()): Promise<number> {
  const { rowCount } = await q.query(
    `INSERT INTO session_exceptions (kind, lot_id, plate, session_id, event_time, detail)
     SELECT 'overstay', s.lot_id, s.plate, s.id, $1::timestamptz,
            'session open since ' || to_char(s.entry_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ', longer than the lot''s maximum stay of '
              || COALESCE(b.max_stay_hours, $2::int) || ' h: check whether the car left unseen'
       FROM sessions s LEFT JOIN lot_billing b ON b.lot_id = s.lot_id
      WHERE s.status = 'open' AND s.exit_time IS NULL
        AND s.entry_time < $1::timestamptz - make_interval(hours => COALESCE(b.max_stay_hours, $2::int))
        AND NOT EXISTS (SELECT 1 FROM session_exceptions x WHERE x.kind = 'overstay' AND x.session_id = s.id)
     ON CONFLICT DO NOTHING`,
    [now.toISOString(), DEFAULT_LOT_RULES.maxStayHours],
  );
  return rowCount ?? 0;
}
