// Weeks of occupancy history in seconds, without MQTT: each lot is a queue simulated minute by
// minute (Poisson arrivals from the demand model in ./demand.ts, lognormal stays, drivers turned
// away when it is full), with what makes a real city hard to forecast:
//   - weekday / weekend: each lot has its own weekend level (offices empty, malls fill) and the
//     weekend day starts an hour later;
//   - a day of its own: every lot-day has a demand factor (lognormal, σ 0.15) and demand drifts
//     through the day (AR(1) per 15 minutes) — the "today's deviation" a forecast must read;
//   - special-event days: the evening (17:00–22:30) at a tenth of the lots draws 1.8× the demand;
//   - bad-weather days: the whole city drives 1.25× as much and stays 20 % longer.
// Used by `npm run bench:forecast` (issue 15) to train and score the forecast, and reusable by
// anything that needs history (e.g. pricing): generateHistory → per lot, the free count every
// `sampleMinutes`; bucketMeans, bucketLast → 15-minute buckets as the platform's aggregate
// (migrations/027) keeps them;
// writeHistory → the same into lot_occupancy_samples. Deterministic for a seed.
import { seededRandom } from '../core/random.ts';
import type { Pool } from '../core/db/index.ts';
import { DWELL, BASE_TURNOVER, demandAtHour, dwellMinutes, normal, poisson, remainingDwellMinutes, steadyOccupancy, type LotKind } from './demand.ts';

export interface HistoryLot { id: string; kind: LotKind; capacity: number; demand: number }
export type DayKind = 'normal' | 'event' | 'rain';

export interface HistoryOptions {
  /** First instant (UTC); Zhengzhou local midnight is 16:00 UTC the day before. */
  start: Date;
  days: number;
  seed?: number;
  /** How often the free count is recorded, minutes (default 5). */
  sampleMinutes?: number;
  /** Special-event days per week (default 1) and bad-weather days per week (default 1), at random. */
  eventsPerWeek?: number;
  rainPerWeek?: number;
}

export interface History {
  start: Date;
  sampleMinutes: number;
  /** What kind each day (from `start`, 24 h each) was, and which lots an event day's event was near. */
  days: Array<{ kind: DayKind; eventLots: ReadonlySet<string> }>;
  /** Per lot, the free count at start + k × sampleMinutes. */
  lots: Array<{ lot: HistoryLot; free: Uint16Array }>;
}

const DAY_MIN = 1440;
const MAX_DWELL = Math.max(DWELL.street.maxMin, DWELL.garage.maxMin);

/** Generates `days` days of history for `lots`. */
export function generateHistory(lots: readonly HistoryLot[], opts: HistoryOptions): History {
  const seed = opts.seed ?? 1;
  const step = opts.sampleMinutes ?? 5;
  if (!Number.isInteger(step) || step < 1 || DAY_MIN % step !== 0) throw new Error(`sampleMinutes must divide a day, got ${step}`);
  const rnd = seededRandom(seed);
  const days: History['days'] = [];
  for (let d = 0; d < opts.days; d++) {
    const r = rnd();
    const pe = (opts.eventsPerWeek ?? 1) / 7, pr = (opts.rainPerWeek ?? 1) / 7;
    const kind: DayKind = r < pe ? 'event' : r < pe + pr ? 'rain' : 'normal';
    days.push({ kind, eventLots: kind === 'event' ? new Set(lots.filter(() => rnd() < 0.1).map((l) => l.id)) : new Set() });
  }
  const t0 = opts.start.getTime();
  return { start: opts.start, sampleMinutes: step, days, lots: lots.map((lot, i) => ({ lot, free: simulateLot(lot, t0, days, step, seed * 7919 + i) })) };
}

function simulateLot(lot: HistoryLot, t0: number, days: History['days'], step: number, seed: number): Uint16Array {
  const rnd = seededRandom(seed);
  const minutes = days.length * DAY_MIN;
  const out = new Uint16Array(minutes / step);
  const leaving = new Int32Array(MAX_DWELL + 2); // ring: cars leaving at minute m % size
  const ring = leaving.length;
  const weekendLevel = 0.4 + rnd(); // 0.4 (offices) … 1.4 (malls, parks)
  // Demand by minute of the local day, weekday and weekend (the weekend starts an hour later).
  const weekdayCurve = new Float64Array(DAY_MIN), weekendCurve = new Float64Array(DAY_MIN);
  for (let k = 0; k < DAY_MIN; k++) { weekdayCurve[k] = demandAtHour(k / 60); weekendCurve[k] = demandAtHour(k / 60 - 1) * weekendLevel; }
  const localStart = t0 + 8 * 3_600_000; // Zhengzhou, UTC+8 all year
  const perBayMinute = (lot.demand * BASE_TURNOVER[lot.kind] * lot.capacity) / 60;
  let occupied = Math.round(steadyOccupancy(lot, new Date(t0)) * lot.capacity);
  for (let c = 0; c < occupied; c++) leaving[Math.ceil(remainingDwellMinutes(lot.kind, rnd)) % ring]++;
  let dayFactor = 1, drift = 0, driftFactor = 1;
  for (let m = 0; m < minutes; m++) {
    const local = localStart + m * 60_000;
    const localDay = Math.floor(local / 86_400_000);
    const minuteOfDay = Math.floor((local - localDay * 86_400_000) / 60_000);
    const hour = minuteOfDay / 60;
    const day = days[Math.floor(m / DAY_MIN)];
    if (m % DAY_MIN === 0) dayFactor = Math.exp(0.15 * normal(rnd));
    if (m % 15 === 0) { drift = 0.9 * drift + 0.08 * normal(rnd); driftFactor = Math.exp(drift); }
    const weekend = (localDay + 3) % 7 >= 5;
    let rate = (weekend ? weekendCurve : weekdayCurve)[minuteOfDay] * dayFactor * driftFactor;
    if (day.kind === 'rain') rate *= 1.25;
    if (day.kind === 'event' && hour >= 17 && hour < 22.5 && day.eventLots.has(lot.id)) rate *= 1.8;
    const perMinute = perBayMinute * rate;
    occupied -= leaving[m % ring];
    leaving[m % ring] = 0;
    const arrivals = Math.min(poisson(perMinute, rnd), lot.capacity - occupied); // the rest are turned away
    const longer = day.kind === 'rain' ? 1.2 : 1;
    for (let c = 0; c < arrivals; c++) leaving[(m + Math.max(1, Math.round(dwellMinutes(lot.kind, rnd) * longer))) % ring]++;
    occupied += arrivals;
    if (m % step === 0) out[m / step] = lot.capacity - occupied;
  }
  return out;
}

/** Mean free bays per bucket of `bucketMinutes` from a lot's samples (what lot_free_15m keeps). */
export function bucketMeans(free: Uint16Array, sampleMinutes: number, bucketMinutes = 15): Float64Array {
  const per = bucketMinutes / sampleMinutes;
  const out = new Float64Array(Math.floor(free.length / per));
  for (let b = 0; b < out.length; b++) {
    let s = 0;
    for (let k = 0; k < per; k++) s += free[b * per + k];
    out[b] = s / per;
  }
  return out;
}

/** The count at the end of each bucket: its last sample (what lot_free_15m's last_free keeps). */
export function bucketLast(free: Uint16Array, sampleMinutes: number, bucketMinutes = 15): Float64Array {
  const per = bucketMinutes / sampleMinutes;
  const out = new Float64Array(Math.floor(free.length / per));
  for (let b = 0; b < out.length; b++) out[b] = free[b * per + per - 1];
  return out;
}

/**
 * Writes the history into lot_occupancy_samples as ingest would (a row when a lot's count
 * changes), in batches; returns the rows written. The lots must exist for anything to read them.
 */
export async function writeHistory(pool: Pool, history: History, lotIds?: ReadonlySet<string>): Promise<number> {
  const t0 = history.start.getTime();
  let rows = 0;
  for (const { lot, free } of history.lots) {
    if (lotIds && !lotIds.has(lot.id)) continue;
    const times: string[] = [], frees: number[] = [];
    let last = -1;
    for (let k = 0; k < free.length; k++) {
      if (free[k] === last) continue;
      last = free[k];
      times.push(new Date(t0 + k * history.sampleMinutes * 60_000).toISOString());
      frees.push(free[k]);
    }
    for (let i = 0; i < times.length; i += 20_000) {
      await pool.query(
        `INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
         SELECT t, $1, f, $2::int - f, 0 FROM unnest($3::timestamptz[], $4::int[]) AS x(t, f)`,
        [lot.id, lot.capacity, times.slice(i, i + 20_000), frees.slice(i, i + 20_000)],
      );
    }
    rows += times.length;
  }
  return rows;
}
