import { describe, expect, it } from 'vitest';
import { fullMostOften, heatPoints, nextMoment } from './city-view.ts';
import type { CityLot } from './types.ts';

const hours = (v: number | null) => Array.from({ length: 24 }, () => v);
const lot = (lotId: string, o: Partial<CityLot>): CityLot => ({
  lotId, name: lotId, nameEn: lotId, kind: 'street', district: 'Jinshui', lat: 34.7, lng: 113.6, capacity: 10,
  weekday: hours(null), weekend: hours(null), fullShare: null, ...o,
});

describe('city view figures', () => {
  it('heat: one point per lot with a figure at that hour, its occupancy as the intensity', () => {
    const weekday = hours(0.2);
    weekday[9] = 0.95;
    const lots = [lot('a', { weekday, lat: 34.71, lng: 113.61 }), lot('b', {})];
    expect(heatPoints(lots, { day: 'weekday', hour: 9 })).toEqual([[34.71, 113.61, 0.95]]);
    expect(heatPoints(lots, { day: 'weekday', hour: 3 })).toEqual([[34.71, 113.61, 0.2]]);
    expect(heatPoints(lots, { day: 'weekend', hour: 9 })).toEqual([]);
  });

  it('full most often: only lots that were full, most first, ties by id', () => {
    const lots = [lot('c', { fullShare: 0.1 }), lot('a', { fullShare: 0.4 }), lot('b', { fullShare: 0.4 }), lot('d', { fullShare: 0 }), lot('e', {})];
    expect(fullMostOften(lots).map((l) => l.lotId)).toEqual(['a', 'b', 'c']);
    expect(fullMostOften(lots, 1).map((l) => l.lotId)).toEqual(['a']);
  });

  it('a play walks a weekday, then a weekend, then stops', () => {
    expect(nextMoment({ day: 'weekday', hour: 22 })).toEqual({ day: 'weekday', hour: 23 });
    expect(nextMoment({ day: 'weekday', hour: 23 })).toEqual({ day: 'weekend', hour: 0 });
    expect(nextMoment({ day: 'weekend', hour: 23 })).toBeNull();
  });
});
