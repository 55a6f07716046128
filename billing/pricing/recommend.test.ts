import { describe, expect, it } from 'vitest';
import { parseTariff, type Tariff } from '../tariff.ts';
import { bandHours, DEFAULT_POLICY, nextMonday, recommendationWindow, recommendPrices, type HourOccupancy } from './recommend.ts';

const street: Tariff = parseTariff({
  id: 'zz-street-v2', lotId: 'L1', version: 2, validFrom: '2026-01-01T00:00:00+08:00', name: 'Street', timeZone: 'Asia/Shanghai',
  bands: [
    { name: 'Day', nameZh: '白天', from: '07:00', to: '21:00', pricing: { kind: 'units', firstUnit: { minutes: 60, fen: 300 }, unit: { minutes: 30, fen: 150 }, tiers: [{ afterMinutes: 120, unit: { minutes: 15, fen: 100 } }] } },
    { name: 'Night', nameZh: '夜间', from: '21:00', to: '07:00', pricing: { kind: 'units', unit: { minutes: 60, fen: 100 } }, capFen: 500 },
  ],
  dailyCapFen: 3000,
});

/** Every hour of the day at `day` occupancy inside 07–21 and `night` outside, 20 buckets each. */
const hourly = (day: number, night: number): HourOccupancy[] =>
  Array.from({ length: 24 }, (_, hour) => ({ hour, occupancy: hour >= 7 && hour < 21 ? day : night, buckets: 20 }));

describe('recommendPrices (SFpark-style steps)', () => {
  it('reads the local hours of each band, wrapping midnight', () => {
    expect(bandHours({ from: '07:00', to: '21:00' })).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(bandHours({ from: '21:00', to: '07:00' })).toEqual([0, 1, 2, 3, 4, 5, 6, 21, 22, 23]);
    expect(bandHours({ from: '00:00', to: '00:00' })).toHaveLength(24);
  });

  it('raises a full band one step, lowers an empty one, and keeps the tariff shape', () => {
    const { steps, proposal } = recommendPrices(street, hourly(0.93, 0.2));
    expect(steps.map((s) => [s.band, s.direction, s.reason, s.beforeFenPerHour, s.afterFenPerHour])).toEqual([
      ['Day', 'up', 'above-target', 300, 350],
      ['Night', 'down', 'below-target', 100, 50],
    ]);
    expect(steps[0].occupancy).toBeCloseTo(0.93);
    const [day, night] = proposal!.bands;
    // ¥0.50 an hour more: the 30-minute unit +¥0.25, the first hour +¥0.50, the 15-minute tier +¥0.13 (rounded).
    expect(day.pricing).toEqual({ kind: 'units', firstUnit: { minutes: 60, fen: 350 }, unit: { minutes: 30, fen: 175 }, tiers: [{ afterMinutes: 120, unit: { minutes: 15, fen: 113 } }] });
    expect(night.pricing).toEqual({ kind: 'units', unit: { minutes: 60, fen: 50 } });
    expect(night.capFen).toBe(500);
    expect(proposal).not.toHaveProperty('version');
    expect(proposal!.dailyCapFen).toBe(3000);
  });

  it('holds inside the target band, without data, at the ceiling and at the floor', () => {
    expect(recommendPrices(street, hourly(0.7, 0.65))).toEqual(expect.objectContaining({ proposal: null }));
    expect(recommendPrices(street, []).steps.map((s) => s.reason)).toEqual(['no-data', 'no-data']);
    const capped = recommendPrices(street, hourly(0.95, 0.1), { ...DEFAULT_POLICY, ceilingFenPerHour: 300, floorFenPerHour: 100 });
    expect(capped.steps.map((s) => s.reason)).toEqual(['at-ceiling', 'at-floor']);
    expect(capped.proposal).toBeNull();
  });

  it('stops at the ceiling and floor rather than stepping past them', () => {
    const r = recommendPrices(street, hourly(0.95, 0.1), { ...DEFAULT_POLICY, stepFenPerHour: 200, ceilingFenPerHour: 400, floorFenPerHour: 40 });
    expect(r.steps.map((s) => s.afterFenPerHour)).toEqual([400, 40]);
  });

  it('weights hours by their buckets and skips hours without data', () => {
    const data: HourOccupancy[] = [{ hour: 8, occupancy: 1, buckets: 30 }, { hour: 14, occupancy: 0.5, buckets: 10 }, { hour: 15, occupancy: 0, buckets: 0 }];
    const day = recommendPrices(street, data).steps[0];
    expect(day.occupancy).toBeCloseTo((30 + 5) / 40);
    expect(day.direction).toBe('up');
  });

  it('never steps a per-visit band', () => {
    const garage = parseTariff({ ...street, bands: [street.bands[0], { name: 'Night', from: '21:00', to: '07:00', pricing: { kind: 'per-visit', fen: 200 } }] });
    const r = recommendPrices(garage, hourly(0.5, 0.99));
    expect(r.steps[1]).toEqual(expect.objectContaining({ reason: 'per-visit', direction: 'hold', beforeFenPerHour: null }));
    expect(r.proposal!.bands[1].pricing).toEqual({ kind: 'per-visit', fen: 200 });
  });

  it('the proposal is a valid tariff body', () => {
    const { proposal } = recommendPrices(street, hourly(0.99, 0.99));
    expect(() => parseTariff({ ...proposal, id: 'x', lotId: 'L1', version: 3, validFrom: '2027-01-04T00:00:00+08:00' })).not.toThrow();
  });
});

describe('nextMonday', () => {
  it('is the coming Monday 00:00 in the lot\'s zone, a week on when today is Monday', () => {
    // 2026-11-30 is a Monday.
    expect(nextMonday('Asia/Shanghai', new Date('2026-11-30T01:00:00Z'))).toBe('2026-12-06T16:00:00.000Z');
    expect(nextMonday('Asia/Shanghai', new Date('2026-11-29T15:59:00Z'))).toBe('2026-11-29T16:00:00.000Z'); // Sunday 23:59 local → Monday 00:00 local
    expect(nextMonday('Asia/Shanghai', new Date('2026-12-03T12:00:00Z'))).toBe('2026-12-06T16:00:00.000Z');
    // Across a DST change: Europe/London on 2027-03-28 (clocks forward at 01:00 UTC).
    expect(nextMonday('Europe/London', new Date('2027-03-25T12:00:00Z'))).toBe('2027-03-28T23:00:00.000Z');
  });
});

describe('recommendationWindow', () => {
  const now = new Date('2026-11-30T00:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
  it('reads the lookback, but not from before the price in force began, and waits a week under a new price', () => {
    expect(recommendationWindow(now, 4, daysAgo(400))).toEqual({ from: daysAgo(28) });
    expect(recommendationWindow(now, 4, daysAgo(10))).toEqual({ from: daysAgo(10) });
    expect(recommendationWindow(now, 4, daysAgo(6))).toBeNull();
  });
});
