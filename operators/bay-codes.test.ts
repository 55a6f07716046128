import { describe, it, expect } from 'vitest';
import { expandPattern, parseBayCsv, spreadAlong, MAX_BAYS_PER_REQUEST } from './bay-codes.ts';

describe('expandPattern', () => {
  it('expands a range zero-padded like its start, and a counter with count and start', () => {
    const r = expandPattern('A-{001..120}');
    expect(r).toHaveLength(120);
    expect([r[0], r[9], r[119]]).toEqual(['A-001', 'A-010', 'A-120']);
    expect(expandPattern('B{nn}-x', 3, 9)).toEqual(['B09-x', 'B10-x', 'B11-x']);
    expect(expandPattern('C-{1..3}')).toEqual(['C-1', 'C-2', 'C-3']);
  });

  it('refuses a backwards range, a counter without count, no number part, and too many at once', () => {
    expect(() => expandPattern('A-{9..1}')).toThrow(/backwards/);
    expect(() => expandPattern('A-{nnn}')).toThrow(/needs a count/);
    expect(() => expandPattern('A-1')).toThrow(/number part/);
    expect(() => expandPattern(`A-{1..${MAX_BAYS_PER_REQUEST + 1}}`)).toThrow(/add them in parts/);
  });
});

describe('parseBayCsv', () => {
  it('reads flags and positions by header name, numbering rows by CSV line, with a reason per refused row', () => {
    const { rows, refused } = parseBayCsv('\uFEFFCode,Accessible,EV-Charging,lat,lng\nX-1,是,no,,\n"X-2",1,true,34.7,113.6\nX 3,,,,\nX-4,,,34.7,\nX-5,perhaps,,,\n');
    expect(rows).toEqual([
      { row: 2, code: 'X-1', accessible: true, evCharging: false, lat: undefined, lng: undefined },
      { row: 3, code: 'X-2', accessible: true, evCharging: true, lat: 34.7, lng: 113.6 },
    ]);
    expect(refused.map((r) => [r.row, r.code])).toEqual([[4, 'X 3'], [5, 'X-4'], [6, 'X-5']]);
    expect(refused[1].reason).toMatch(/both lat and lng/);
    // Each with its code, which the console words in zh or en.
    expect(refused.map((r) => [r.why, r.field])).toEqual([['bad-code', undefined], ['half-coordinates', undefined], ['bad-flag', 'accessible']]);
  });

  it('says what is missing when the header has no code column', () => {
    expect(() => parseBayCsv('name\nA')).toThrow(/needs a `code` column/);
  });
});

describe('spreadAlong', () => {
  it('puts n points evenly along a polyline, each on it, in order', () => {
    const pts = spreadAlong([[0, 0], [10, 0], [10, 10]], { lat: 0, lng: 0 }, 4);
    expect(pts).toEqual([{ lng: 2.5, lat: 0 }, { lng: 7.5, lat: 0 }, { lng: 10, lat: 2.5 }, { lng: 10, lat: 7.5 }]);
  });
  it('puts every point at the lot without a path', () => {
    expect(spreadAlong(null, { lat: 1, lng: 2 }, 2)).toEqual([{ lat: 1, lng: 2 }, { lat: 1, lng: 2 }]);
  });
});
