// Free bays at arrival (issue 15): a lot's forecast for the next 2 hours in 15-minute steps, from its own
// history. Pure (no I/O), and in core/ so that the platform's job (analytics/forecast-job.ts) and `npm run bench:forecast`
// call these same functions. The model, in three parts a person can check by hand:
//
// 1. Profile — mean free bays for each 15-minute slot of the week in the lot's zone (7 × 96 slots),
//    shrunk towards the same slot of the day type (weekday / weekend) so that four Mondays' noise
//    does not become the forecast.
// 2. Today's deviation — how far the lot is from its profile now, and over the last 2 hours, carried
//    forward with one weight pair per horizon fitted on the lot's own history (least squares): a
//    busy morning tends to stay busy, a momentary blip fades; the weights shrink with the horizon.
// 3. Arrivals already heading there — each guidance request that chose the lot takes
//    GUIDED_ARRIVAL_SHARE of a bay from the time the driver should arrive.
//
// The chance of at least one free bay is read from the lot's own record: back-testing the forecast
// on its history (each day left out of the profile it is scored against, so the record is honest),
// how often was there a space when the forecast said about f free bays, f in bands, per horizon.
// That curve is fitted on the very record it is read against, so a band it happened to see go badly
// is stated too low next time (and the reverse): the stated chance is then passed through a monotone
// recalibration map fitted on an out-of-fold back-test (each week of history read against curves
// fitted without it) — the lot's own until `recalibrate` pools every lot's record into the city's.
import { MINUTE_MS, offsetAt } from './local-time.ts';
export const STEP_MINUTES = 15;
export const HORIZON_STEPS = 8; // 2 hours
const STEP_MS = STEP_MINUTES * 60_000;
const SLOTS_PER_DAY = 96;
const SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY;
const DAY_MS = 86_400_000;
/** Days of history a lot needs before it gets a model (less: the profile is mostly noise). */
export const MIN_HISTORY_DAYS = 7;
/** Weight (in days) of the day type's mean in each weekday slot's profile. */
const SHRINK_DAYS = 2;
/** Ridge on the deviation weights, per sample, keeps a lot with flat history from wild weights. */
const RIDGE = 0.05;
/** How much of a bay a guided driver takes: not everyone sent there parks there (no measurement yet; conservative). */
export const GUIDED_ARRIVAL_SHARE = 0.5;
/** Forward-fill a silent lot's last count for at most this long (samples are written only on change). */
const FILL_BUCKETS = 4 * 12;

/** A lot's history: mean free bays per 15-minute bucket from `start` (UTC, on a 15-minute boundary), NaN where unknown. */
export interface LotHistory {
  capacity: number;
  timeZone: string;
  start: Date;
  free: ArrayLike<number>;
  /**
   * The count at the end of each bucket (its last sample; NaN: none, the count held). A forecast
   * is asked from a live count for an instant 15·h minutes on; fitting from and to bucket ends asks
   * the history the same question (a bucket's mean is smoother, and 7.5 minutes off in time).
   */
  last?: ArrayLike<number>;
}

export interface LotModel {
  capacity: number;
  timeZone: string;
  /** Days of history it was fitted on. */
  days: number;
  /** Mean free bays per local week slot, Monday 00:00–00:15 first. */
  profile: Float64Array;
  /** Per horizon step 1…8: weights of [deviation now, mean deviation over the last 2 hours]. */
  weights: Array<[number, number]>;
  /** Per horizon step: [forecast free bays, chance of a space] points, rising; linear between them. */
  chances: Array<Array<[number, number]>>;
  /** The out-of-fold back-test: per bin of the curve's chance, [times, times with a space, sum of the chances]. */
  record: Array<[number, number, number]>;
  /** [curve's chance, stated chance] points, rising; linear between them and to (0, 0) and (1, 1). */
  recalibration: Array<[number, number]>;
}

/** What is known now: the instant, the live free count, the last 2 hours' bucket means (oldest first), drivers heading there. */
export interface LotNow {
  at: Date;
  free: number;
  /** Mean free bays of the 8 complete buckets before `at`'s, oldest first; NaN where unknown. */
  recent: ArrayLike<number>;
  /** When each guided driver who chose the lot should arrive. */
  heading?: readonly Date[];
}

export interface ForecastStep {
  at: Date;
  /** Expected free bays. */
  free: number;
  /** Probability (0..1) of at least one free bay. */
  chance: number;
  /** The profile alone, for explanation. */
  typical: number;
}

// ---- the lot's clock --------------------------------------------------------------------------

const offsetCache = new Map<string, number>();
/** Minutes the zone is ahead of UTC on the UTC day of `t` (cached per zone and day: Intl is slow). */
function zoneOffsetMinutes(timeZone: string, t: number): number {
  const day = Math.floor(t / DAY_MS);
  const key = `${timeZone}|${day}`;
  let off = offsetCache.get(key);
  if (off === undefined) {
    off = offsetAt(timeZone, (day * DAY_MS + DAY_MS / 2) / MINUTE_MS);
    if (offsetCache.size > 10_000) offsetCache.clear();
    offsetCache.set(key, off);
  }
  return off;
}

/** Position in the local week in slots (Monday 00:00 = 0), fractional. */
export function weekPosition(t: number, timeZone: string): number {
  const local = t + zoneOffsetMinutes(timeZone, t) * 60_000;
  const dayIndex = Math.floor(local / DAY_MS); // 1970-01-01 was a Thursday
  const dow = (dayIndex + 3) % 7; // Monday = 0
  return dow * SLOTS_PER_DAY + (local - dayIndex * DAY_MS) / STEP_MS;
}

const isWeekend = (slot: number) => slot >= 5 * SLOTS_PER_DAY;

/** The profile at an instant: linear between slot centres, wrapping around the week. */
export function profileAt(model: Pick<LotModel, 'profile' | 'timeZone'>, t: number): number {
  const x = weekPosition(t, model.timeZone) - 0.5;
  const i0 = Math.floor(x);
  const w = x - i0;
  const a = model.profile[(i0 + SLOTS_PER_WEEK) % SLOTS_PER_WEEK];
  const b = model.profile[(i0 + 1) % SLOTS_PER_WEEK];
  return a + (b - a) * w;
}

// ---- fitting ----------------------------------------------------------------------------------

/** Forward-fills gaps of at most FILL_BUCKETS (a quiet lot writes no samples); longer gaps stay NaN. */
function filled(free: ArrayLike<number>): Float64Array {
  const out = new Float64Array(free.length);
  let last = NaN;
  let age = 0;
  for (let i = 0; i < free.length; i++) {
    const v = free[i];
    if (Number.isFinite(v)) { last = v; age = 0; out[i] = v; } else { age++; out[i] = age <= FILL_BUCKETS ? last : NaN; }
  }
  return out;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Bands of forecast free bays the chance of a space is counted in (upper bounds). */
const BANDS = [0.25, 0.75, 1.5, 2.5, 4, 6, 9, 14, 20, 30, Infinity];
const bandOf = (f: number) => { let k = 0; while (f >= BANDS[k]) k++; return k; };
const binOf = (c: number) => { let k = 0; while (c >= CHANCE_BINS[k]) k++; return k; };
/**
 * Pseudo-observations of the prior in each band: a band seen 3 times is not trusted alone. Chosen
 * with bench:forecast (20 → 40 moved the 40–50 % decile from +6.5 to +6.2 points, the rest within ±5).
 */
const PRIOR_WEIGHT = 40;
/** Bands up to this many forecast free bays share one prior: the lot's own record when nearly full. */
const TIGHT = 4;

/**
 * The lot's calibration curve: in each band, the share of the time there was a space (shrunk towards
 * the lot's record over all its tight bands, or min(1, f) above them, where the band was rarely
 * seen), made non-decreasing in f (more forecast free bays never means less chance: pool-adjacent-violators).
 */
function calibrationCurve(n: Float64Array, hit: Float64Array, sumF: Float64Array): Array<[number, number]> {
  const blocks: Array<{ f: number; p: number; w: number }> = [];
  // A nearly full lot's few bands are noisy alone (in the lot's record, 3 times at "0.4 free"):
  // each is shrunk towards the lot's record over all of them together.
  let tightN = 0, tightHit = 0;
  for (let k = 0; BANDS[k] <= TIGHT; k++) { tightN += n[k]; tightHit += hit[k]; }
  const tight = (tightHit + 0.5) / (tightN + 1);
  for (let k = 0; k < BANDS.length; k++) {
    const mid = k === 0 ? BANDS[0] / 2 : Number.isFinite(BANDS[k]) ? (BANDS[k - 1] + BANDS[k]) / 2 : BANDS[k - 1] * 1.5;
    const f = n[k] > 0 ? sumF[k] / n[k] : mid;
    const w = n[k] + PRIOR_WEIGHT;
    const prior = BANDS[k] <= TIGHT ? tight : Math.min(1, f);
    blocks.push({ f, p: (hit[k] + PRIOR_WEIGHT * prior) / w, w });
    while (blocks.length > 1 && blocks[blocks.length - 2].p > blocks[blocks.length - 1].p) {
      const b = blocks.pop()!, a = blocks.pop()!;
      blocks.push({ f: (a.f * a.w + b.f * b.w) / (a.w + b.w), p: (a.p * a.w + b.p * b.w) / (a.w + b.w), w: a.w + b.w });
    }
  }
  return blocks.map((b) => [b.f, b.p]);
}

/** Bins of the curve's chance the out-of-fold record is kept in (upper bounds; finer near 1, where most statements are). */
const CHANCE_BINS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, Infinity];
/** Weeks of history held out in turn for the out-of-fold record (a lot's 4–6 weeks: each fold a week or two). */
const FOLDS = 4;
/**
 * Pseudo-observations of "the curve is right" in each bin of the map: a lot's own record is thin
 * where it is rarely nearly full (200: bench:forecast's per-lot maps moved the 40–50 % decile by
 * under a point with 30–200); the city's pooled record is thick, and 50 only steadies its empty bins.
 */
const LOT_MAP_WEIGHT = 200;
const CITY_MAP_WEIGHT = 50;

/** A monotone map from a record: each bin's share of times with a space, shrunk towards the curve's own chance, PAV. */
function recalibrationMap(record: ReadonlyArray<readonly [number, number, number]>, weight: number): Array<[number, number]> {
  const blocks: Array<{ c: number; p: number; w: number }> = [];
  for (const [n, hit, sumC] of record) {
    if (n === 0) continue;
    const c = sumC / n;
    blocks.push({ c, p: (hit + weight * c) / (n + weight), w: n + weight });
    while (blocks.length > 1 && blocks[blocks.length - 2].p > blocks[blocks.length - 1].p) {
      const b = blocks.pop()!, a = blocks.pop()!;
      blocks.push({ c: (a.c * a.w + b.c * b.w) / (a.w + b.w), p: (a.p * a.w + b.p * b.w) / (a.w + b.w), w: a.w + b.w });
    }
  }
  return blocks.map((b) => [b.c, b.p]);
}

/**
 * Pools the out-of-fold records of every lot fitted together (the platform's city, the bench's
 * sample) into one recalibration map and gives it to each: a lot's own record holds a few hundred
 * statements below 60 %, the city's tens of thousands. Returns the map.
 */
export function recalibrate(models: ReadonlyArray<LotModel | null>): Array<[number, number]> {
  const pooled = CHANCE_BINS.map((): [number, number, number] => [0, 0, 0]);
  for (const m of models) m?.record.forEach((r, k) => { for (let j = 0; j < 3; j++) pooled[k][j] += r[j]; });
  const map = recalibrationMap(pooled, CITY_MAP_WEIGHT);
  for (const m of models) if (m) m.recalibration = map;
  return map;
}

/** One back-test statement: the week fold of its origin, the forecast free bays, whether there was a space (1) or not (0). */
interface Statement { fold: number; f: number; hit: number }

/**
 * The horizon's calibration curve from all its statements; and, into `record`, each fold's
 * statements read off the curve fitted without that fold (the out-of-fold back-test).
 */
function curveAndRecord(told: readonly Statement[], record: Array<[number, number, number]>): Array<[number, number]> {
  const size = FOLDS * BANDS.length;
  const seen = new Float64Array(size), hit = new Float64Array(size), sumF = new Float64Array(size);
  for (const s of told) {
    const k = s.fold * BANDS.length + bandOf(s.f);
    seen[k]++; sumF[k] += s.f; hit[k] += s.hit;
  }
  const sum = (a: Float64Array, skip = -1) => {
    const out = new Float64Array(BANDS.length);
    for (let j = 0; j < FOLDS; j++) if (j !== skip) for (let k = 0; k < BANDS.length; k++) out[k] += a[j * BANDS.length + k];
    return out;
  };
  const without = Array.from({ length: FOLDS }, (_, j) => calibrationCurve(sum(seen, j), sum(hit, j), sum(sumF, j)));
  for (const s of told) {
    const c = chanceOfSpace(without[s.fold], s.f);
    const r = record[binOf(c)];
    r[0]++; r[1] += s.hit; r[2] += c;
  }
  return calibrationCurve(sum(seen), sum(hit), sum(sumF));
}

/** Fits a lot's model; null with less than MIN_HISTORY_DAYS of known buckets. */
export function fitLot(history: LotHistory): LotModel | null {
  const v = filled(history.free);
  const n = v.length;
  const t0 = history.start.getTime();
  const slot = new Int16Array(n);
  let known = 0;
  for (let i = 0; i < n; i++) {
    slot[i] = Math.floor(weekPosition(t0 + i * STEP_MS, history.timeZone)) % SLOTS_PER_WEEK;
    if (Number.isFinite(v[i])) known++;
  }
  if (known < MIN_HISTORY_DAYS * SLOTS_PER_DAY) return null;

  // 1. The profile: sums per week slot and per day type × time of day.
  const sumW = new Float64Array(SLOTS_PER_WEEK), nW = new Float64Array(SLOTS_PER_WEEK);
  const sumT = new Float64Array(2 * SLOTS_PER_DAY), nT = new Float64Array(2 * SLOTS_PER_DAY);
  const typeOf = (s: number) => (isWeekend(s) ? SLOTS_PER_DAY : 0) + (s % SLOTS_PER_DAY);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(v[i])) continue;
    sumW[slot[i]] += v[i]; nW[slot[i]]++;
    sumT[typeOf(slot[i])] += v[i]; nT[typeOf(slot[i])]++;
  }
  const shrunk = (sw: number, nw: number, st: number, nt: number) => {
    const typeMean = nt > 0 ? st / nt : NaN;
    if (!Number.isFinite(typeMean)) return nw > 0 ? sw / nw : NaN;
    return (sw + SHRINK_DAYS * typeMean) / (nw + SHRINK_DAYS);
  };
  const profile = new Float64Array(SLOTS_PER_WEEK);
  const overall = Array.from(v).filter(Number.isFinite).reduce((a, b) => a + b, 0) / known;
  for (let s = 0; s < SLOTS_PER_WEEK; s++) {
    const p = shrunk(sumW[s], nW[s], sumT[typeOf(s)], nT[typeOf(s)]);
    profile[s] = Number.isFinite(p) ? p : overall;
  }
  // The same, leaving out the bucket's own day: what the profile would have said without it.
  const loo = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = slot[i], ty = typeOf(s);
    if (!Number.isFinite(v[i]) || nW[s] < 2) { loo[i] = profile[s]; continue; }
    const p = shrunk(sumW[s] - v[i], nW[s] - 1, sumT[ty] - v[i], nT[ty] - 1);
    loo[i] = Number.isFinite(p) ? p : profile[s];
  }

  // 2. Deviation weights per horizon: y = a·d0 + b·d1, ridge least squares.
  // Origins at the end of each bucket i: d0 the count then (the live count at run time), d1 the
  // mean deviation of the 8 buckets up to i (the last 2 hours); the target is the count at the end
  // of bucket i + h, 15·h minutes on. The profile at a bucket's end is between its slot and the next.
  const dev = new Float64Array(n);
  for (let i = 0; i < n; i++) dev[i] = v[i] - loo[i];
  const lastFilled = history.last ? filled(history.last) : v;
  const end = new Float64Array(n), atEnd = new Float64Array(n), d0 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    end[i] = Number.isFinite(lastFilled[i]) ? lastFilled[i] : v[i];
    atEnd[i] = i + 1 < n ? (loo[i] + loo[i + 1]) / 2 : loo[i];
    d0[i] = end[i] - atEnd[i];
  }
  const d1 = new Float64Array(n).fill(NaN);
  for (let i = 7; i < n; i++) {
    let s = 0, c = 0;
    for (let j = i - 7; j <= i; j++) if (Number.isFinite(dev[j])) { s += dev[j]; c++; }
    if (c > 0) d1[i] = s / c;
  }
  const origins = (h: number, visit: (i: number) => void) => {
    for (let i = 8; i + h < n; i++) if (Number.isFinite(d0[i]) && Number.isFinite(d1[i]) && Number.isFinite(d0[i + h])) visit(i);
  };
  const weights: Array<[number, number]> = [];
  const chances: Array<Array<[number, number]>> = [];
  const record = CHANCE_BINS.map((): [number, number, number] => [0, 0, 0]);
  const foldOf = (i: number) => Math.floor(i / (7 * SLOTS_PER_DAY)) % FOLDS;
  for (let h = 1; h <= HORIZON_STEPS; h++) {
    let s00 = 0, s01 = 0, s11 = 0, s0y = 0, s1y = 0, m = 0;
    origins(h, (i) => {
      // The origin is the end of bucket i: its mean is "now"; the target is h buckets on.
      const a = d0[i], b = d1[i], y = d0[i + h];
      s00 += a * a; s01 += a * b; s11 += b * b; s0y += a * y; s1y += b * y; m++;
    });
    const r = RIDGE * m;
    const det = (s00 + r) * (s11 + r) - s01 * s01;
    const w: [number, number] = det > 0 ? [((s11 + r) * s0y - s01 * s1y) / det, ((s00 + r) * s1y - s01 * s0y) / det] : [0, 0];
    weights.push(w);
    // 3. How often there was a space when this forecast said f free bays, per band of f.
    const told: Statement[] = [];
    origins(h, (i) => {
      const f = clamp(atEnd[i + h] + w[0] * d0[i] + w[1] * d1[i], 0, history.capacity);
      told.push({ fold: foldOf(i), f, hit: end[i + h] >= 1 ? 1 : 0 });
    });
    chances.push(curveAndRecord(told, record));
  }
  const recalibration = recalibrationMap(record, LOT_MAP_WEIGHT);
  return { capacity: history.capacity, timeZone: history.timeZone, days: known / SLOTS_PER_DAY, profile, weights, chances, record, recalibration };
}

// ---- forecasting ------------------------------------------------------------------------------

/** The chance of a space for a forecast of `f` free bays, read off the lot's curve. */
function chanceOfSpace(curve: ReadonlyArray<readonly [number, number]>, f: number): number {
  if (f <= curve[0][0]) return curve[0][1];
  for (let k = 1; k < curve.length; k++) {
    const [f1, p1] = curve[k];
    if (f <= f1) { const [f0, p0] = curve[k - 1]; return p0 + ((p1 - p0) * (f - f0)) / (f1 - f0); }
  }
  return curve[curve.length - 1][1];
}

/** The stated chance for the curve's chance `c`: the recalibration map, anchored at (0, 0) and (1, 1). */
export function recalibrated(map: ReadonlyArray<readonly [number, number]>, c: number): number {
  return chanceOfSpace([[0, 0], ...map, [1, 1]], c);
}

/** The next 2 hours in 15-minute steps from `now`. */
export function forecastLot(model: LotModel, now: LotNow): ForecastStep[] {
  const t = now.at.getTime();
  const d0 = now.free - profileAt(model, t);
  let s = 0, c = 0;
  const firstRecent = Math.floor(t / STEP_MS) * STEP_MS - now.recent.length * STEP_MS;
  for (let j = 0; j < now.recent.length; j++) {
    const r = now.recent[j];
    if (!Number.isFinite(r)) continue;
    s += r - profileAt(model, firstRecent + j * STEP_MS + STEP_MS / 2);
    c++;
  }
  const d1 = c > 0 ? s / c : d0;
  const steps: ForecastStep[] = [];
  for (let h = 1; h <= HORIZON_STEPS; h++) {
    const at = t + h * STEP_MS;
    const typical = profileAt(model, at);
    const [a, b] = model.weights[h - 1];
    const guided = GUIDED_ARRIVAL_SHARE * (now.heading?.filter((e) => e.getTime() > t && e.getTime() <= at).length ?? 0);
    const free = clamp(typical + a * d0 + b * d1 - guided, 0, model.capacity);
    const chance = recalibrated(model.recalibration, chanceOfSpace(model.chances[h - 1], free));
    steps.push({ at: new Date(at), free, chance, typical: clamp(typical, 0, model.capacity) });
  }
  return steps;
}

/**
 * The chance of at least one free bay at `arrival`: now's count before the first step, linear
 * between steps, the last step beyond 2 hours.
 */
export function chanceAt(steps: readonly ForecastStep[], now: { at: Date; free: number }, arrival: Date): number {
  const x = arrival.getTime();
  let prev = { t: now.at.getTime(), p: now.free >= 1 ? 1 : 0 };
  for (const s of steps) {
    const t = s.at.getTime();
    if (x <= t) return x <= prev.t ? prev.p : prev.p + ((s.chance - prev.p) * (x - prev.t)) / (t - prev.t);
    prev = { t, p: s.chance };
  }
  return prev.p;
}
