// Demand-responsive pricing (issue 15 §2): compare each tariff band's observed occupancy with the
// city's target band and step the band's hourly price, the way SFpark adjusted its meters
// (SFpark Pilot Project Evaluation, SFMTA 2014: target 60–80 % occupancy, small steps at most
// every few weeks, within a floor and a ceiling). Pure: no I/O, no clock; the occupancy comes in
// as means per local hour of day (billing/price-steps.ts reads them from lot_occupancy_15m), and
// the bench (load-tests/bench-pricing.ts) runs this same function on simulated weeks.
//
// Rules, each cited where implemented:
// - A band's occupancy is the mean of the local hours whose middle falls in the band, each hour
//   weighted by how many 15-minute buckets it had; hours without data are left out.
// - Above targetHigh: price up one step; below targetLow: down one step; inside: hold.
// - The step is per hour; a unit of another length moves in proportion (a 15-minute unit by a
//   quarter of the step), and the first unit and every tier move with the later units, so the
//   tariff keeps its shape. The later units' hourly price stays within [floor, ceiling].
// - Per-visit bands have no hourly price and are never stepped; caps are left as they are.
// - Bands with too little data (fewer than MIN_BUCKETS buckets) hold, and a lot is judged only on
//   the weeks under the price in force, at least one (recommendationWindow).
import { inWindow } from '../tariff/compile.ts';
import type { Band, Tariff } from '../tariff/schema.ts';
import { DAY_MIN, localAt, MINUTE_MS, offsetAt } from '../../core/local-time.ts';

export interface PricingPolicy {
  /** Occupancy share below which the price steps down (0..1). */
  targetLow: number;
  /** Occupancy share above which the price steps up (0..1). */
  targetHigh: number;
  /** One step, in fen per hour (50 = ¥0.50/h). */
  stepFenPerHour: number;
  /** Lowest and highest hourly price a step may reach, in fen per hour. */
  floorFenPerHour: number;
  ceilingFenPerHour: number;
  /** Weeks of history the comparison reads. */
  lookbackWeeks: number;
}

export const DEFAULT_POLICY: PricingPolicy = {
  targetLow: 0.6, targetHigh: 0.8, stepFenPerHour: 50, floorFenPerHour: 50, ceilingFenPerHour: 2000, lookbackWeeks: 4,
};

export interface HourOccupancy {
  /** Local hour of day, 0–23, in the lot's zone. */
  hour: number;
  /** Mean occupied share, 0..1. */
  occupancy: number;
  /** 15-minute buckets averaged. */
  buckets: number;
}

export type StepReason = 'above-target' | 'below-target' | 'in-target' | 'no-data' | 'at-ceiling' | 'at-floor' | 'per-visit';

export interface BandStep {
  band: string;
  bandZh: string;
  from: string;
  to: string;
  /** Local hours counted in the band. */
  hours: number[];
  /** The band's observed occupancy (null: no data). */
  occupancy: number | null;
  direction: 'up' | 'down' | 'hold';
  reason: StepReason;
  /** The later units' price per hour before and after (null for per-visit bands). */
  beforeFenPerHour: number | null;
  afterFenPerHour: number | null;
}

/** A tariff body without what the server assigns (what the console's draft route accepts). */
export type TariffBody = Omit<Tariff, 'id' | 'lotId' | 'version' | 'validFrom'>;

export interface Recommendation {
  steps: BandStep[];
  /** The new version's body, or null when every band holds. */
  proposal: TariffBody | null;
}

/** A band needs this many 15-minute buckets (two weeks of its hours at one bucket an hour would be plenty). */
const MIN_BUCKETS = 4;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Local hours whose middle lies in the band. */
export function bandHours(band: Pick<Band, 'from' | 'to'>): number[] {
  const from = minutesOf(band.from);
  const to = minutesOf(band.to);
  return Array.from({ length: 24 }, (_, h) => h).filter((h) => inWindow(from, to, h * 60 + 30));
}

/** The band's occupancy from the hourly means: weighted by buckets, hours without data left out. */
export function bandOccupancy(hours: readonly number[], hourly: readonly HourOccupancy[]): { occupancy: number | null; buckets: number } {
  let sum = 0;
  let n = 0;
  for (const h of hourly) {
    if (!hours.includes(h.hour) || h.buckets <= 0 || !Number.isFinite(h.occupancy)) continue;
    sum += h.occupancy * h.buckets;
    n += h.buckets;
  }
  return { occupancy: n ? sum / n : null, buckets: n };
}

const perHour = (u: { minutes: number; fen: number }) => Math.round((u.fen * 60) / u.minutes);

/** Move a unit's price by `deltaPerHour`, in proportion to its length (never below zero). */
const moved = (u: { minutes: number; fen: number }, deltaPerHour: number) => ({ ...u, fen: Math.max(0, Math.round(u.fen + (deltaPerHour * u.minutes) / 60)) });

/** The price step for each band of `tariff`, and the new version's body when any band moves. */
export function recommendPrices(tariff: Tariff, hourly: readonly HourOccupancy[], policy: PricingPolicy = DEFAULT_POLICY): Recommendation {
  const steps: BandStep[] = [];
  const bands: Band[] = tariff.bands.map((band) => {
    const hours = bandHours(band);
    const { occupancy, buckets } = bandOccupancy(hours, hourly);
    const base = { band: band.name, bandZh: band.nameZh ?? band.name, from: band.from, to: band.to, hours, occupancy };
    if (band.pricing.kind === 'per-visit') {
      steps.push({ ...base, direction: 'hold', reason: 'per-visit', beforeFenPerHour: null, afterFenPerHour: null });
      return band;
    }
    const before = perHour(band.pricing.unit);
    const hold = (reason: StepReason) => { steps.push({ ...base, direction: 'hold', reason, beforeFenPerHour: before, afterFenPerHour: before }); return band; };
    if (occupancy === null || buckets < MIN_BUCKETS) return hold('no-data');
    let after: number;
    // pricing rule: above the target band the price goes up one step, below it down one step.
    if (occupancy > policy.targetHigh) {
      if (before >= policy.ceilingFenPerHour) return hold('at-ceiling');
      after = Math.min(before + policy.stepFenPerHour, policy.ceilingFenPerHour);
    } else if (occupancy < policy.targetLow) {
      if (before <= policy.floorFenPerHour) return hold('at-floor');
      after = Math.max(before - policy.stepFenPerHour, policy.floorFenPerHour);
    } else {
      return hold('in-target');
    }
    const delta = after - before;
    const p = band.pricing;
    // pricing rule: the first unit and every tier move with the later units, in proportion to their length.
    const pricing = {
      ...p,
      unit: { minutes: p.unit.minutes, fen: Math.round((after * p.unit.minutes) / 60) },
      ...(p.firstUnit ? { firstUnit: moved(p.firstUnit, delta) } : {}),
      ...(p.tiers ? { tiers: p.tiers.map((t) => ({ ...t, unit: moved(t.unit, delta) })) } : {}),
    };
    const afterPerHour = perHour(pricing.unit);
    steps.push({ ...base, direction: delta > 0 ? 'up' : 'down', reason: delta > 0 ? 'above-target' : 'below-target', beforeFenPerHour: before, afterFenPerHour: afterPerHour });
    return { ...band, pricing };
  });
  if (steps.every((s) => s.direction === 'hold')) return { steps, proposal: null };
  const { id: _id, lotId: _lot, version: _v, validFrom: _from, ...rest } = tariff;
  return { steps, proposal: { ...rest, bands } };
}

/** A step is judged on at least a week under the price in force: weekdays and the weekend both. */
export const MIN_WEEKS_AT_PRICE = 1;
const WEEK_MS = 7 * 86_400_000;

/**
 * The occupancy window a recommendation at `now` reads: the policy's lookback, but never from before
 * the price in force took effect (occupancy under an older price says little about this one —
 * SFpark judged each adjustment on the weeks since the last); null when that price has not yet
 * been in force for MIN_WEEKS_AT_PRICE, so the lot holds until it has.
 */
export function recommendationWindow(now: Date, lookbackWeeks: number, inForceSince: Date): { from: Date } | null {
  const from = Math.max(now.getTime() - lookbackWeeks * WEEK_MS, inForceSince.getTime());
  if (now.getTime() - from < MIN_WEEKS_AT_PRICE * WEEK_MS) return null;
  return { from: new Date(from) };
}

/**
 * Next Monday 00:00 in `timeZone` after `now` (a week on when `now` is a Monday), as an ISO
 * instant: the day a recommended version takes effect, so a week of prices is never cut in two.
 */
export function nextMonday(timeZone: string, now: Date): string {
  const { day, weekday } = localAt(timeZone, Math.floor(now.getTime() / MINUTE_MS));
  const ahead = ((8 - weekday) % 7) || 7;
  const localMidnight = (day + ahead) * DAY_MIN;
  // The zone's offset at that wall-clock midnight (two passes settle a DST change between now and then).
  let t = localMidnight;
  for (let i = 0; i < 2; i++) t = localMidnight - offsetAt(timeZone, t);
  return new Date(t * MINUTE_MS).toISOString();
}
