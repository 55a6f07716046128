import { describe, it, expect } from 'vitest';
import { seededRandom } from './random.ts';
import { chanceAt, fitLot, forecastLot, GUIDED_ARRIVAL_SHARE, HORIZON_STEPS, profileAt, weekPosition, type LotModel } from './forecast.ts';

const MONDAY = Date.parse('2026-09-06T16:00:00Z'); // Monday 00:00 in Asia/Shanghai
const STEP = 900_000;
const TZ = 'Asia/Shanghai';

/** A lot whose typical day is a sine (busy at noon, weekends roomier) plus AR(1) deviations. */
function synthetic(days: number, phi = 0.9, seed = 1): { free: Float64Array; typical: (i: number) => number } {
  const rnd = seededRandom(seed);
  const typical = (i: number) => {
    const slotOfDay = i % 96, weekend = Math.floor(i / 96) % 7 >= 5;
    return 50 - 30 * Math.sin((Math.PI * slotOfDay) / 96) + (weekend ? 20 : 0);
  };
  const free = new Float64Array(days * 96);
  let dev = 0;
  for (let i = 0; i < free.length; i++) {
    dev = phi * dev + 3 * (rnd() - 0.5);
    free[i] = Math.min(100, Math.max(0, typical(i) + dev));
  }
  return { free, typical };
}

describe('the lot clock', () => {
  it('counts 15-minute slots from Monday 00:00 in the lot\'s zone', () => {
    expect(weekPosition(MONDAY, TZ)).toBe(0);
    expect(weekPosition(MONDAY + STEP, TZ)).toBe(1);
    expect(weekPosition(MONDAY + 5 * 86_400_000 + 12 * 3_600_000, TZ)).toBe(5 * 96 + 48); // Saturday noon
    expect(weekPosition(MONDAY, 'UTC')).toBe(6 * 96 + 64); // Sunday 16:00 UTC
  });
});

describe('fitLot', () => {
  it('gives no model with under a week of history', () => {
    expect(fitLot({ capacity: 100, timeZone: TZ, start: new Date(MONDAY), free: synthetic(6).free })).toBeNull();
    // Gaps longer than the forward-fill do not count as history.
    const gappy = synthetic(14).free.map((v, i) => (i < 4 * 96 ? v : NaN));
    expect(fitLot({ capacity: 100, timeZone: TZ, start: new Date(MONDAY), free: gappy })).toBeNull();
  });

  it('learns the week\'s profile: weekdays and weekends apart', () => {
    const { free, typical } = synthetic(28);
    const model = fitLot({ capacity: 100, timeZone: TZ, start: new Date(MONDAY), free })!;
    for (const i of [0, 30, 48, 80, 5 * 96 + 48, 6 * 96 + 10]) {
      expect(Math.abs(model.profile[i] - typical(i))).toBeLessThan(3);
    }
    // Between slot centres the profile is interpolated, not stepped.
    const mid = profileAt(model, MONDAY + 48 * STEP);
    expect(mid).toBeGreaterThan(Math.min(model.profile[47], model.profile[48]) - 1e-9);
    expect(mid).toBeLessThan(Math.max(model.profile[47], model.profile[48]) + 1e-9);
  });

  it('carries today\'s deviation forward, fading with the horizon as the lot\'s own history says', () => {
    const model = fitLot({ capacity: 100, timeZone: TZ, start: new Date(MONDAY), free: synthetic(28, 0.9).free })!;
    const carry = model.weights.map(([a, b]) => a + b);
    expect(carry[0]).toBeGreaterThan(0.6);
    expect(carry[HORIZON_STEPS - 1]).toBeLessThan(carry[0]);
    // A lot whose deviations do not persist carries almost none.
    const flat = fitLot({ capacity: 100, timeZone: TZ, start: new Date(MONDAY), free: synthetic(28, 0).free })!;
    expect(Math.abs(flat.weights[3][0] + flat.weights[3][1])).toBeLessThan(0.2);
  });
});

describe('forecastLot', () => {
  const { free } = synthetic(28);
  const model = fitLot({ capacity: 100, timeZone: TZ, start: new Date(MONDAY), free }) as LotModel;
  const at = new Date(MONDAY + 28 * 86_400_000 + 40 * STEP + 5 * 60_000); // a Monday, 10:05
  const recent = (level: number) => Array.from({ length: 8 }, (_, j) => profileAt(model, at.getTime() - (8 - j) * STEP) + level);

  it('gives 8 steps of 15 minutes, within the lot, above the profile when the lot is roomier than usual', () => {
    const steps = forecastLot(model, { at, free: profileAt(model, at.getTime()) + 10, recent: recent(10) });
    expect(steps).toHaveLength(HORIZON_STEPS);
    steps.forEach((s, i) => {
      expect(s.at.getTime() - at.getTime()).toBe((i + 1) * STEP);
      expect(s.free).toBeGreaterThan(s.typical);
      expect(s.free).toBeLessThanOrEqual(100);
    });
    expect(steps[0].free - steps[0].typical).toBeGreaterThan(steps[7].free - steps[7].typical);
  });

  it('states a higher chance of a space the more bays are forecast free', () => {
    const chances = [-20, -15, -10, 0, 20].map((d) => forecastLot(model, { at, free: profileAt(model, at.getTime()) + d, recent: recent(d) })[0]);
    for (let k = 1; k < chances.length; k++) {
      expect(chances[k].free).toBeGreaterThanOrEqual(chances[k - 1].free);
      expect(chances[k].chance).toBeGreaterThanOrEqual(chances[k - 1].chance);
    }
    for (const c of chances) expect(c.chance).toBeGreaterThanOrEqual(0);
  });

  it('takes half a bay for each guided driver, from when they should arrive', () => {
    const now = { at, free: profileAt(model, at.getTime()), recent: recent(0) };
    const plain = forecastLot(model, now);
    const eta = new Date(at.getTime() + 40 * 60_000);
    const guided = forecastLot(model, { ...now, heading: Array.from({ length: 6 }, () => eta) });
    expect(guided[1].free).toBeCloseTo(plain[1].free, 9); // 30 min: not there yet
    expect(guided[2].free).toBeCloseTo(plain[2].free - 6 * GUIDED_ARRIVAL_SHARE, 9); // 45 min
  });
});

describe('chanceAt', () => {
  const steps = [1, 2].map((h) => ({ at: new Date(MONDAY + h * STEP), free: 3, typical: 3, chance: h === 1 ? 0.8 : 0.6 }));
  it('runs from the count now to the first step, between steps, and holds beyond the last', () => {
    const now = { at: new Date(MONDAY), free: 4 };
    expect(chanceAt(steps, now, new Date(MONDAY))).toBe(1);
    expect(chanceAt(steps, now, new Date(MONDAY + STEP / 2))).toBeCloseTo(0.9, 9);
    expect(chanceAt(steps, now, new Date(MONDAY + 1.5 * STEP))).toBeCloseTo(0.7, 9);
    expect(chanceAt(steps, now, new Date(MONDAY + 9 * STEP))).toBe(0.6);
    expect(chanceAt(steps, { ...now, free: 0 }, new Date(MONDAY))).toBe(0);
  });
});
