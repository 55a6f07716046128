import { describe, it, expect } from 'vitest';
import { bucketMeans, generateHistory, type HistoryLot } from './history.ts';

const MONDAY = new Date('2026-09-06T16:00:00Z'); // Monday 00:00 in Zhengzhou
const LOTS: HistoryLot[] = [
  { id: 'G1', kind: 'garage', capacity: 200, demand: 1.3 },
  { id: 'S1', kind: 'street', capacity: 12, demand: 1.1 },
];
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe('generateHistory', () => {
  const h = generateHistory(LOTS, { start: MONDAY, days: 28, seed: 3, eventsPerWeek: 1, rainPerWeek: 1 });

  it('is the same for the same seed, and another for another', () => {
    const again = generateHistory(LOTS, { start: MONDAY, days: 28, seed: 3 });
    expect(Array.from(again.lots[0].free)).toEqual(Array.from(h.lots[0].free));
    expect(Array.from(generateHistory(LOTS, { start: MONDAY, days: 28, seed: 4 }).lots[0].free)).not.toEqual(Array.from(h.lots[0].free));
  });

  it('samples every 5 minutes, never outside 0…capacity', () => {
    for (const { lot, free } of h.lots) {
      expect(free.length).toBe(28 * 288);
      expect(Math.min(...free)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...free)).toBeLessThanOrEqual(lot.capacity);
    }
  });

  it('has a time of day: the garage is fuller at 11:00 than at 04:00', () => {
    const at = (hour: number) => mean(Array.from({ length: 20 }, (_, d) => h.lots[0].free[d * 288 + hour * 12]));
    expect(at(11)).toBeLessThan(at(4) - 30);
  });

  it('has event and rainy days, and rain fills the city', () => {
    const kinds = new Set(h.days.map((d) => d.kind));
    expect(kinds).toEqual(new Set(['normal', 'event', 'rain']));
    const daytime = (kind: string) => mean(h.days.flatMap((d, i) => (d.kind === kind ? Array.from(h.lots[0].free.subarray(i * 288 + 9 * 12, i * 288 + 18 * 12)) : [])));
    expect(daytime('rain')).toBeLessThan(daytime('normal'));
    for (const d of h.days) if (d.kind !== 'event') expect(d.eventLots.size).toBe(0);
  });

  it('averages samples into 15-minute buckets', () => {
    const b = bucketMeans(Uint16Array.from([3, 4, 5, 0, 0, 3]), 5);
    expect(Array.from(b)).toEqual([4, 1]);
  });
});
