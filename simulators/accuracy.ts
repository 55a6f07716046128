// How far the platform's view is from what really happened: the fleet's ground truth (fleet.ts
// truth() and stays()) against the bay states and sessions the platform holds. The comparison is
// pure (compareBays, compareSessions); the readers below fetch the platform's side over HTTP or SQL.
import type { BayTruth, TrueStay } from './fleet.ts';

export interface PlatformBay { code: string; occupied: boolean | null; since: Date | null }
export interface PlatformSession {
  plate: string | null; lotId: string; bayCode: string | null; status: string; entry: Date; exit: Date | null;
  /** billing/plate-evidence.ts: certain, uncertain, pending (a street exit read awaited) or confirmed (by an operator). */
  plateCertainty?: string;
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
}
export interface AccuracyReport { asOf: string; bays: BayAccuracy; billing: BillingAccuracy | null }

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
}

/** Compare every bay of the truth with the platform's state of it. Pure. */
export function compareBays(truth: ReadonlyMap<string, BayTruth>, platform: Iterable<PlatformBay>, o: CompareBaysOptions): BayAccuracy {
  const tol = o.toleranceMs ?? 1000;
  const asOf = o.asOf.getTime();
  const seen = new Map<string, PlatformBay>();
  for (const b of platform) seen.set(b.code, b);
  const r: BayAccuracy = {
    bays: truth.size, compared: 0, correct: 0, accuracy: NaN, unknown: 0, unknownShare: NaN, wrong: 0, ahead: 0, missing: 0,
    stalenessMs: { p50: NaN, p99: NaN, max: NaN }, faulty: { stuck: 0, dead: 0, correct: 0, accuracy: NaN },
  };
  const staleness: number[] = [];
  for (const [code, t] of truth) {
    const p = seen.get(code);
    if (!p) {
      r.missing += 1;
      continue;
    }
    const right = p.occupied === t.occupied;
    if (t.sensorFault) {
      r.faulty[t.sensorFault] += 1;
      if (right) r.faulty.correct += 1;
      continue;
    }
    r.compared += 1;
    if (right) {
      r.correct += 1;
      staleness.push(0);
    } else if (p.occupied !== null && p.since && p.since.getTime() > t.since.getTime() + tol) {
      r.ahead += 1;
    } else {
      if (p.occupied === null) r.unknown += 1;
      else r.wrong += 1;
      staleness.push(Math.max(0, asOf - t.since.getTime()));
    }
  }
  r.accuracy = share(r.correct, r.compared - r.ahead);
  r.unknownShare = share(r.unknown, r.compared);
  r.stalenessMs = percentiles(staleness);
  r.faulty.accuracy = share(r.faulty.correct, r.faulty.stuck + r.faulty.dead);
  return r;
}

export interface CompareSessionsOptions {
  /** How far a session's entry and exit may be from the true stay's; default 15 s (a street camera reads 2–10 s after the sensor). */
  toleranceMs?: number;
  /** Only stays that ended at or after this count towards staysWithoutSession (the platform's window). */
  since?: Date;
}

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
    withoutSessionNeverReported: 0, withoutSessionPlatformLost: 0,
  };
  /** The true stay a session records: same lot (and bay), entry and exit within tolerance, the closest; each stay once. */
  const match = (s: PlatformSession): TrueStay | null => {
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
  for (const t of stays) {
    if (t.exit.getTime() < since) continue;
    r.stays += 1;
    const s = used.get(t);
    if (!s) {
      r.staysWithoutSession += 1;
      if (t.unreported) r.withoutSessionNeverReported += 1;
      else r.withoutSessionPlatformLost += 1;
      continue;
    }
    const certainty = s.plateCertainty ?? 'certain';
    if (s.status === 'closed' && certainty === 'certain') r.autoBilled += 1;
    else if (s.status === 'review' || certainty === 'uncertain' || certainty === 'pending') r.inReview += 1;
    if (s.invoice?.billed && s.invoice.plate !== t.plate) {
      r.wrongPlateInvoices += 1;
      if (s.invoice.contactless) r.wrongContactlessCharges += 1;
    }
  }
  r.rightPlateShare = share(r.rightPlate, r.matched);
  r.reported = r.stays - r.withoutSessionNeverReported;
  r.autoBilledShare = share(r.autoBilled, r.reported);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Reading the platform's view.
// ---------------------------------------------------------------------------------------------

export interface Queryable { query(text: string, values?: unknown[]): Promise<{ rows: any[] }> }

/** Every bay's state in one query: the fast way for a 250k-bay city. */
export async function readBayStatesSql(pool: Queryable): Promise<PlatformBay[]> {
  const { rows } = await pool.query('SELECT bay_code, occupied, since FROM bay_state');
  return rows.map((r) => ({ code: r.bay_code, occupied: r.occupied, since: r.since ? new Date(r.since) : null }));
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
            i.plate AS invoice_plate, (i.plate_certain AND i.status <> 'void') AS billed,
            EXISTS (SELECT 1 FROM charges c WHERE c.invoice_id = i.id AND c.method = 'contactless' AND c.status IN ('pending', 'succeeded', 'held')) AS contactless
       FROM sessions s LEFT JOIN invoices i ON i.session_id = s.id
      WHERE s.status IN ('closed', 'review') AND s.plate IS NOT NULL AND s.exit_time >= $1`, [since]);
  return rows.map((r) => ({
    plate: r.plate, lotId: r.lot_id, bayCode: r.bay_code, status: r.status, entry: new Date(r.entry_time), exit: r.exit_time ? new Date(r.exit_time) : null,
    plateCertainty: r.plate_certainty,
    invoice: r.invoice_plate === null ? null : { plate: r.invoice_plate, billed: r.billed === true, contactless: r.contactless === true },
  }));
}

export interface AccuracyInput {
  truth: ReadonlyMap<string, BayTruth>;
  stays: readonly TrueStay[];
  asOf: Date;
  /** When the run started: sessions that closed before it are not the fleet's. */
  since: Date;
  /** A pool reads bay states in one query (and sessions); without one, bay states come over HTTP. */
  pool?: Queryable;
  httpUrl?: string;
  toleranceMs?: number;
}

/** Read the platform's view and compare it with the truth. */
export async function accuracyReport(i: AccuracyInput): Promise<AccuracyReport> {
  if (!i.pool && !i.httpUrl) throw new Error('accuracyReport needs a pool or an httpUrl to read the platform from');
  const platform = i.pool ? await readBayStatesSql(i.pool) : await readBayStatesHttp(i.httpUrl!);
  const bays = compareBays(i.truth, platform, { asOf: i.asOf, toleranceMs: i.toleranceMs });
  const sessions = i.pool ? await readClosedSessions(i.pool, i.since) : null;
  const billing = sessions ? compareSessions(i.stays, sessions, { since: i.since, toleranceMs: i.toleranceMs === undefined ? undefined : Math.max(15_000, i.toleranceMs) }) : null;
  return { asOf: i.asOf.toISOString(), bays, billing };
}
