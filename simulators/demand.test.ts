import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seed/demo-city.ts';
import {
  arrivalRatePerHour, BASE_TURNOVER, demandAtHour, demandCurve, dwellMinutes, DWELL, meanDwellMinutes, poisson, remainingDwellMinutes, shanghaiHour, steadyOccupancy,
} from './demand.ts';

// 2026-11-23 is a Monday; Zhengzhou is UTC+8.
const local = (hhmm: string) => new Date(`2026-11-23T${hhmm}:00+08:00`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('shanghaiHour', () => {
  it('reads the local clock in Zhengzhou', () => {
    expect(shanghaiHour(new Date('2026-11-23T00:30:00Z'))).toBeCloseTo(8.5);
    expect(shanghaiHour(new Date('2026-11-23T16:00:00Z'))).toBe(0);
    expect(shanghaiHour(new Date('1969-12-31T20:00:00Z'))).toBe(4); // before the epoch
  });
});

describe('demand curve', () => {
  it('peaks at the commutes', () => {
    for (const t of ['08:00', '08:45', '09:30', '17:30', '18:15', '19:00']) expect(demandCurve(local(t)), t).toBeGreaterThanOrEqual(0.95);
  });
  it('lulls at night', () => {
    for (const t of ['01:00', '03:00', '05:30']) expect(demandCurve(local(t)), t).toBeLessThanOrEqual(0.05);
  });
  it('keeps shopping and evening demand between', () => {
    for (const t of ['12:30', '15:00', '20:30']) {
      expect(demandCurve(local(t))).toBeGreaterThan(0.4);
      expect(demandCurve(local(t))).toBeLessThan(0.9);
    }
  });
  it('is continuous, within 0..1 and wraps at midnight', () => {
    for (let h = 0; h < 24; h += 0.01) {
      const v = demandAtHour(h);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(Math.abs(demandAtHour(h + 0.01) - v)).toBeLessThan(0.01);
    }
    expect(demandAtHour(24)).toBeCloseTo(demandAtHour(0));
    expect(demandAtHour(-1)).toBeCloseTo(demandAtHour(23));
  });
});

describe('arrival rate', () => {
  it('is capacity × curve × demand × base turnover', () => {
    const t = local('08:30');
    expect(arrivalRatePerHour({ kind: 'street', capacity: 20, demand: 1.2 }, t)).toBeCloseTo(20 * 1 * 1.2 * BASE_TURNOVER.street);
    expect(arrivalRatePerHour({ kind: 'garage', capacity: 100, demand: 1 }, local('03:00'))).toBeCloseTo(100 * 0.05 * BASE_TURNOVER.garage);
  });
  it('turns streets over faster than garages', () => {
    expect(BASE_TURNOVER.street).toBeGreaterThan(BASE_TURNOVER.garage);
  });
  it('fills an average lot to ~80% at the peak and leaves it nearly empty at night', () => {
    expect(steadyOccupancy({ kind: 'street', capacity: 16, demand: 1 }, local('08:30'))).toBeCloseTo(0.8);
    expect(steadyOccupancy({ kind: 'garage', capacity: 120, demand: 1 }, local('08:30'))).toBeCloseTo(0.8);
    expect(steadyOccupancy({ kind: 'garage', capacity: 120, demand: 1.9 }, local('18:00'))).toBe(0.95);
    expect(steadyOccupancy({ kind: 'street', capacity: 16, demand: 1 }, local('03:00'))).toBeLessThan(0.1);
    expect(steadyOccupancy({ kind: 'street', capacity: 0, demand: 1 }, local('03:00'))).toBe(0);
  });
});

describe('dwell time', () => {
  const draw = (kind: 'street' | 'garage') => {
    const rng = seededRandom(11);
    return Array.from({ length: 20_000 }, () => dwellMinutes(kind, rng));
  };
  it('has a median of ~50 min on the street and ~2 h in garages', () => {
    expect(median(draw('street'))).toBeGreaterThan(45);
    expect(median(draw('street'))).toBeLessThan(55);
    expect(median(draw('garage'))).toBeGreaterThan(110);
    expect(median(draw('garage'))).toBeLessThan(130);
  });
  it('is right-skewed (lognormal) and truncated to a plausible range', () => {
    for (const kind of ['street', 'garage'] as const) {
      const xs = draw(kind);
      expect(mean(xs)).toBeGreaterThan(median(xs));
      expect(mean(xs)).toBeCloseTo(meanDwellMinutes(kind), -1);
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(DWELL[kind].minMin);
      expect(Math.max(...xs)).toBeLessThanOrEqual(DWELL[kind].maxMin);
    }
  });
});

describe('remaining dwell of cars found parked', () => {
  it('is longer than half a dwell: long stays are more likely to be found', () => {
    for (const kind of ['street', 'garage'] as const) {
      const rng = seededRandom(13);
      const xs = Array.from({ length: 40_000 }, () => remainingDwellMinutes(kind, rng));
      const { medianMin, sigma } = DWELL[kind];
      // E[D²] / 2E[D] for a lognormal D: median · e^(3σ²/2) / 2 (truncation trims a little).
      expect(mean(xs) / ((medianMin * Math.exp(1.5 * sigma ** 2)) / 2)).toBeGreaterThan(0.85);
      expect(mean(xs) / ((medianMin * Math.exp(1.5 * sigma ** 2)) / 2)).toBeLessThan(1.05);
      expect(mean(xs)).toBeGreaterThan(meanDwellMinutes(kind) / 2);
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...xs)).toBeLessThanOrEqual(DWELL[kind].maxMin);
    }
  });
});

describe('poisson', () => {
  it('has the requested mean for small and large means', () => {
    const rng = seededRandom(9);
    for (const m of [0.05, 0.7, 4, 80]) {
      const xs = Array.from({ length: 20_000 }, () => poisson(m, rng));
      expect(mean(xs) / m, `mean ${m}`).toBeCloseTo(1, 1);
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
    }
  });
  it('gives none for a zero, negative or NaN mean', () => {
    const rng = seededRandom(1);
    expect([0, -1, NaN].map((m) => poisson(m, rng))).toEqual([0, 0, 0]);
  });
});
