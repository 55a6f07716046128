import { describe, expect, it } from 'vitest';
import { dataQuality, gateDrift } from './data-quality.ts';

describe('dataQuality', () => {
  it('is the share of bays on fresh, consistent evidence', () => {
    expect(dataQuality({ free: 6, occupied: 2, unknown: 2 })).toBe(0.8);
    expect(dataQuality({ free: 7, occupied: 2, unknown: 1, doubtful: 1 })).toBe(0.8);
    expect(dataQuality({ free: 0, occupied: 0, unknown: 0 })).toBeNull();
  });
  it('takes a garage\'s gate count drifting from its bay count off the figure beyond the tolerance', () => {
    // 40 bays: tolerance 4 cars (between barrier and bay).
    const lot = { free: 30, occupied: 10, unknown: 0 };
    expect(gateDrift({ ...lot, gateInside: 14 })).toBe(0);
    expect(dataQuality({ ...lot, gateInside: 14 })).toBe(1);
    expect(gateDrift({ ...lot, gateInside: 20 })).toBe(6);
    expect(dataQuality({ ...lot, gateInside: 20 })).toBe(0.85);
    expect(gateDrift({ ...lot, gateInside: 2 })).toBe(4);
    expect(dataQuality({ ...lot, gateInside: null })).toBe(1);
  });
});
