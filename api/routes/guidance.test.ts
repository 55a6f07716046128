import { describe, expect, it } from 'vitest';
import type { Lot } from '../availability-cache.ts';
import { nearestFull } from './guidance.ts';

const lot = (id: string, lng: number, o: Partial<Lot> = {}): Lot => ({
  id, name: id, nameEn: id, kind: 'street', district: 'Jinshui', address: '', lat: 34.75, lng, capacity: 10,
  free: 0, occupied: 10, unknown: 0, dataQuality: 1, updatedAt: '2026-03-02T01:00:00Z', path: null, timeZone: 'Asia/Shanghai', ...o,
});
const dest = { lat: 34.75, lng: 113.65 };

describe('an arrival turned away: the nearest lot to the destination is full', () => {
  it('names the nearest lot when it is full', () => {
    expect(nearestFull([lot('far', 113.654, { free: 3, occupied: 7 }), lot('near', 113.6501)], dest, undefined, 1500)?.id).toBe('near');
  });

  it('none when the nearest has a space, even if a farther one is full', () => {
    expect(nearestFull([lot('near', 113.6501, { free: 1, occupied: 9 }), lot('far', 113.654)], dest, undefined, 1500)).toBeNull();
  });

  it('ignores lots of another kind, out of walking reach, or whose bays are all of unknown state', () => {
    const lots = [
      lot('garage', 113.6501, { kind: 'garage' }),
      lot('dark', 113.6502, { free: 0, occupied: 0, unknown: 10 }),
      lot('street', 113.6503),
      lot('out-of-reach', 113.70),
    ];
    expect(nearestFull(lots, dest, 'street', 1500)?.id).toBe('street');
    expect(nearestFull([lot('out-of-reach', 113.70)], dest, undefined, 1500)).toBeNull();
  });
});
