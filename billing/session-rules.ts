// Session rules: what a gate, bay-camera or bay-sensor event does to parking sessions. Pure: no I/O,
// no clock. billing/sessions.ts loads the sessions an event batch can touch, asks planBatch what
// to do, and writes the plan in the ingest transaction.
//
// The rules, each cited at the code that implements it:
// - Garages (gate cameras). `in` opens a session for the plate at the lot. `out` closes the open
//   session of that plate there, matched by exact plate first, then by confusable key
//   (core/plates.ts confusableKey: D↔0, B↔8, I↔1, province dropped…) at the same lot if exactly
//   one open session has that key; the match method is recorded.
// - Street bays (high-mount cameras). `occupied` with a plate opens a session on the bay (the
//   same plate, or a misread of it, is a re-sighting: nothing happens). A different plate in a bay
//   never reported free closes the old session at this event as 'bay-handover' (its exit time is
//   only an upper bound, so it goes to review) and opens the new one. `free` closes the bay's
//   session (match 'bay'; the plate read at exit, if any, is recorded).
// - Bay sensors. A sensor confirms a camera session (nothing happens) or, when no camera has a
//   session on the bay, opens an anonymous occupancy period (kept for analytics, never billed).
//   A camera plate read ends the anonymous period and starts the plate's session (also when it
//   arrives after the period ended: it splits the period as it would have in order). A sensor `free`
//   closes whatever is open on the bay, a camera session included: the sensor is the occupancy
//   authority (cameras sweep many bays and miss departures); the session is billed normally.
// - Low confidence (below the lot's min_confidence) on the entry or the exit read never charges
//   anyone automatically: the session closes as 'review' with its review_reason (the invoice is
//   still issued; the payments worker charges only sessions whose status is 'closed').
// - Exceptions are kept, never dropped: exit-without-entry, double-entry, low-confidence,
//   unreadable-plate, bay-handover, no-tariff (the last is decided by the billing layer).
// - A double entry (the plate already has an open session at the lot) opens nothing: the existing
//   session is flagged (review_reason) so it goes to review when it closes, and an exception is kept.
// - Order: a batch is applied in event-time order (arrival order breaks ties). An exit older than
//   the entry of the open session it would match never closes it: it is kept as
//   exit-without-entry. When the entry arrives later (out of order), it finds that exception (or
//   an exit whose read was no valid plate, kept as unreadable-plate) and the session is created
//   already closed, and the exception resolved.
// - Replays and duplicates: the same (device, seq) never opens or closes twice (also enforced by
//   unique indexes); a replay with a new seq and the same content is recognised by its time: an
//   entry at the instant a session of that plate began, an exit at the instant one ended, a bay
//   report older than the bay's latest change.
import { normalizePlate, confusableKey, lettersNoPlateHas, plateText, type PlateKind } from '../core/plates.ts';
import type { ExceptionDetail } from './exception-details.ts';
import { judgePlate, withRead, type PlateCertainty, type PlateEvidence, type PlateRead as VehicleRead } from './plate-evidence.ts';

export type MatchMethod = 'exact' | 'confusable' | 'bay' | 'manual';
export type SessionStatus = 'open' | 'closed' | 'review' | 'anonymous';
export type ExceptionKind = 'exit-without-entry' | 'overstay' | 'double-entry' | 'low-confidence' | 'unreadable-plate' | 'bay-handover' | 'no-tariff' | 'uncertain-plate';

export interface SessionRecord {
  /** Database id; undefined for a session created by this plan. */
  id?: number;
  lotId: string;
  /** Street sessions: the bay. Garage sessions: null. */
  bayCode: string | null;
  /** Normalised plate; null for an anonymous (sensor-only or unread) occupancy period. */
  plate: string | null;
  plateKind: PlateKind | null;
  plateKey: string | null;
  status: SessionStatus;
  entryTime: Date;
  entryDevice: string;
  entrySeq: number;
  entryConfidence: number | null;
  exitTime: Date | null;
  exitDevice: string | null;
  exitSeq: number | null;
  exitConfidence: number | null;
  exitPlateRead: string | null;
  matchMethod: MatchMethod | null;
  /** Set while open when the session must go to review at close (double entry). */
  reviewReason: string | null;
  /** Every read of the vehicle so far (entry, sightings, exit): the evidence its plate is judged on. */
  plateReads: VehicleRead[];
  /** Open: 'pending'. Closed: whether the plate billed is certain (billing/plate-evidence.ts). */
  plateCertainty: PlateCertainty;
  /** The judgement at close (null while open, and on sessions without a plate). */
  plateEvidence: PlateEvidence | null;
}

interface EventBase { lotId: string; deviceId: string; seq: number; time: Date }
export type SessionEvent =
  | (EventBase & { kind: 'gate'; direction: 'in' | 'out'; plateRead: string; confidence: number | null; plateColor?: string | null; plateAsRead?: string | null })
  | (EventBase & { kind: 'camera'; bayCode: string; occupied: boolean; plateRead: string | null; confidence: number | null; plateColor?: string | null; plateAsRead?: string | null })
  | (EventBase & { kind: 'sensor'; bayCode: string; occupied: boolean });

/** An exit kept as exit-without-entry (or as an invalid plate read), still unresolved: a late entry may claim it. */
export interface PendingExit {
  exceptionId: number;
  lotId: string;
  plate: string;
  deviceId: string;
  seq: number;
  time: Date;
  confidence: number | null;
}

export interface ExceptionRecord {
  kind: ExceptionKind;
  lotId: string;
  plate: string | null;
  /** The session it concerns (an object of the plan: created sessions get their id when written). */
  session: SessionRecord | null;
  deviceId: string;
  seq: number;
  time: Date;
  /** What it says, as a code and parameters (exception-details.ts words it). */
  detail: ExceptionDetail;
}

export interface LotRules {
  /** Plate reads below this never charge automatically (lot_billing.min_confidence). */
  minConfidence: number;
  /** The province of the city's own plates (config PLATE_HOME_PROVINCE; plate rule 3). */
  homeProvince?: string;
}

export interface Plan {
  /** Sessions this plan creates, in their final state (some already closed). */
  created: SessionRecord[];
  /** Sessions that existed and changed (closed or flagged), in their final state. */
  changed: SessionRecord[];
  /** Sessions with a plate that closed in this plan (status closed or review): bill them. */
  closedWithPlate: SessionRecord[];
  exceptions: ExceptionRecord[];
  /** Pending exits claimed by a late entry: resolve these exceptions. */
  claimedExits: Array<{ exceptionId: number; note: string }>;
  /**
   * Street sessions closed earlier by their sensor, plate 'pending', whose plate this batch judged
   * (the camera's exit read came, or the bay moved on without it): in their final state.
   */
  settled: SessionRecord[];
  /**
   * Anonymous periods that ended before a camera's plate read from inside them arrived (delivered
   * late): each now ends at that read, whose plate's stay (in `created`) takes over the end the
   * period had (`was`). Written before `created`: the stay takes over the period's exit event.
   */
  shortened: Array<{ session: SessionRecord; was: { deviceId: string; seq: number; time: Date } }>;
  /** Events that changed nothing, with why (replays, confirmations, stale reports). */
  ignored: Array<{ deviceId: string; seq: number; reason: string }>;
}

/**
 * A plate as a camera read it. Valid reads are normalised (core/plates.ts). A read that is not a
 * valid plate but has a plate's shape (a character, a letter, 5–6 letters/digits: 豫A012345 read
 * for 豫AD12345) is kept as `valid: false`: it may still match an open session by confusable key,
 * but never opens one (nobody can be billed under a plate that does not exist).
 */
export function readPlate(raw: string | null): { plate: string; kind: PlateKind | null; valid: boolean; reason?: string } | null {
  if (!raw) return null;
  const p = normalizePlate(raw);
  if (p.ok) return { plate: p.plate, kind: p.kind, valid: true };
  let s = raw.normalize('NFKC').toUpperCase().replace(/[\s·•.\-_]/g, '');
  s = s.slice(0, 2) + s.slice(2).replace(/O/g, '0').replace(/I/g, '1');
  // A non-ASCII first character (the province): [\x80-\uFFFF] is [^\x00-\x7F] without naming control characters.
  if (/^[\x80-\uFFFF][A-Z][A-Z0-9]{5,6}$/.test(s)) return { plate: s, kind: null, valid: false, reason: p.reason };
  return null;
}

/** A read with no confidence given is taken as certain (cameras that do not report one). */
const isLow = (confidence: number | null, rules: LotRules) => confidence !== null && confidence < rules.minConfidence;
const fmt = (c: number | null) => (c === null ? 'n/a' : c.toFixed(2));
const appendReason = (a: string | null, b: string) => (a ? `${a}; ${b}` : b);

/**
 * Apply a batch of events to the sessions they can touch (open sessions of the lots/plates/bays
 * involved, plus recently ended ones for replay and order checks) and say what changes.
 * `known` is not mutated.
 */
export function planBatch(events: readonly SessionEvent[], known: readonly SessionRecord[], pendingExits: readonly PendingExit[], rulesFor: (lotId: string) => LotRules): Plan {
  const b: Batch = {
    plan: { created: [], changed: [], closedWithPlate: [], exceptions: [], claimedExits: [], ignored: [], settled: [], shortened: [] },
    changed: new Set(),
    byLotKey: new Map(),
    byBay: new Map(),
    appliedEvents: new Set(),
    pending: pendingExits.map((p) => ({ ...p, claimed: false })),
    rulesFor,
  };
  for (const s of known) index(b, { ...s });

  // session rule: a batch is applied in event-time order; arrival order breaks ties.
  const ordered = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.time.getTime() - b.e.time.getTime() || a.i - b.i).map((x) => x.e);
  for (const e of ordered) {
    // session rule: the same device event never opens or closes twice.
    if (b.appliedEvents.has(evKey(e.deviceId, e.seq))) { ignore(b, e, 'this device event was already applied'); continue; }
    if (e.kind === 'gate') gateEvent(b, e);
    else bayEvent(b, e);
  }
  b.plan.changed = [...b.changed];
  return b.plan;
}

/**
 * Street stays closed by their sensor whose camera exit read never came (plate 'pending' since
 * before a cut-off): judged on the reads they have (plate rule 5), as plan.settled.
 */
export function settleStale(stale: readonly SessionRecord[], rulesFor: (lotId: string) => LotRules): Plan {
  const b: Batch = {
    plan: { created: [], changed: [], closedWithPlate: [], exceptions: [], claimedExits: [], ignored: [], settled: [], shortened: [] },
    changed: new Set(), byLotKey: new Map(), byBay: new Map(), appliedEvents: new Set(), pending: [], rulesFor,
  };
  for (const known of stale) {
    if (known.plateCertainty !== 'pending' || !known.bayCode || known.exitTime === null) continue;
    const s = { ...known };
    settle(b, s, { kind: 'sensor', lotId: s.lotId, bayCode: s.bayCode!, deviceId: s.exitDevice!, seq: s.exitSeq!, time: s.exitTime!, occupied: false }, null);
  }
  return b.plan;
}

/** A batch being planned: the plan so far, and the sessions it can touch, indexed for matching. */
interface Batch {
  plan: Plan;
  /** Sessions that existed (they have an id) and changed: the plan's `changed` at the end. */
  changed: Set<SessionRecord>;
  /** Garage sessions by lot and confusable key. */
  byLotKey: Map<string, SessionRecord[]>;
  /** Street sessions by bay. */
  byBay: Map<string, SessionRecord[]>;
  /** Device events (evKey) already applied as an entry or an exit. */
  appliedEvents: Set<string>;
  pending: Array<PendingExit & { claimed: boolean }>;
  rulesFor: (lotId: string) => LotRules;
}

type GateEvent = Extract<SessionEvent, { kind: 'gate' }>;
type BayEvent = Extract<SessionEvent, { kind: 'camera' | 'sensor' }>;
type CameraEvent = Extract<SessionEvent, { kind: 'camera' }>;
type PlateRead = NonNullable<ReturnType<typeof readPlate>>;

const evKey = (d: string, s: number) => `${d}\u0000${s}`;

function index(b: Batch, s: SessionRecord) {
  if (s.bayCode) push(b.byBay, s.bayCode, s);
  else if (s.plateKey) push(b.byLotKey, `${s.lotId}\u0000${s.plateKey}`, s);
  b.appliedEvents.add(evKey(s.entryDevice, s.entrySeq));
  if (s.exitDevice !== null && s.exitSeq !== null) b.appliedEvents.add(evKey(s.exitDevice, s.exitSeq));
}

const touch = (b: Batch, s: SessionRecord) => { if (s.id !== undefined) b.changed.add(s); };
const create = (b: Batch, s: SessionRecord) => { b.plan.created.push(s); index(b, s); };
const ignore = (b: Batch, e: SessionEvent, reason: string) => b.plan.ignored.push({ deviceId: e.deviceId, seq: e.seq, reason });
const exception = (b: Batch, e: SessionEvent, kind: ExceptionKind, plate: string | null, session: SessionRecord | null, detail: ExceptionDetail) =>
  b.plan.exceptions.push({ kind, lotId: e.lotId, plate, session, deviceId: e.deviceId, seq: e.seq, time: e.time, detail });

interface CloseHow {
  match: MatchMethod;
  /** The plate read at exit (null: none, e.g. a sensor). */
  plateRead: string | null;
  confidence: number | null;
  plateColor?: string | null;
  reviewReason?: string;
  /** Plates of other cars open at the lot that are confusable with this one (plate rule 4). */
  confusableInLot?: string[];
  /** A street camera's exit read is still to come: judge the plate when it does (settle). */
  awaitExitRead?: boolean;
}

const readOf = (e: SessionEvent, role: VehicleRead['role'], read: string, confidence: number | null, color: string | null | undefined): VehicleRead => {
  // plate rule 3: a read with an I or O that ingest took for 1 or 0 (plateAsRead keeps what the
  // camera sent) is a misread of the plate it names; `read` is that plate only if it is this event's own read.
  const raw = e.kind === 'sensor' ? null : e.plateAsRead ?? e.plateRead;
  const corrected = raw ? lettersNoPlateHas(raw) : 0;
  return { role, deviceId: e.deviceId, seq: e.seq, at: e.time.toISOString(), read, confidence, color: color ?? null, ...(corrected && plateText(raw!) === read ? { corrected } : {}) };
};

/** A read a misread of s's plate could give (same confusable key): a read of this car, not of another. */
const readsThisCar = (s: SessionRecord, read: string) => {
  const p = readPlate(read);
  return p !== null && s.plateKey !== null && confusableKey(p.plate) === s.plateKey;
};

/** Close s at event e; a billable session goes to review when flagged or when its plate is not certain. */
function close(b: Batch, s: SessionRecord, e: SessionEvent, how: CloseHow) {
  s.exitTime = e.time;
  s.exitDevice = e.deviceId;
  s.exitSeq = e.seq;
  s.exitConfidence = how.confidence;
  s.exitPlateRead = how.plateRead;
  s.matchMethod = s.status === 'anonymous' ? null : how.match;
  b.appliedEvents.add(evKey(e.deviceId, e.seq));
  touch(b, s);
  if (s.status === 'anonymous') return; // analytics only: never billed
  const reason = how.reviewReason ? appendReason(s.reviewReason, how.reviewReason) : s.reviewReason;
  if (how.plateRead !== null && readsThisCar(s, how.plateRead)) s.plateReads = withRead(s.plateReads, readOf(e, 'exit', how.plateRead, how.confidence, how.plateColor));
  b.plan.closedWithPlate.push(s);
  if (how.awaitExitRead) {
    // plate rule: a street camera reads the departing car seconds after the sensor frees the bay;
    // the stay is closed (and priced) now, its plate judged when that read comes (settle).
    s.plateCertainty = 'pending';
    s.reviewReason = reason;
    s.status = reason ? 'review' : 'closed';
    return;
  }
  judge(b, s, e, reason, how.confusableInLot ?? []);
}

/** Judge s's plate from its reads (billing/plate-evidence.ts); an uncertain plate sends it to review with the evidence. */
function judge(b: Batch, s: SessionRecord, e: SessionEvent, reason: string | null, confusableInLot: string[]) {
  const rules = b.rulesFor(s.lotId);
  const v = judgePlate(s.plateReads, { minConfidence: rules.minConfidence, homeProvince: rules.homeProvince, fallback: s.plate!, confusableInLot });
  s.plate = v.plate;
  s.plateKind = v.kind;
  s.plateCertainty = v.certainty;
  s.plateEvidence = v.evidence;
  if (v.certainty === 'uncertain' && v.evidence.rule === 'low-confidence') {
    // session rule: a low-confidence read never charges anyone automatically.
    const entry = s.plateReads.find((r) => r.role === 'entry')?.confidence ?? s.entryConfidence;
    const exit = [...s.plateReads].reverse().find((r) => r.role === 'exit')?.confidence ?? null;
    if (isLow(entry, rules)) reason = appendReason(reason, `low-confidence entry read (${fmt(entry)} < ${rules.minConfidence})`);
    if (isLow(exit, rules)) reason = appendReason(reason, `low-confidence exit read (${fmt(exit)} < ${rules.minConfidence})`);
    if (!isLow(entry, rules) && !isLow(exit, rules)) reason = appendReason(reason, 'low-confidence sighting');
    exception(b, e, 'low-confidence', s.plate, s, {
      code: 'low-confidence', params: { plate: s.plate, entryConfidence: entry, exitConfidence: exit, minConfidence: rules.minConfidence },
    });
  } else if (v.certainty === 'uncertain') {
    // plate rule: a stay whose plate is not certain goes to review, never to a stranger's bill.
    reason = appendReason(reason, `plate uncertain (${v.evidence.rule})`);
    exception(b, e, 'uncertain-plate', s.plate, s, {
      code: 'uncertain-plate',
      params: {
        plate: s.plate, rule: v.evidence.rule, candidates: v.evidence.candidates, confusableInLot: v.evidence.confusableInLot,
        reads: v.evidence.reads.map((r) => ({ role: r.role, read: r.read, confidence: r.confidence, at: r.at })),
      },
    });
  }
  s.reviewReason = reason;
  s.status = reason ? 'review' : 'closed';
}

/** A street session closed by its sensor whose plate was pending: judge it now, with the camera's exit read if it came. */
function settle(b: Batch, s: SessionRecord, e: BayEvent, exitRead: { read: string; confidence: number | null; color: string | null | undefined } | null) {
  if (exitRead) {
    s.plateReads = withRead(s.plateReads, readOf(e, 'exit', exitRead.read, exitRead.confidence, exitRead.color));
    s.exitPlateRead = exitRead.read;
    s.exitConfidence = exitRead.confidence;
    b.appliedEvents.add(evKey(e.deviceId, e.seq));
  }
  judge(b, s, e, s.reviewReason, []);
  b.plan.settled.push(s);
}

/** A gate camera read: an entry or an exit of a plate at a garage. */
function gateEvent(b: Batch, e: GateEvent) {
  const p = readPlate(e.plateRead);
  // session rule: an unreadable plate cannot be billed; an operator reads the image. A plate-shaped
  // misread (豫A012345 for 豫AD12345) is a read of some car: at entry it opens the stay under that
  // read, whose plate is judged at exit (plate rule 1 sets the misread aside); at an exit it may
  // find its session by confusable key (gateExit).
  if (!p) {
    exception(b, e, 'unreadable-plate', null, null, { code: 'unreadable-gate', params: { direction: e.direction, read: e.plateRead } });
    return;
  }
  const key = confusableKey(p.plate);
  const atKey = b.byLotKey.get(`${e.lotId}\u0000${key}`) ?? [];
  const open = atKey.filter((s) => s.status === 'open');
  if (e.direction === 'in') gateEntry(b, e, p, key, atKey, open);
  else gateExit(b, e, p, atKey, open);
}

/** An entry: opens a session, unless it is a replay, claims an exit that came first, or is a double entry. */
function gateEntry(b: Batch, e: GateEvent, p: PlateRead, key: string, atKey: SessionRecord[], open: SessionRecord[]) {
  const plate = p.plate;
  const t = e.time.getTime();
  // session rule: a replayed entry (new seq, same plate and time) opens nothing.
  if (atKey.some((s) => s.plate === plate && s.entryTime.getTime() === t)) { ignore(b, e, 'replay of an entry already recorded'); return; }
  // session rule: an entry that arrives after its exit claims the exit kept as exit-without-entry —
  // its own plate's, else the only one a misread away (the same confusable key), as an exit in order
  // would match; the plate rules then judge the two reads (a doubtful pair goes to review).
  const claimable = b.pending.filter((x) => !x.claimed && x.lotId === e.lotId && x.time.getTime() >= t);
  const similar = claimable.filter((x) => x.plate !== plate && confusableKey(x.plate) === key);
  const claim = claimable.filter((x) => x.plate === plate).sort((a, b) => a.time.getTime() - b.time.getTime())[0]
    ?? (similar.length === 1 ? similar[0] : undefined);
  if (claim) {
    claim.claimed = true;
    const s = newSession(e, plate, p.kind, key, e.confidence);
    create(b, s);
    close(b, s, { ...e, deviceId: claim.deviceId, seq: claim.seq, time: claim.time },
      { match: claim.plate === plate ? 'exact' : 'confusable', plateRead: claim.plate, confidence: claim.confidence });
    b.plan.claimedExits.push({ exceptionId: claim.exceptionId, note: `matched by the late entry ${e.deviceId}#${e.seq} at ${e.time.toISOString()}` });
    return;
  }
  const inside = open.find((s) => s.plate === plate);
  if (inside) {
    // session rule: a second entry of a plate already inside is an exception; the first
    // session stays open and goes to review when it closes.
    inside.reviewReason = appendReason(inside.reviewReason, 'double entry');
    touch(b, inside);
    exception(b, e, 'double-entry', plate, inside, {
      code: 'double-entry-open-session', params: { plate, enteredAt: e.time.toISOString(), sessionId: inside.id ?? null, openSince: inside.entryTime.toISOString() },
    });
    return;
  }
  create(b, newSession(e, plate, p.kind, key, e.confidence));
}

/** An exit: closes the open session it matches (exact plate, then confusable key), or is kept as an exception. */
function gateExit(b: Batch, e: GateEvent, p: PlateRead, atKey: SessionRecord[], open: SessionRecord[]) {
  const plate = p.plate;
  const t = e.time.getTime();
  // session rule: a replayed exit (new seq, same plate read and time) closes nothing.
  if (atKey.some((s) => s.exitTime?.getTime() === t && s.exitPlateRead === plate)) { ignore(b, e, 'replay of an exit already recorded'); return; }
  const before = open.filter((s) => s.entryTime.getTime() <= t);
  const latest = (list: SessionRecord[]) => list.reduce((a, b) => (b.entryTime > a.entryTime ? b : a));
  const exact = before.filter((s) => s.plate === plate);
  // plate rule 4: the other cars open at the lot with the same confusable key.
  const others = (s: SessionRecord) => open.filter((x) => x !== s).map((x) => x.plate!);
  if (exact.length) {
    const s = latest(exact);
    close(b, s, e, { match: 'exact', plateRead: plate, confidence: e.confidence, plateColor: e.plateColor, confusableInLot: others(s) });
    return;
  }
  // session rule: a misread matches only a unique candidate with the same confusable key at the same lot.
  const similar = before.filter((s) => s.plate !== plate);
  if (similar.length === 1) {
    close(b, similar[0], e, { match: 'confusable', plateRead: plate, confidence: e.confidence, plateColor: e.plateColor, confusableInLot: others(similar[0]) });
    return;
  }
  if (similar.length > 1) {
    exception(b, e, 'exit-without-entry', plate, null, { code: 'exit-ambiguous', params: { plate, candidates: similar.map((s) => s.plate!) } });
    return;
  }
  const later = open.filter((s) => s.entryTime.getTime() > t);
  if (later.length) {
    // session rule: an exit older than the entry of the session it would match never closes it.
    exception(b, e, 'exit-without-entry', plate, null, {
      code: 'exit-before-entry', params: { plate, exitAt: e.time.toISOString(), entryAt: latest(later).entryTime.toISOString() },
    });
    return;
  }
  if (!p.valid) {
    exception(b, e, 'unreadable-plate', plate, null, { code: 'exit-invalid-plate', params: { plate } });
    return;
  }
  exception(b, e, 'exit-without-entry', plate, null, { code: 'exit-no-session', params: { plate, exitAt: e.time.toISOString() } });
}

/** How long after its sensor freed the bay a street camera's exit read still counts as that stay's. */
const EXIT_READ_WINDOW_MS = 10 * 60_000;
/** …and how much earlier it may be stamped (the camera's clock against the sensor's). */
const EXIT_READ_EARLY_MS = 60_000;

/** A street bay report (camera or sensor), against what is open on the bay now. */
function bayEvent(b: Batch, e: BayEvent) {
  const t = e.time.getTime();
  const onBay = b.byBay.get(e.bayCode) ?? [];
  const current = onBay.filter((s) => s.exitTime === null && (s.status === 'open' || s.status === 'anonymous'))
    .reduce<SessionRecord | null>((a, b) => (!a || b.entryTime > a.entryTime ? b : a), null);
  const lastEnd = onBay.reduce((m, s) => Math.max(m, s.exitTime?.getTime() ?? -Infinity), -Infinity);
  // plate rule: a street stay closed by its sensor waits for the camera's exit read (settle); any
  // later report on the bay without it settles the stay on the reads it has.
  const pending = onBay.filter((s) => s.plateCertainty === 'pending' && s.exitTime !== null && s.status !== 'anonymous');
  for (const s of pending) {
    const exit = s.exitTime!.getTime();
    if (e.kind === 'camera' && !e.occupied && e.plateRead && readsThisCar(s, e.plateRead) && !current && t >= exit - EXIT_READ_EARLY_MS && t - exit <= EXIT_READ_WINDOW_MS) {
      settle(b, s, e, { read: readPlate(e.plateRead)?.plate ?? e.plateRead, confidence: e.confidence, color: e.plateColor });
      return;
    }
    if (t > exit) settle(b, s, e, null);
  }
  if (e.kind === 'camera' && e.occupied && lateCameraRead(b, e, onBay)) return;
  // session rule: a bay report older than the bay's latest change is stale (late or replayed).
  if ((current && t < current.entryTime.getTime()) || (!current && t < lastEnd)) { ignore(b, e, 'older than the bay\'s latest change (out of order or replayed)'); return; }
  if (e.kind === 'sensor') sensorReport(b, e, current);
  else cameraReport(b, e, current);
}

/** A bay sensor: confirms or starts an occupancy, or says the bay is free. */
function sensorReport(b: Batch, e: Extract<SessionEvent, { kind: 'sensor' }>, current: SessionRecord | null) {
  if (e.occupied) {
    if (current) { ignore(b, e, 'sensor confirms the bay is occupied'); return; }
    // session rule: a sensor-only occupancy is an anonymous period, never billed.
    create(b, anonymous(e));
    return;
  }
  if (!current) { ignore(b, e, 'bay already free'); return; }
  // session rule: the sensor saying free ends the camera session too; its plate is judged when the
  // camera's exit read comes (plate rule: every read of the vehicle counts).
  close(b, current, e, { match: 'bay', plateRead: null, confidence: null, awaitExitRead: current.plate !== null });
}

/** A high-mount camera: the bay is free, the same car, an unread car, or a new plate (a handover if the bay was never freed). */
function cameraReport(b: Batch, e: Extract<SessionEvent, { kind: 'camera' }>, current: SessionRecord | null) {
  const p = readPlate(e.plateRead);
  if (!e.occupied) {
    if (!current) { ignore(b, e, 'bay already free'); return; }
    close(b, current, e, { match: 'bay', plateRead: p?.plate ?? e.plateRead, confidence: e.confidence, plateColor: e.plateColor });
    return;
  }
  if (current && current.status === 'open' && p && (current.plate === p.plate || current.plateKey === confusableKey(p.plate))) {
    // plate rule: a sighting of the same car is one more read of its plate.
    current.plateReads = withRead(current.plateReads, readOf(e, 'sighting', p.plate, e.confidence, e.plateColor));
    touch(b, current);
    ignore(b, e, 'the same car is still in the bay');
    return;
  }
  // A plate-shaped misread is a read of the car: its stay's plate is judged at exit (plate rule 1).
  if (!p) {
    if (current) { ignore(b, e, 'camera confirms the bay is occupied'); return; }
    // session rule: an occupied bay whose plate cannot be read is kept as anonymous and reported.
    create(b, anonymous(e));
    exception(b, e, 'unreadable-plate', null, null, { code: 'unreadable-bay', params: { bay: e.bayCode, read: p ? e.plateRead : null } });
    return;
  }
  const key = confusableKey(p.plate);
  if (current && current.status === 'open') {
    // session rule: a different plate in a bay never reported free — the first car left unseen.
    close(b, current, e, { match: 'bay', plateRead: null, confidence: null, reviewReason: 'bay handover (exit time uncertain)' });
    exception(b, e, 'bay-handover', current.plate, current, { code: 'bay-handover', params: { plate: p.plate, bay: e.bayCode } });
  } else if (current) {
    // session rule: the camera's plate read ends the anonymous period the sensor started.
    close(b, current, e, { match: 'bay', plateRead: null, confidence: null });
  }
  create(b, newSession(e, p.plate, p.kind, key, e.confidence));
}

/**
 * session rule: a camera's plate read from inside an anonymous period that has already ended (the
 * read was delivered late: after the camera's exit read, or the sensor's free) splits the period
 * as it would have in order: the period ends at the read, and the plate's stay runs from the read
 * to the period's end, judged on its entry read and the exit read that ended the period (if any).
 * If a plate read ended the period (another car came), the stay is a handover, as in order; if it
 * was this car's read, its stay already exists and the late read changes nothing. Returns whether
 * the read was taken so. Only the bay's latest ended session is known here (loadContext).
 */
function lateCameraRead(b: Batch, e: CameraEvent, onBay: SessionRecord[]): boolean {
  const p = readPlate(e.plateRead);
  if (!p) return false;
  const t = e.time.getTime();
  const period = onBay.find((s) => s.status === 'anonymous' && s.exitTime !== null && s.entryTime.getTime() <= t && t < s.exitTime.getTime());
  if (!period) return false;
  const was = { deviceId: period.exitDevice!, seq: period.exitSeq!, time: period.exitTime! };
  const key = confusableKey(p.plate);
  const next = onBay.find((s) => s !== period && s.entryDevice === was.deviceId && s.entrySeq === was.seq);
  if (next && next.plateKey === key) { ignore(b, e, `a late read of the car whose stay on the bay began at ${was.time.toISOString()}`); return true; }
  const exitRead = period.exitPlateRead;
  const exitConfidence = period.exitConfidence;
  Object.assign(period, { exitTime: e.time, exitDevice: e.deviceId, exitSeq: e.seq, exitPlateRead: null, exitConfidence: null });
  b.appliedEvents.add(evKey(e.deviceId, e.seq));
  // A period this plan created is written in its final state; one that existed is shortened first.
  if (period.id !== undefined) b.plan.shortened.push({ session: period, was });
  const s = newSession(e, p.plate, p.kind, key, e.confidence);
  create(b, s);
  // The event that ended the period, as the camera read it (a sensor's free carries no read).
  const end: CameraEvent = { kind: 'camera', lotId: e.lotId, bayCode: e.bayCode, deviceId: was.deviceId, seq: was.seq, time: was.time, occupied: false, plateRead: exitRead, confidence: exitConfidence };
  if (next?.plate) {
    close(b, s, end, { match: 'bay', plateRead: null, confidence: null, reviewReason: 'bay handover (exit time uncertain)' });
    exception(b, end, 'bay-handover', s.plate, s, { code: 'bay-handover', params: { plate: next.plate, bay: e.bayCode } });
  } else if (exitRead !== null) {
    close(b, s, end, { match: 'bay', plateRead: exitRead, confidence: exitConfidence });
  } else {
    close(b, s, end, { match: 'bay', plateRead: null, confidence: null, awaitExitRead: true });
  }
  return true;
}

function newSession(e: GateEvent | Extract<SessionEvent, { kind: 'camera' }>, plate: string, kind: PlateKind | null, key: string, confidence: number | null): SessionRecord {
  return {
    lotId: e.lotId, bayCode: e.kind === 'gate' ? null : e.bayCode, plate, plateKind: kind, plateKey: key, status: 'open',
    entryTime: e.time, entryDevice: e.deviceId, entrySeq: e.seq, entryConfidence: confidence,
    exitTime: null, exitDevice: null, exitSeq: null, exitConfidence: null, exitPlateRead: null, matchMethod: null,
    // session rule: a low-confidence entry read sends the session to review when it closes (judge).
    reviewReason: null,
    plateReads: [readOf(e, 'entry', plate, confidence, e.plateColor)], plateCertainty: 'pending', plateEvidence: null,
  };
}

function anonymous(e: Extract<SessionEvent, { kind: 'camera' | 'sensor' }>): SessionRecord {
  return {
    lotId: e.lotId, bayCode: e.bayCode, plate: null, plateKind: null, plateKey: null, status: 'anonymous',
    entryTime: e.time, entryDevice: e.deviceId, entrySeq: e.seq, entryConfidence: null,
    exitTime: null, exitDevice: null, exitSeq: null, exitConfidence: null, exitPlateRead: null, matchMethod: null, reviewReason: null,
    // No plate, nothing to judge: never billed.
    plateReads: [], plateCertainty: 'certain', plateEvidence: null,
  };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
