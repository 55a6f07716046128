// How far the platform's view is from what really happened: the fleet's ground truth (fleet.ts
// truth() and stays()) against the bay states and sessions the platform holds. The comparison is
// pure (compareBays, compareSessions); the readers below fetch the platform's side over HTTP or SQL.
import type { BayTruth, DeviceFault, TrueStay } from './fleet.ts';

export interface PlatformBay { code: string; occupied: boolean | null; since: Date | null; /** why the platform believes it (basis, doubt), when read over SQL */ why?: string }
export interface PlatformSession {
  plate: string | null; lotId: string; bayCode: string | null; status: string; entry: Date; exit: Date | null;
  /** billing/plate-evidence.ts: certain, uncertain, pending (a street exit read awaited) or confirmed (by an operator). */
  plateCertainty?: string;
  why?: string; // not billed automatically: the plate rule that left it uncertain, or its review exceptions
  /** The session's invoice, when it has one: its plate, whether it is the plate's bill (plate_certain) and not void, and whether a contactless charge was made. */
  invoice?: { plate: string; billed: boolean; contactless: boolean } | null;
}
export interface Percentiles { p50: number; p99: number; max: number }

export interface BayAccuracy {
  /** Bays in the truth. */
  bays: number;
  /** Bays whose sensor works (or that have none), each judged below. */
  compared: number;
  /** …whose state on the platform equals the truth. */
  correct: number;
  /** correct / (compared − ahead), 0..1. */
  accuracy: number;
  /** Compared bays the platform shows as unknown (never reported), and their share. */
  unknown: number;
  unknownShare: number;
  /** Compared bays the platform shows free when occupied or the reverse. */
  wrong: number;
  /**
   * Compared bays where the platform already shows a change newer than the truth snapshot (it was
   * taken a moment before the platform was read): neither right nor wrong, left out of accuracy.
   */
  ahead: number;
  /** Bays in the truth the platform does not have at all. */
  missing: number;
  /** How long each compared bay's platform state has lagged the truth: 0 when current, else asOf − truth.since (ms). */
  stalenessMs: Percentiles;
  /** Bays whose sensor is stuck or dead, judged apart: the platform cannot be expected to know. */
  faulty: { stuck: number; dead: number; correct: number; accuracy: number };
  /** Every bay, faulty included: taken in truth but shown free (the error a driver cannot forgive), and its share. "Ahead" left out. */
  wrongFree: number;
  wrongFreeShare: number;
  /** …of which on bays whose sensor is stuck or dead. */
  wrongFreeFaulty: number;
  /** …of which no device ever published the bay's present state (lost, or held back at the end; CompareBaysOptions.unsent). */
  wrongFreeUnsent: number;
  wrongFreeHeardShare: number; // (wrongFree − wrongFreeUnsent) / bays: those the platform had a report to avoid
  /**
   * How long before the end the car parked on each wrong "free" bay (event time, ms): a report still
   * on its way (a late message, a link's backlog) is seconds old; a lost one lasts until the sensor's
   * next heartbeat, which repeats its reading.
   */
  wrongFreeAgeMs: { p50: number; p99: number; max: number };
  /** Up to 10 compared bays not right, each "code: truth … shown … (why)", to look into. */
  examples: string[];
}
/** Faulty devices found: the fleet's faults against the platform's silent/stuck alerts (event time). */
export interface FaultDetection {
  /** Faulty devices whose fault showed at least `graceIntervals` heartbeats before the end, and of them flagged. */
  observable: number;
  flagged: number;
  /** …not flagged by the end, and up to 10 of them ("device (fault)"). */
  missed: number;
  missedExamples: string[];
  /** Flag time − when the fault first showed, in heartbeat intervals (p50 / p99 / max). */
  delayIntervals: Percentiles;
  /** …flagged within 2 heartbeat intervals, share of those flagged. */
  within2Share: number;
  /** Alerts raised in the window on devices the fleet runs healthy, by kind. */
  falseAlarms: { silent: number; stuck: number };
  /** …and before it (the city switching on): apart, as no window measures them, but operators see them. */
  falseAlarmsBefore: { silent: number; stuck: number };
  /** Up to 5 false alarms of each kind with the figures that raised them, to look into. */
  falseAlarmExamples: string[];
  /**
   * Faulty devices none of whose messages was ever published (a dead device whose first word was
   * lost): the platform never heard of them, so it has no heartbeat of theirs to miss. Counted
   * apart from `observable`, with how many were flagged all the same and the latest of those, in
   * heartbeat intervals after their first missed beat.
   */
  neverHeard: { count: number; flagged: number; delayMax: number };
  /** Faults that showed before the fleet's start-up report had all been sent (CompareFaultsOptions.settledAt), judged apart. */
  duringStartup: { observable: number; flagged: number; missed: number; delayMax: number };
  /** Up to 10 devices flagged later than 2 heartbeat intervals ("device (fault) since … flagged kind after N"), during the start-up report or after. */
  lateExamples: string[];
}
export interface BillingAccuracy {
  /** Closed sessions on the platform in the window. */
  closed: number;
  /** …that match a true stay (same lot, same bay on street, entry and exit within tolerance). */
  matched: number;
  /** …billed to the plate of the car that really parked. */
  rightPlate: number;
  /** rightPlate / matched, 0..1. */
  rightPlateShare: number;
  /** Closed sessions with no true stay to match (phantoms, or stays older than the fleet remembers). */
  unmatched: number;
  /** True stays that ended in the window with no closed session for them. */
  staysWithoutSession: number;
  /** True stays that ended in the window. */
  stays: number;
  /** …less those the fleet never reported (withoutSessionNeverReported): what a platform could bill, the denominator of autoBilledShare. */
  reported: number;
  /** Invoices issued to a driver (the plate's bill: certain or confirmed, not void) whose plate is not the car's that parked. */
  wrongPlateInvoices: number;
  /** Contactless charges (pending or made) of such invoices. */
  wrongContactlessCharges: number;
  /** Stays billed with no person involved: a closed session whose plate is certain. */
  autoBilled: number;
  /** autoBilled / reported, 0..1. */
  autoBilledShare: number;
  /** Stays whose session waits in the operators' review queue (or whose plate is still pending). */
  inReview: number;
  /** Stays with no session (in any state) for them, split: the fleet never reported them (its faults lost their entry or every report of their exit) … */
  withoutSessionNeverReported: number;
  /** … or the platform lost them. */
  withoutSessionPlatformLost: number;
  /**
   * …of the stays without a closed session, those whose exit the platform put in the operators'
   * queue as an exception naming the plate (an exit that could be either of two confusable open
   * sessions, or whose only session an earlier doubtful exit had closed): in review, not lost.
   */
  exitInReview: number;
  /**
   * …and those whose session entered with them (same plate, lot and entry) and waits in the
   * operators' review queue with an exit that is not theirs: two confusable cars whose exits
   * crossed, each session given the other's exit and both sent to review (plate rule 4). In
   * review, not lost.
   */
  crossedInReview: number;
  /** Stays in review by why: pending, `plate: <rule>` (docs/plates.md), review exceptions, exit in review, crossed. */
  reviewReasons: Record<string, number>;
  /**
   * Up to 5 of each error, to look into: a stay the platform lost (with the sessions of its plate in
   * that lot, if any: one just outside the matching tolerance is a timing, not a loss) and a stay
   * billed to a wrong plate.
   */
  examples: string[];
}
export interface AccuracyReport { asOf: string; bays: BayAccuracy; billing: BillingAccuracy | null; faults: FaultDetection | null }

/** p-th percentile of ascending `sorted` (nearest rank); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function percentiles(values: number[]): Percentiles {
  const s = Float64Array.from(values).sort();
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN };
}
const share = (n: number, d: number) => (d > 0 ? n / d : NaN);

export interface CompareBaysOptions {
  /** When the truth was taken. */
  asOf: Date;
  /**
   * Slack for comparing event times (device clock skew, the truth being taken a moment before the
   * platform was read); default 1 s. Add the fleet's clockSkewSeconds when skew is on.
   */
  toleranceMs?: number;
  /** Bays whose present state the fleet never published (Truth.unsent), to say how many wrong "free"s no platform could have avoided. */
  unsent?: ReadonlySet<string>;
}

/** Compare every bay of the truth with the platform's state of it. Pure. */
export function compareBays(truth: ReadonlyMap<string, BayTruth>, platform: Iterable<PlatformBay>, o: CompareBaysOptions): BayAccuracy {
  const tol = o.toleranceMs ?? 1000;
  const asOf = o.asOf.getTime();
  const seen = new Map<string, PlatformBay>();
  for (const b of platform) seen.set(b.code, b);
  const r: BayAccuracy = {
    bays: truth.size, compared: 0, correct: 0, accuracy: NaN, unknown: 0, unknownShare: NaN, wrong: 0, ahead: 0, missing: 0,
    stalenessMs: { p50: NaN, p99: NaN, max: NaN }, faulty: { stuck: 0, dead: 0, correct: 0, accuracy: NaN }, wrongFree: 0, wrongFreeShare: NaN, wrongFreeFaulty: 0, wrongFreeUnsent: 0, wrongFreeHeardShare: NaN, wrongFreeAgeMs: { p50: NaN, p99: NaN, max: NaN }, examples: [],
  };
  const staleness: number[] = [];
  const wrongFreeAges: number[] = [];
  for (const [code, t] of truth) {
    const p = seen.get(code);
    if (!p) {
      r.missing += 1;
      continue;
    }
    const right = p.occupied === t.occupied;
    const ahead = !right && p.occupied !== null && p.since !== null && p.since.getTime() > t.since.getTime() + tol;
    if (t.occupied && p.occupied === false && !ahead) {
      r.wrongFree += 1;
      if (t.sensorFault) r.wrongFreeFaulty += 1;
      if (o.unsent?.has(code)) r.wrongFreeUnsent += 1;
      wrongFreeAges.push(Math.max(0, asOf - t.since.getTime()));
    }
    if (t.sensorFault) {
      r.faulty[t.sensorFault] += 1;
      if (right) r.faulty.correct += 1;
      continue;
    }
    r.compared += 1;
    if (right) {
      r.correct += 1;
      staleness.push(0);
    } else if (ahead) {
      r.ahead += 1;
    } else {
      if (p.occupied === null) r.unknown += 1;
      else r.wrong += 1;
      if (r.examples.length < 10) {
        const word = (v: boolean | null) => (v === null ? 'unknown' : v ? 'taken' : 'free');
        r.examples.push(`${code}: ${word(t.occupied)} since ${t.since.toISOString()}, shown ${word(p.occupied)} since ${p.since?.toISOString() ?? '-'}${p.why ? ` (${p.why})` : ''}`);
      }
      staleness.push(Math.max(0, asOf - t.since.getTime()));
    }
  }
  r.accuracy = share(r.correct, r.compared - r.ahead);
  r.unknownShare = share(r.unknown, r.compared);
  r.stalenessMs = percentiles(staleness);
  r.faulty.accuracy = share(r.faulty.correct, r.faulty.stuck + r.faulty.dead);
  r.wrongFreeShare = share(r.wrongFree, truth.size);
  r.wrongFreeHeardShare = share(r.wrongFree - r.wrongFreeUnsent, truth.size);
  r.wrongFreeAgeMs = percentiles(wrongFreeAges);
  return r;
}

/** A device alert as stored (migrations/017, 024): raisedAt is the event time it was raised at. */
export interface PlatformAlert { deviceId: string; kind: string; raisedAt: Date; details?: unknown }

export interface CompareFaultsOptions {
  /** A heartbeat interval in event time (ms): the unit of delay. */
  heartbeatMs: number;
  asOf: Date;
  /** When the run started: alerts before it are not judged. */
  since: Date;
  /** A fault that showed less than this many intervals before asOf is not yet due; default 2. */
  graceIntervals?: number;
  /**
   * When the fleet's start-up report had all been sent. A fault that showed before it is judged
   * apart (`duringStartup`): the ramp held devices' messages for minutes, the evidence that shows a
   * fault (a garage's gate events, a camera's read) among them, so those delays are the ramp's.
   */
  settledAt?: Date;
}

/**
 * Detection delay and false alarms. A dead device is flagged by a "silent" alert, a stuck sensor by
 * a "stuck" one (or a "silent" one); the delay runs from when the fault first showed — a dead
 * device's first heartbeat not sent, a stuck sensor's first report that was wrong — to the alert's
 * event time. An alert on a device the fleet runs healthy is a false alarm. Pure.
 */
export function compareFaults(faults: readonly DeviceFault[], alerts: readonly PlatformAlert[], o: CompareFaultsOptions): FaultDetection {
  const grace = (o.graceIntervals ?? 2) * o.heartbeatMs;
  const byDevice = new Map<string, PlatformAlert[]>();
  for (const a of alerts) {
    const list = byDevice.get(a.deviceId);
    if (list) list.push(a);
    else byDevice.set(a.deviceId, [a]);
  }
  const faulty = new Set(faults.map((f) => f.deviceId));
  const r: FaultDetection = { observable: 0, flagged: 0, missed: 0, delayIntervals: { p50: NaN, p99: NaN, max: NaN }, within2Share: NaN, falseAlarms: { silent: 0, stuck: 0 }, falseAlarmsBefore: { silent: 0, stuck: 0 }, missedExamples: [], falseAlarmExamples: [], lateExamples: [], neverHeard: { count: 0, flagged: 0, delayMax: NaN }, duringStartup: { observable: 0, flagged: 0, missed: 0, delayMax: NaN } };
  const delays: number[] = [];
  const startupDelays: number[] = [];
  const neverHeardDelays: number[] = [];
  for (const f of faults) {
    // An intermittent radio's outages come and go: its alerts are neither found faults nor false alarms.
    if (f.fault === 'intermittent' || !f.since || f.since.getTime() > o.asOf.getTime() - grace) continue;
    const kinds = f.fault === 'dead' ? ['silent'] : ['stuck', 'silent'];
    const hit = (byDevice.get(f.deviceId) ?? []).filter((a) => kinds.includes(a.kind)).sort((a, b) => a.raisedAt.getTime() - b.raisedAt.getTime())[0];
    const delay = hit ? Math.max(0, hit.raisedAt.getTime() - f.since.getTime()) / o.heartbeatMs : null;
    if (!f.heard) {
      r.neverHeard.count += 1;
      if (delay !== null) { r.neverHeard.flagged += 1; neverHeardDelays.push(delay); }
      continue;
    }
    const startup = o.settledAt !== undefined && f.since.getTime() < o.settledAt.getTime();
    if (hit && delay !== null && delay > 2 && r.lateExamples.length < 10) {
      r.lateExamples.push(`${f.deviceId} (${f.fault}${startup ? ', during the start-up report' : ''}) since ${f.since.toISOString()} flagged ${hit.kind} after ${delay.toFixed(2)}`);
    }
    if (startup) {
      r.duringStartup.observable += 1;
      if (delay === null) r.duringStartup.missed += 1;
      else {
        r.duringStartup.flagged += 1;
        startupDelays.push(delay);
      }
      continue;
    }
    r.observable += 1;
    if (delay === null) {
      r.missed += 1;
      if (r.missedExamples.length < 10) r.missedExamples.push(`${f.deviceId} (${f.fault}) since ${f.since.toISOString()}`);
      continue;
    }
    r.flagged += 1;
    delays.push(delay);
  }
  for (const a of alerts) {
    if (faulty.has(a.deviceId) || (a.kind !== 'silent' && a.kind !== 'stuck')) continue;
    if (a.raisedAt.getTime() < o.since.getTime()) r.falseAlarmsBefore[a.kind] += 1;
    else if (r.falseAlarms[a.kind]++ < 5) r.falseAlarmExamples.push(`${a.deviceId} ${a.kind} at ${a.raisedAt.toISOString()} ${JSON.stringify(a.details ?? {})}`);
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  const p = percentiles(delays);
  r.delayIntervals = { p50: round(p.p50), p99: round(p.p99), max: round(p.max) };
  r.within2Share = share(delays.filter((d) => d <= 2).length, delays.length);
  r.duringStartup.delayMax = startupDelays.length ? round(Math.max(...startupDelays)) : NaN;
  r.neverHeard.delayMax = neverHeardDelays.length ? round(Math.max(...neverHeardDelays)) : NaN;
  return r;
}

/**
 * The benchmark table's rows for bays shown free when taken and for faulty devices found
 * (bench:city): [what, got, target, pass or null].
 */
export function faultTableRows(r: AccuracyReport): Array<[string, string, string, boolean | null]> {
  const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(2)}%` : 'n/a'), f = r.faults;
  const secs = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms / 1000)} s` : 'n/a');
  return [
    // Judged where some device had published the bay's state: no platform could avoid a lost or held report.
    ['wrong "free"', `${pct(r.bays.wrongFreeHeardShare)} where the fleet had published the bay's state (${r.bays.wrongFree - r.bays.wrongFreeUnsent} of ${r.bays.bays} bays; ${r.bays.wrongFree} in all, ${pct(r.bays.wrongFreeShare)}: ${r.bays.wrongFreeFaulty} on faulty sensors, ${r.bays.wrongFreeUnsent} never published by the fleet; parked p50 ${secs(r.bays.wrongFreeAgeMs.p50)} max ${secs(r.bays.wrongFreeAgeMs.max)} before the end)`, '≤ 0.05%', r.bays.wrongFreeHeardShare <= 0.0005],
    ['faulty devices found', f ? `${f.flagged} of ${f.observable} (${f.missed} missed), delay p50 ${f.delayIntervals.p50} max ${f.delayIntervals.max} heartbeats; false alarms ${f.falseAlarms.silent} silent, ${f.falseAlarms.stuck} stuck (before the window ${f.falseAlarmsBefore.silent} silent, ${f.falseAlarmsBefore.stuck} stuck); ${f.neverHeard.count} never heard at all (${f.neverHeard.flagged} flagged${f.neverHeard.flagged ? `, max ${f.neverHeard.delayMax}` : ''}); while the start-up report was sent ${f.duringStartup.flagged} of ${f.duringStartup.observable} (${f.duringStartup.missed} missed), max ${f.duringStartup.delayMax}` : 'not measured',
      '≤ 2 heartbeats', f && f.observable ? f.missed === 0 && f.delayIntervals.max <= 2 : null],
  ];
}

/** Every silent and stuck alert, with the event time it was raised at (opened_at before migrations/024). */
export async function readFaultAlerts(pool: Queryable): Promise<PlatformAlert[]> {
  const { rows } = await pool.query(
    `SELECT device_id, kind, coalesce(raised_event_time, opened_at) AS raised, details || jsonb_build_object('resolvedAt', resolved_at) AS details
       FROM device_alerts WHERE kind IN ('silent', 'stuck')`);
  return rows.map((r) => ({ deviceId: r.device_id, kind: r.kind, raisedAt: new Date(r.raised), details: r.details }));
}

export interface CompareSessionsOptions {
  /** How far a session's entry and exit may be from the true stay's; default 15 s (a street camera reads 2–10 s after the sensor). */
  toleranceMs?: number;
  /** Only stays that ended at or after this count towards staysWithoutSession (the platform's window). */
  since?: Date;
  /** Exits the platform queued for an operator as exceptions (readExitExceptions). */
  exitExceptions?: readonly ExitException[];
}
export interface ExitException { plate: string; lotId: string; at: Date; candidates?: string[] } // candidates: the open sessions' plates an ambiguous exit names

/**
 * Match each closed session to the true stay it records — same lot, same bay when the session
 * names one, entry and exit within tolerance, the closest first — and count those billed to the
 * plate of the car that really parked. Each stay is matched at most once. Pure.
 */
export function compareSessions(stays: readonly TrueStay[], sessions: readonly PlatformSession[], o: CompareSessionsOptions = {}): BillingAccuracy {
  const tol = o.toleranceMs ?? 15_000;
  const byLot = new Map<string, TrueStay[]>();
  for (const s of stays) {
    const list = byLot.get(s.lotId);
    if (list) list.push(s);
    else byLot.set(s.lotId, [s]);
  }
  for (const list of byLot.values()) list.sort((a, b) => a.entry.getTime() - b.entry.getTime());
  const used = new Map<TrueStay, PlatformSession>();
  const r: BillingAccuracy = {
    closed: 0, matched: 0, rightPlate: 0, rightPlateShare: NaN, unmatched: 0, staysWithoutSession: 0,
    stays: 0, reported: 0, wrongPlateInvoices: 0, wrongContactlessCharges: 0, autoBilled: 0, autoBilledShare: NaN, inReview: 0,
    withoutSessionNeverReported: 0, withoutSessionPlatformLost: 0, exitInReview: 0, crossedInReview: 0, reviewReasons: {}, examples: [],
  };
  const match = stayMatcher(byLot, used, tol);
  // Closed sessions first: they claim their stays before sessions in review do.
  const ordered = [...sessions].filter((s) => s.exit).sort((a, b) => Number(b.status === 'closed') - Number(a.status === 'closed'));
  for (const s of ordered) {
    if (s.status === 'closed') r.closed += 1;
    const best = match(s);
    if (!best) {
      if (s.status === 'closed') r.unmatched += 1;
      continue;
    }
    used.set(best, s);
    if (s.status !== 'closed') continue;
    r.matched += 1;
    if (s.plate === best.plate) r.rightPlate += 1;
  }
  const since = o.since?.getTime() ?? -Infinity;
  const exitQueued = (t: TrueStay) => (o.exitExceptions ?? []).some((x) => (x.plate === t.plate || !!x.candidates?.includes(t.plate)) && x.lotId === t.lotId && Math.abs(x.at.getTime() - t.exit.getTime()) <= tol);
  // Sessions in review that recorded no stay, each claimable once by a stay that entered with it.
  const claimed = new Set<PlatformSession>(used.values());
  const crossed = (t: TrueStay) => {
    const s = sessions.find((x) => !claimed.has(x) && x.status === 'review' && x.plate === t.plate && x.lotId === t.lotId && Math.abs(x.entry.getTime() - t.entry.getTime()) <= tol);
    if (s) claimed.add(s);
    return s !== undefined;
  };
  const inReview = (why: string) => { r.inReview += 1; r.reviewReasons[why] = (r.reviewReasons[why] ?? 0) + 1; };
  for (const t of stays) {
    if (t.exit.getTime() < since) continue;
    r.stays += 1;
    const s = used.get(t);
    if (!s) {
      r.staysWithoutSession += 1;
      if (t.unreported) r.withoutSessionNeverReported += 1;
      else if (exitQueued(t)) {
        r.exitInReview += 1;
        inReview('exit in review');
      } else if (crossed(t)) {
        r.crossedInReview += 1;
        inReview('crossed');
      } else {
        r.withoutSessionPlatformLost += 1;
        if (r.withoutSessionPlatformLost <= 5) {
          const near = sessions.filter((x) => x.plate === t.plate && x.lotId === t.lotId).map(sessionText);
          r.examples.push(`lost: ${stayText(t)}; sessions of that plate there: ${near.length ? near.join(', ') : 'none'}`);
        }
      }
      continue;
    }
    const certainty = s.plateCertainty ?? 'certain';
    if (s.status === 'closed' && certainty === 'certain') r.autoBilled += 1;
    else if (s.status === 'review' || certainty === 'uncertain' || certainty === 'pending') inReview(certainty === 'pending' ? 'pending' : s.why ?? s.status);
    if (s.invoice?.billed && s.invoice.plate !== t.plate) {
      r.wrongPlateInvoices += 1;
      if (s.invoice.contactless) r.wrongContactlessCharges += 1;
      if (r.wrongPlateInvoices <= 5) r.examples.push(`wrong plate: ${stayText(t)} billed as ${sessionText(s)}`);
    }
  }
  r.rightPlateShare = share(r.rightPlate, r.matched);
  r.reported = r.stays - r.withoutSessionNeverReported;
  r.autoBilledShare = share(r.autoBilled, r.reported);
  return r;
}

/** The true stay a session records: same lot (and bay), entry and exit within tolerance, the closest; each stay once. */
function stayMatcher(byLot: ReadonlyMap<string, TrueStay[]>, used: ReadonlyMap<TrueStay, PlatformSession>, tol: number) {
  return (s: PlatformSession): TrueStay | null => {
    const list = byLot.get(s.lotId) ?? [];
    const entry = s.entry.getTime();
    const exit = s.exit!.getTime();
    // Binary search the first stay that entered within tolerance, then scan the window.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].entry.getTime() < entry - tol) lo = mid + 1;
      else hi = mid;
    }
    let best: TrueStay | null = null;
    let bestCost = Infinity;
    for (let i = lo; i < list.length && list[i].entry.getTime() <= entry + tol; i++) {
      const t = list[i];
      if (used.has(t) || (s.bayCode && t.bayCode !== s.bayCode)) continue;
      const dExit = Math.abs(t.exit.getTime() - exit);
      if (dExit > tol) continue;
      const cost = Math.abs(t.entry.getTime() - entry) + dExit;
      // A tie goes to the stay of the session's plate: with wall-clock stamps, cars a garage's gates
      // see in the same tick share entry and exit to the millisecond, and the times alone would pair
      // them crosswise (measured: every "wrong plate" of bench:city before this was such a pair).
      if (cost < bestCost || (cost === bestCost && best !== null && t.plate === s.plate && best.plate !== s.plate)) {
        best = t;
        bestCost = cost;
      }
    }
    return best;
  };
}

const stayText = (t: TrueStay) => `${t.plate} ${t.lotId}${t.bayCode ? `/${t.bayCode}` : ''} ${t.entry.toISOString()}–${t.exit.toISOString()}`;
const sessionText = (s: PlatformSession) =>
  `${s.plate ?? '?'} ${s.status}${s.bayCode ? ` ${s.bayCode}` : ''} ${s.entry.toISOString()}–${s.exit?.toISOString() ?? 'open'}${s.plateCertainty ? ` (${s.plateCertainty})` : ''}`;

// ---------------------------------------------------------------------------------------------
// Reading the platform's view.
// ---------------------------------------------------------------------------------------------

export interface Queryable { query(text: string, values?: unknown[]): Promise<{ rows: any[] }> }

/** Every bay's state in one query: the fast way for a 250k-bay city. */
export async function readBayStatesSql(pool: Queryable): Promise<PlatformBay[]> {
  const { rows } = await pool.query(`SELECT bay_code, occupied, since,
      to_jsonb(bay_state) - 'bay_code' - 'lot_id' - 'occupied' - 'since' - 'seq' AS why FROM bay_state`);
  return rows.map((r) => ({ code: r.bay_code, occupied: r.occupied, since: r.since ? new Date(r.since) : null, why: JSON.stringify(r.why) }));
}

/** Every bay's state as a map client sees it: GET /api/v1/lots, then /api/v1/lots/:id for each (`concurrency` at once). */
export async function readBayStatesHttp(httpUrl: string, opts: { concurrency?: number } = {}): Promise<PlatformBay[]> {
  const get = async (p: string) => {
    const res = await fetch(`${httpUrl}${p}`);
    if (!res.ok) throw new Error(`GET ${p}: HTTP ${res.status}`);
    return res.json() as Promise<any>;
  };
  const ids: string[] = (await get('/api/v1/lots')).lots.map((l: { id: string }) => l.id);
  const out: PlatformBay[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const body = await get(`/api/v1/lots/${encodeURIComponent(ids[next++])}`);
      for (const b of body.bays) out.push({ code: b.code, occupied: b.occupied, since: b.since ? new Date(b.since) : null });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, ids.length)) }, worker));
  return out;
}

/**
 * Sessions with a plate that ended at or after `since` (closed or in review), with their plate
 * certainty and invoice; null when the platform has no sessions table (billing not installed).
 */
export async function readClosedSessions(pool: Queryable, since: Date): Promise<PlatformSession[] | null> {
  const { rows: exists } = await pool.query(`SELECT to_regclass('sessions') IS NOT NULL AS ok`);
  if (!exists[0]?.ok) return null;
  const { rows } = await pool.query(
    `SELECT s.plate, s.lot_id, s.bay_code, s.status, s.entry_time, s.exit_time, s.plate_certainty,
            CASE WHEN s.plate_certainty = 'uncertain' THEN 'plate: ' || coalesce(s.plate_evidence->>'rule', '?') WHEN s.status = 'review' THEN (SELECT string_agg(DISTINCT x.kind, ', ') FROM session_exceptions x WHERE x.session_id = s.id) END AS why,
            i.plate AS invoice_plate, (i.plate_certain AND i.status <> 'void') AS billed,
            EXISTS (SELECT 1 FROM charges c WHERE c.invoice_id = i.id AND c.method = 'contactless' AND c.status IN ('pending', 'succeeded', 'held')) AS contactless
       FROM sessions s LEFT JOIN invoices i ON i.session_id = s.id
      WHERE s.status IN ('closed', 'review') AND s.plate IS NOT NULL AND s.exit_time >= $1`, [since]);
  return rows.map((r) => ({
    plate: r.plate, lotId: r.lot_id, bayCode: r.bay_code, status: r.status, entry: new Date(r.entry_time), exit: r.exit_time ? new Date(r.exit_time) : null,
    plateCertainty: r.plate_certainty, ...(r.why ? { why: r.why } : {}),
    invoice: r.invoice_plate === null ? null : { plate: r.invoice_plate, billed: r.billed === true, contactless: r.contactless === true },
  }));
}

/**
 * Exits queued for an operator since `since`: an exit read that matched no open session, or could be
 * either of two (both kind exit-without-entry; the ambiguous one's detail code is exit-ambiguous).
 */
export async function readExitExceptions(pool: Queryable, since: Date): Promise<ExitException[]> {
  const { rows } = await pool.query(
    `SELECT plate, lot_id, event_time, detail_coded->'params'->'candidates' AS candidates FROM session_exceptions
      WHERE kind = 'exit-without-entry' AND plate IS NOT NULL AND event_time >= $1`, [since]);
  return rows.map((r) => ({ plate: r.plate, lotId: r.lot_id, at: new Date(r.event_time), ...(Array.isArray(r.candidates) ? { candidates: r.candidates } : {}) }));
}

export interface AccuracyInput {
  truth: ReadonlyMap<string, BayTruth>;
  /** Bays whose present state the fleet never published (Truth.unsent). */
  unsent?: ReadonlySet<string>;
  stays: readonly TrueStay[];
  asOf: Date;
  /** When the run started: sessions that closed before it are not the fleet's. */
  since: Date;
  /** A pool reads bay states in one query (and sessions); without one, bay states come over HTTP. */
  pool?: Queryable;
  httpUrl?: string;
  toleranceMs?: number;
  /** The fleet's faulty devices and the heartbeat interval in event time (ms): detection delay and false alarms (needs `pool`). */
  faults?: readonly DeviceFault[];
  heartbeatMs?: number;
  /** When the fleet's start-up report had all been sent (CompareFaultsOptions.settledAt). */
  settledAt?: Date;
}

/** Read the platform's view and compare it with the truth. */
export async function accuracyReport(i: AccuracyInput): Promise<AccuracyReport> {
  if (!i.pool && !i.httpUrl) throw new Error('accuracyReport needs a pool or an httpUrl to read the platform from');
  const platform = i.pool ? await readBayStatesSql(i.pool) : await readBayStatesHttp(i.httpUrl!);
  const bays = compareBays(i.truth, platform, { asOf: i.asOf, toleranceMs: i.toleranceMs, unsent: i.unsent });
  const toleranceMs = Math.max(15_000, i.toleranceMs ?? 0);
  // Sessions that closed up to a tolerance before the window: a stay that ended just inside it may
  // have its session's exit (the sensor's "free") a moment before (it was counted lost otherwise).
  const from = new Date(i.since.getTime() - toleranceMs);
  const sessions = i.pool ? await readClosedSessions(i.pool, from) : null;
  const exitExceptions = sessions ? await readExitExceptions(i.pool!, from) : [];
  const billing = sessions ? compareSessions(i.stays, sessions, { since: i.since, toleranceMs, exitExceptions }) : null;
  const faults = i.pool && i.faults && i.heartbeatMs
    ? compareFaults(i.faults, await readFaultAlerts(i.pool), { heartbeatMs: i.heartbeatMs, asOf: i.asOf, since: i.since, settledAt: i.settledAt })
    : null;
  return { asOf: i.asOf.toISOString(), bays, billing, faults };
}
