// How a plate camera reads a passing car, under the light and weather of the moment: whether it
// misreads, and the confidence it reports. Pure: the conditions are a function of the simulated
// time and the seed, the randomness comes from the caller's stream. What each part is based on,
// and what is assumed, is written in docs/faults.md ("Plate reads").
import { misread, type Rng } from '../seed/plates.ts';
import { normal, shanghaiHour } from './demand.ts';

export interface ReadingConditions { night: boolean; rain: boolean }

/** Local hours of darkness in Zhengzhou (sunset ~17:30–19:30, sunrise ~5:30–7:30 over the year). */
const NIGHT_FROM = 19;
const NIGHT_UNTIL = 6;
/** Weather changes in blocks of this length; a block is rainy with RAIN_SHARE probability. */
const WEATHER_BLOCK_MS = 3 * 3600_000;
/** Zhengzhou: ~640 mm a year over ~80 rainy days, most of it in a few hours of each: ~8 % of hours. */
export const RAIN_SHARE = 0.08;

// How much more often a camera misreads, and how much its confidence drops, in each condition.
// Multipliers of the configured misread rate (normalised below, so the rate stays the average).
const MISREAD_FACTOR = { day: 1, night: 1.5, rain: 2.5, nightRain: 3.5 };
// The mean confidence of a right read; a misread is reported MISREAD_DROP lower on average, with a
// wider spread (some misreads come with a high confidence: that is what makes them dangerous).
const QUALITY = { day: 0.96, night: 0.94, rain: 0.92, nightRain: 0.89 };
const RIGHT_SD = 0.02;
const MISREAD_DROP = 0.17;
const MISREAD_SD = 0.07;

const condition = (c: ReadingConditions) => (c.night ? (c.rain ? 'nightRain' : 'night') : c.rain ? 'rain' : 'day');
const nightShare = (24 - NIGHT_FROM + NIGHT_UNTIL) / 24;
/** The average misread factor over the day and the weather: dividing by it keeps the configured rate the mean. */
const MEAN_FACTOR = (1 - nightShare) * (1 - RAIN_SHARE) * MISREAD_FACTOR.day + nightShare * (1 - RAIN_SHARE) * MISREAD_FACTOR.night
  + (1 - nightShare) * RAIN_SHARE * MISREAD_FACTOR.rain + nightShare * RAIN_SHARE * MISREAD_FACTOR.nightRain;

/** A number in [0, 1) from two integers (a small integer hash): the weather of a block, the same for every run of a seed. */
function hash01(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

export function conditionsAt(simTime: Date, seed: number): ReadingConditions {
  const hour = shanghaiHour(simTime);
  return { night: hour >= NIGHT_FROM || hour < NIGHT_UNTIL, rain: hash01(seed, Math.floor(simTime.getTime() / WEATHER_BLOCK_MS)) < RAIN_SHARE };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * What the camera reports for the true `plate` in conditions `c`, with the fleet's average misread
 * rate `rate`: the plate as read, its confidence, and whether it is a misread.
 */
export function readAs(plate: string, c: ReadingConditions, rate: number, rng: Rng): { plate: string; confidence: number; misread: boolean } {
  const k = condition(c);
  // ≈ rate × factor / mean for small rates; 1 when every read is to be wrong (rate 1).
  const p = 1 - (1 - rate) ** (MISREAD_FACTOR[k] / MEAN_FACTOR);
  if (rng() < p) return { plate: misread(plate, rng), confidence: round2(clamp(QUALITY[k] - MISREAD_DROP + MISREAD_SD * normal(rng), 0.3, 0.99)), misread: true };
  return { plate, confidence: round2(clamp(QUALITY[k] + RIGHT_SD * normal(rng), 0.5, 0.99)), misread: false };
}
