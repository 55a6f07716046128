import { describe, expect, it } from 'vitest';
import { levelOf } from './availability.ts';

describe('levelOf', () => {
  it('is grey when no bay state is known', () => {
    expect(levelOf({ free: 0, occupied: 0 })).toBe('none');
  });
  it('is red when full or under 10 % free', () => {
    expect(levelOf({ free: 0, occupied: 5 })).toBe('low');
    expect(levelOf({ free: 1, occupied: 11 })).toBe('low');
  });
  it('is amber from 10 % and green from 30 % free', () => {
    expect(levelOf({ free: 1, occupied: 9 })).toBe('mid');
    expect(levelOf({ free: 3, occupied: 7 })).toBe('high');
  });
  it('leaves unknown bays out of the ratio', () => {
    // 3 free, 2 occupied, however many silent sensors: 60 % of the known bays are free.
    expect(levelOf({ free: 3, occupied: 2 })).toBe('high');
  });
});
