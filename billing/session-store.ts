// The session hook's SQL (billing/sessions.ts): one read of what a batch of events can touch, and
// the set-based writes of its plan — sessions, exceptions, claimed exits, invoices — each one
// statement whatever the batch's size, run on the ingest transaction's client.
import { randomBytes } from 'node:crypto';
import type { QueryResult } from 'pg';
import type { IssuedInvoice } from '../core/changes.ts';
import { confusableKey } from '../core/plates.ts';
import { addToHourlyStats, invoicedDeltas, movedEndDeltas, sessionDeltas } from '../analytics/index.ts';
import type { FeeResult } from './tariff.ts';
import { readPlate, type SessionRecord, type SessionEvent, type PendingExit, type ExceptionRecord, type Plan } from './session-rules.ts';
import { englishDetail } from './exception-details.ts';
import { preparedQuery } from '../core/db/prepared.ts';

/** Pool or client: anything we can run a statement on. */
export interface Queryable { query(text: string, values?: unknown[]): Promise<QueryResult<any>> }

/** The priced sessions of a batch (BillingBook.fee of each that could be priced); their invoices' amounts and lines. */
export type Fees = Map<SessionRecord, { fee: FeeResult; tariffId: string }>;

const SESSION_COLS = `s.id, s.lot_id, s.bay_code, s.plate, s.plate_kind, s.plate_key, s.status, s.entry_time, s.entry_device, s.entry_seq,
  s.entry_confidence, s.exit_time, s.exit_device, s.exit_seq, s.exit_confidence, s.exit_plate_read, s.match_method, s.review_reason,
  s.plate_certainty, s.plate_evidence`;

function toRecord(r: any): SessionRecord {
  return {
    id: r.id, lotId: r.lot_id, bayCode: r.bay_code, plate: r.plate, plateKind: r.plate_kind, plateKey: r.plate_key, status: r.status,
    entryTime: r.entry_time, entryDevice: r.entry_device, entrySeq: r.entry_seq, entryConfidence: r.entry_confidence,
    exitTime: r.exit_time, exitDevice: r.exit_device, exitSeq: r.exit_seq, exitConfidence: r.exit_confidence,
    exitPlateRead: r.exit_plate_read, matchMethod: r.match_method, reviewReason: r.review_reason,
    // A session opened before reads were kept (migrations/023): its entry read is all we know.
    plateReads: r.plate_evidence?.reads ?? (r.plate
      ? [{ role: 'entry', deviceId: r.entry_device, seq: Number(r.entry_seq), at: new Date(r.entry_time).toISOString(), read: r.plate, confidence: r.entry_confidence, color: null }]
      : []),
    plateCertainty: r.plate_certainty ?? 'certain',
    plateEvidence: r.plate_evidence?.rule ? r.plate_evidence : null,
  };
}

/** What sessions.plate_evidence holds: the judgement once made, the reads so far before. */
const evidenceJson = (s: SessionRecord) => JSON.stringify(s.plateEvidence ?? { reads: s.plateReads });

/** Street sessions whose plate has waited for its camera's exit read since before `before` (at most `limit`). */
export async function loadStalePending(q: Queryable, before: Date, limit = 1000): Promise<SessionRecord[]> {
  const { rows } = await preparedQuery(q, 
    `SELECT ${SESSION_COLS} FROM sessions s WHERE s.plate_certainty = 'pending' AND s.exit_time < $1 ORDER BY s.exit_time LIMIT $2`, [before, limit]);
  return rows.map(toRecord);
}

/** The sessions and pending exits the events can touch. */
export async function loadContext(q: Queryable, events: SessionEvent[]): Promise<{ known: SessionRecord[]; pending: PendingExit[] }> {
  const gateLots: string[] = [];
  const gateKeys: string[] = [];
  const gateTimes: string[] = [];
  const inLots: string[] = [];
  const inTimes: string[] = [];
  const bays = new Set<string>();
  for (const e of events) {
    if (e.kind === 'gate') {
      const p = readPlate(e.plateRead);
      if (!p) continue;
      gateLots.push(e.lotId);
      gateKeys.push(confusableKey(p.plate));
      gateTimes.push(e.time.toISOString());
      if (e.direction === 'in' && p.valid) { inLots.push(e.lotId); inTimes.push(e.time.toISOString()); }
    } else bays.add(e.bayCode);
  }
  // Issued together: pg sends each as soon as the previous is answered, without waiting for a turn
  // of our event loop in between (every turn is time the database sits idle).
  const none = Promise.resolve({ rows: [] as any[] });
  const [gate, bay, exits] = await Promise.all([
    // Open sessions with the same key at the lot, and ended ones an event may be a replay of.
    !gateLots.length ? none : preparedQuery(q, 
      `SELECT ${SESSION_COLS} FROM sessions s
         JOIN (SELECT DISTINCT lot, key FROM unnest($1::text[], $2::text[]) AS k(lot, key)) k ON s.lot_id = k.lot AND s.plate_key = k.key
        WHERE s.bay_code IS NULL
          AND (s.status = 'open' OR s.entry_time = ANY($3::timestamptz[]) OR s.exit_time = ANY($3::timestamptz[]))`,
      [gateLots, gateKeys, gateTimes],
    ),
    // Per bay: what is open now, and the latest ended session (tells stale reports from new ones).
    !bays.size ? none : preparedQuery(q, 
      `SELECT ${SESSION_COLS} FROM sessions s
        WHERE s.bay_code = ANY($1::text[]) AND s.exit_time IS NULL AND s.status IN ('open', 'anonymous')
       UNION ALL
       SELECT l.* FROM unnest($1::text[]) AS b(code)
        CROSS JOIN LATERAL (SELECT ${SESSION_COLS} FROM sessions s
                             WHERE s.bay_code = b.code AND s.exit_time IS NOT NULL ORDER BY s.exit_time DESC LIMIT 1) l`,
      [[...bays]],
    ),
    !inLots.length ? none : preparedQuery(q, 
      `SELECT e.id, e.lot_id, e.plate, e.device_id, e.seq, e.event_time, (d.payload->>'confidence')::real AS confidence
         FROM session_exceptions e
         JOIN (SELECT lot, min(t) AS t FROM unnest($1::text[], $2::timestamptz[]) AS k(lot, t) GROUP BY lot) k ON e.lot_id = k.lot AND e.event_time >= k.t
         LEFT JOIN device_events d ON d.device_id = e.device_id AND d.seq = e.seq AND d.event_time = e.event_time
        WHERE (e.kind = 'exit-without-entry'
               -- an exit read that is no valid plate (a green plate's D read as 0) was still a car leaving
               OR (e.kind = 'unreadable-plate' AND e.plate IS NOT NULL AND e.detail_coded->>'code' = 'exit-invalid-plate'))
          AND e.resolved_at IS NULL AND e.device_id IS NOT NULL`,
      [inLots, inTimes],
    ),
  ]);
  const known = [...gate.rows, ...bay.rows].map(toRecord);
  const pending: PendingExit[] = exits.rows.map((r) => ({ exceptionId: r.id, lotId: r.lot_id, plate: r.plate, deviceId: r.device_id, seq: r.seq, time: r.event_time, confidence: r.confidence }));
  return { known, pending };
}

/**
 * Write a batch's plan (its sessions priced in `fees`) on the ingest transaction's client. Returns
 * the invoices issued and how many sessions it opened and closed: a session the database already
 * had (a replay the unique indexes caught) is not counted.
 */
export async function writePlan(
  q: Queryable, p: Plan, fees: Fees, dueDays: number, lastIssued?: () => void,
): Promise<{ issued: IssuedInvoice[]; settled: IssuedInvoice[]; opened: number; closed: number }> {
  const written = new Set<SessionRecord>();
  // Sessions created already closed (entry and exit in one batch) are invoiced once they have ids.
  const createdClosed = new Set(p.created);
  const lateInvoices = p.closedWithPlate.filter((s) => createdClosed.has(s) && fees.has(s));
  // Issued back to back (pg runs them in this order, each seeing the one before; awaiting each
  // would leave the database idle for a turn of our event loop). Closing a session and issuing its
  // invoice is one statement, so an invoice exists only for a session it really closed.
  const first = Promise.all([
    // First: a late plate read's stay takes over the exit event of the period it shortens.
    shortenPeriods(q, p.shortened),
    insertSessions(q, p.created, written),
    updateSessions(q, p.changed, written, p.closedWithPlate.filter((s) => fees.has(s)), fees, dueDays),
  ]);
  // Nothing needs their answers (new sessions' ids): the caller may commit right behind them.
  if (!p.settled.length && !p.exceptions.length && !p.claimedExits.length && !lateInvoices.length) lastIssued?.();
  const [, , issued] = await first;
  const settled = p.settled.length ? await settleSessions(q, p.settled) : [];
  // Exceptions name sessions created above: their ids are known now.
  await insertExceptions(q, p.exceptions);
  if (p.claimedExits.length) await resolveClaimedExits(q, p.claimedExits);
  issued.push(...await insertInvoices(q, lateInvoices.filter((s) => written.has(s)), fees, dueDays));
  return {
    issued,
    settled,
    opened: p.created.filter((s) => written.has(s)).length,
    closed: p.closedWithPlate.filter((s) => written.has(s)).length,
  };
}

/**
 * Anonymous periods cut short by a late plate read (plan.shortened): each ends at the read, if it
 * still ends where the plan found it (another process may have moved it since).
 */
async function shortenPeriods(q: Queryable, shortened: Plan['shortened']): Promise<void> {
  if (!shortened.length) return;
  await preparedQuery(q,
    `WITH upd AS (
       UPDATE sessions s SET exit_time = u.exit_time, exit_device = u.exit_device, exit_seq = u.exit_seq, exit_confidence = NULL, exit_plate_read = NULL
         FROM json_to_recordset($1::json) AS u(id bigint, exit_time timestamptz, exit_device text, exit_seq bigint, was_device text, was_seq bigint, was_time timestamptz)
        WHERE s.id = u.id AND s.id = ANY($2::bigint[]) AND s.status = 'anonymous'
          AND s.exit_device = u.was_device AND s.exit_seq = u.was_seq AND s.exit_time = u.was_time
       RETURNING s.lot_id, s.entry_time, s.exit_time, u.was_time
     ) ${addToHourlyStats(movedEndDeltas('upd'))}`,
    [
      JSON.stringify(shortened.map(({ session: s, was }) => ({
        id: s.id, exit_time: s.exitTime, exit_device: s.exitDevice, exit_seq: s.exitSeq, was_device: was.deviceId, was_seq: was.seq, was_time: was.time,
      }))),
      shortened.map(({ session }) => session.id),
    ],
  );
}

async function insertSessions(q: Queryable, created: SessionRecord[], written: Set<SessionRecord>): Promise<void> {
  if (!created.length) return;
  const col = <T>(f: (s: SessionRecord) => T) => created.map(f);
  // ON CONFLICT: the unique (device, seq) indexes are the last word on "never twice".
  const { rows } = await preparedQuery(q, 
    `WITH ins AS (
       INSERT INTO sessions (lot_id, bay_code, plate, plate_kind, plate_key, status, entry_time, entry_device, entry_seq, entry_confidence,
                             exit_time, exit_device, exit_seq, exit_confidence, exit_plate_read, match_method, review_reason, plate_certainty, plate_evidence)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::bigint[], $10::real[],
                            $11::timestamptz[], $12::text[], $13::bigint[], $14::real[], $15::text[], $16::text[], $17::text[], $18::text[], $19::jsonb[])
       ON CONFLICT DO NOTHING
       RETURNING id, entry_device, entry_seq, lot_id, entry_time, exit_time
     ), stats AS (${addToHourlyStats(sessionDeltas('ins', 'began and ended'))})
     SELECT id, entry_device, entry_seq FROM ins`,
    [col((s) => s.lotId), col((s) => s.bayCode), col((s) => s.plate), col((s) => s.plateKind), col((s) => s.plateKey), col((s) => s.status),
      col((s) => s.entryTime.toISOString()), col((s) => s.entryDevice), col((s) => s.entrySeq), col((s) => s.entryConfidence),
      col((s) => s.exitTime?.toISOString() ?? null), col((s) => s.exitDevice), col((s) => s.exitSeq), col((s) => s.exitConfidence),
      col((s) => s.exitPlateRead), col((s) => s.matchMethod), col((s) => s.reviewReason), col((s) => s.plateCertainty), col(evidenceJson)],
  );
  const ids = new Map(rows.map((r) => [`${r.entry_device}\u0000${r.entry_seq}`, r.id as number]));
  for (const s of created) {
    const id = ids.get(`${s.entryDevice}\u0000${s.entrySeq}`);
    if (id !== undefined) { s.id = id; written.add(s); }
  }
}

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
  const { rows } = await preparedQuery(q, 
    `WITH u AS MATERIALIZED (
       SELECT u.* FROM json_to_recordset($1::json)
                  AS u(id bigint, status text, exit_time timestamptz, exit_device text, exit_seq bigint, exit_confidence real, exit_plate_read text, match_method text, review_reason text,
                        plate text, plate_kind text, plate_certainty text, plate_evidence jsonb)
        CROSS JOIN LATERAL (SELECT c.status, c.exit_time FROM sessions c WHERE c.id = u.id OFFSET 0) c
        WHERE c.status IN ('open', 'anonymous') AND c.exit_time IS NULL
          AND (u.exit_device IS NULL OR NOT EXISTS (SELECT 1 FROM sessions x WHERE x.exit_device = u.exit_device AND x.exit_seq = u.exit_seq))
     ), upd AS (
       UPDATE sessions s
          SET status = u.status, exit_time = u.exit_time, exit_device = u.exit_device, exit_seq = u.exit_seq,
              exit_confidence = u.exit_confidence, exit_plate_read = u.exit_plate_read, match_method = u.match_method, review_reason = u.review_reason,
              plate = u.plate, plate_kind = u.plate_kind, plate_certainty = u.plate_certainty, plate_evidence = u.plate_evidence
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
        plate: s.plate, plate_kind: s.plateKind, plate_certainty: s.plateCertainty, plate_evidence: JSON.parse(evidenceJson(s)),
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
    // plate rule: a contactless charge happens only on a certain plate.
    autoCharge: s.status === 'closed' && s.plateCertainty === 'certain', exitDevice: s.exitDevice!, exitSeq: s.exitSeq!,
  };
}

// Planner-proof, as updateSessions: the embedded database never analyzes, and a prepared
// statement keeps the plan made on its first runs' estimates. Sessions are read by the ids given
// ($2: a primary-key scan); each one's invoice is found by its session (the unique index; OFFSET 0
// plans that lookup apart) and updated by id (= ANY: either index on id). Joined on session_id
// with the status test beside it, the plan kept from a run's first minutes walked every
// outstanding invoice for each settled session: 93 ms a batch in the whole-city run, a third of
// the database thread, growing with the invoices drivers have yet to pay.
// Exported for its plan's test (session-store.test.ts).
export const SETTLE_SQL = `WITH u AS (SELECT * FROM json_to_recordset($1::json)
                AS u(id bigint, plate text, plate_kind text, plate_certainty text, plate_evidence jsonb, status text, review_reason text, exit_plate_read text, exit_confidence real)),
   s AS (UPDATE sessions s SET plate = u.plate, plate_kind = u.plate_kind, plate_certainty = u.plate_certainty, plate_evidence = u.plate_evidence,
                status = u.status, review_reason = u.review_reason, exit_plate_read = COALESCE(u.exit_plate_read, s.exit_plate_read),
                exit_confidence = COALESCE(u.exit_confidence, s.exit_confidence)
           FROM u WHERE s.id = u.id AND s.id = ANY($2::bigint[]) AND s.plate_certainty = 'pending' RETURNING s.id, s.plate, s.plate_certainty),
   x AS MATERIALIZED (SELECT v.id, s.plate, s.plate_certainty FROM s CROSS JOIN LATERAL (SELECT v.id FROM invoices v WHERE v.session_id = s.id OFFSET 0) v)
   UPDATE invoices i SET plate = x.plate, plate_certain = (x.plate_certainty = 'certain')
     FROM x WHERE i.id = x.id AND i.id = ANY(ARRAY(SELECT id FROM x)) AND i.status = 'outstanding'
   RETURNING i.id, i.session_id, i.amount_fen, i.plate_certain`;

/**
 * Street sessions whose plate was pending, judged now (plan.settled): the session takes the plate,
 * its certainty and evidence (and goes to review when uncertain); its invoice the plate, and
 * becomes the plate's bill only when certain. Returns the invoices that became chargeable.
 */
async function settleSessions(q: Queryable, settled: SessionRecord[]): Promise<IssuedInvoice[]> {
  const { rows } = await preparedQuery(q, SETTLE_SQL,
    [JSON.stringify(settled.map((s) => ({
      id: s.id, plate: s.plate, plate_kind: s.plateKind, plate_certainty: s.plateCertainty, plate_evidence: s.plateEvidence,
      status: s.status, review_reason: s.reviewReason, exit_plate_read: s.exitPlateRead, exit_confidence: s.exitConfidence,
    }))), settled.map((s) => s.id)],
  );
  const byId = new Map(settled.map((s) => [Number(s.id), s]));
  return rows.filter((r) => r.plate_certain).map((r) => {
    const s = byId.get(Number(r.session_id))!;
    return { invoiceId: r.id, sessionId: s.id!, lotId: s.lotId, plate: s.plate!, amountFen: r.amount_fen, autoCharge: s.status === 'closed', exitDevice: s.exitDevice!, exitSeq: s.exitSeq! };
  });
}

async function insertExceptions(q: Queryable, list: ExceptionRecord[]): Promise<void> {
  if (!list.length) return;
  const col = <T>(f: (x: ExceptionRecord) => T) => list.map(f);
  await preparedQuery(q, 
    `INSERT INTO session_exceptions (kind, lot_id, plate, session_id, device_id, seq, event_time, detail, detail_coded)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::timestamptz[], $8::text[], $9::jsonb[])
     ON CONFLICT DO NOTHING`,
    [col((x) => x.kind), col((x) => x.lotId), col((x) => x.plate), col((x) => x.session?.id ?? null), col((x) => x.deviceId),
      col((x) => x.seq), col((x) => x.time.toISOString()), col((x) => englishDetail(x.detail)), col((x) => JSON.stringify(x.detail))],
  );
}

/** Exits kept as exit-without-entry that a late entry matched: resolved, with a note of the match. */
function resolveClaimedExits(q: Queryable, claimed: Plan['claimedExits']): Promise<unknown> {
  return preparedQuery(q, 
    `UPDATE session_exceptions e SET resolved_at = now(), detail = e.detail || ' — ' || c.note
       FROM unnest($1::bigint[], $2::text[]) AS c(id, note) WHERE e.id = c.id AND e.resolved_at IS NULL`,
    [claimed.map((c) => c.exceptionId), claimed.map((c) => c.note)],
  );
}

async function insertInvoices(q: Queryable, sessions: SessionRecord[], fees: Fees, dueDays: number): Promise<IssuedInvoice[]> {
  if (!sessions.length) return [];
  const { rows } = await preparedQuery(q, 
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
  return `INSERT INTO invoices (session_id, lot_id, plate, amount_fen, lines, tariff_id, tariff_version, status, due_at, plate_certain, public_ref)
       SELECT i.session_id, i.lot_id, i.plate, i.amount_fen, i.lines, i.tariff_id, i.tariff_version, 'outstanding', now() + make_interval(days => ${dueDays}::int), i.plate_certain, i.public_ref
         FROM json_to_recordset(${rows}::json) AS i(session_id bigint, lot_id text, plate text, amount_fen int, lines jsonb, tariff_id text, tariff_version int, plate_certain boolean, public_ref text)
        ${where}
       ON CONFLICT (session_id) DO NOTHING
       RETURNING id, session_id, lot_id, amount_fen, issued_at`;
}

/** Bytes of an invoice's public reference: 24 random bytes are 32 base64url characters (migrations/011's format). */
const PUBLIC_REF_BYTES = 24;

function invoiceRows(sessions: SessionRecord[], fees: Fees): string {
  // The public reference is drawn here, not by the column's default: in the embedded database the
  // default's two gen_random_uuid() cost 12–20 µs an invoice (500: 5.8–9.9 ms of CPU, min–median
  // of 12), on the thread every exit waits for; randomBytes costs ~1 µs. Same source of strength
  // (the OS's CSPRNG), 192 random bits instead of 182.
  const random = randomBytes(PUBLIC_REF_BYTES * sessions.length);
  return JSON.stringify(sessions.map((s, k) => {
    const f = fees.get(s)!;
    return {
      session_id: s.id, lot_id: s.lotId, plate: s.plate, amount_fen: f.fee.totalFen, lines: f.fee.lines, tariff_id: f.tariffId, tariff_version: f.fee.tariffVersion,
      plate_certain: s.plateCertainty === 'certain',
      public_ref: random.subarray(k * PUBLIC_REF_BYTES, (k + 1) * PUBLIC_REF_BYTES).toString('base64url'),
    };
  }));
}
