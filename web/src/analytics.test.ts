import { describe, expect, it } from 'vitest';
import { collectionRate, fillDays, fillHours, localDay, nextSort, niceMax, rangeFor, sortLots, startOfLocalDay } from './analytics.ts';
import type { LotAnalytics } from './types.ts';

// 2026-03-02 10:30 in Shanghai.
const NOW = Date.parse('2026-03-02T02:30:00Z');

describe('local days (Asia/Shanghai, UTC+8)', () => {
  it('finds the local day and its midnight whatever UTC says', () => {
    expect(localDay(Date.parse('2026-03-01T16:00:00Z'))).toBe('2026-03-02');
    expect(localDay(Date.parse('2026-03-01T15:59:59Z'))).toBe('2026-03-01');
    expect(new Date(startOfLocalDay(NOW)).toISOString()).toBe('2026-03-01T16:00:00.000Z');
    expect(new Date(startOfLocalDay(Date.parse('2026-03-01T16:00:00Z'))).toISOString()).toBe('2026-03-01T16:00:00.000Z');
  });
});

describe('rangeFor', () => {
  it('slides 24 hours back from now', () => {
    expect(rangeFor('24h', NOW)).toEqual({ from: '2026-03-01T02:30:00.000Z', to: '2026-03-02T02:30:00.000Z' });
  });
  it('takes whole local days for 7 and 30 days, today included', () => {
    expect(rangeFor('7d', NOW)).toEqual({ from: '2026-02-23T16:00:00.000Z', to: '2026-03-02T02:30:00.000Z' });
    expect(rangeFor('30d', NOW).from).toBe('2026-01-31T16:00:00.000Z');
  });
});

describe('fillHours', () => {
  it('gives all 24 hours in order, a missing one empty', () => {
    const hours = fillHours([{ hour: 9, entries: 3, avgOccupancy: 0.5 }, { hour: 0, entries: 1, avgOccupancy: null }]);
    expect(hours).toHaveLength(24);
    expect(hours.map((h) => h.hour)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(hours[9]).toEqual({ hour: 9, entries: 3, avgOccupancy: 0.5 });
    expect(hours[10]).toEqual({ hour: 10, entries: 0, avgOccupancy: null });
  });
});

describe('fillDays', () => {
  it('lists every local day of the range, days without figures as zeros', () => {
    const { from, to } = rangeFor('7d', NOW);
    const days = fillDays([{ day: '2026-02-25', sessions: 2, invoicedFen: 950, paidFen: 0 }], from, to);
    expect(days.map((d) => d.day)).toEqual(['2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(days[1]).toEqual({ day: '2026-02-25', sessions: 2, invoicedFen: 950, paidFen: 0 });
    expect(days[0]).toEqual({ day: '2026-02-24', sessions: 0, invoicedFen: 0, paidFen: 0 });
  });
  it('covers a sliding 24 hours as the two local days it touches', () => {
    const { from, to } = rangeFor('24h', NOW);
    expect(fillDays([], from, to).map((d) => d.day)).toEqual(['2026-03-01', '2026-03-02']);
  });
  it('gives nothing for an empty or reversed range', () => {
    expect(fillDays([], '2026-03-02T00:00:00Z', '2026-03-02T00:00:00Z')).toEqual([]);
  });
});

const lot = (lotId: string, name: string, fields: Partial<LotAnalytics> = {}): LotAnalytics => ({
  lotId, name, nameEn: name, kind: 'garage', bays: 10, sessions: 0, avgStayMinutes: null, turnover: 0,
  invoicedFen: 0, paidFen: 0, avgOccupancy: null, peakOccupancy: null, ...fields,
});

describe('sortLots', () => {
  const rows = [
    lot('a', '郑州东站', { sessions: 5, invoicedFen: 900, avgOccupancy: 0.4 }),
    lot('b', '二七广场', { sessions: 9, invoicedFen: 100, avgOccupancy: null }),
    lot('c', '金水路', { sessions: 5, invoicedFen: 5000, avgOccupancy: 0.9 }),
  ];
  const name = (l: LotAnalytics) => l.name;

  it('sorts by a figure either way, ties by lot id', () => {
    expect(sortLots(rows, { key: 'invoicedFen', dir: 'desc' }, name).map((l) => l.lotId)).toEqual(['c', 'a', 'b']);
    expect(sortLots(rows, { key: 'invoicedFen', dir: 'asc' }, name).map((l) => l.lotId)).toEqual(['b', 'a', 'c']);
    expect(sortLots(rows, { key: 'sessions', dir: 'asc' }, name).map((l) => l.lotId)).toEqual(['a', 'c', 'b']);
  });
  it('keeps lots without a figure last in both directions', () => {
    expect(sortLots(rows, { key: 'avgOccupancy', dir: 'desc' }, name).map((l) => l.lotId)).toEqual(['c', 'a', 'b']);
    expect(sortLots(rows, { key: 'avgOccupancy', dir: 'asc' }, name).map((l) => l.lotId)).toEqual(['a', 'c', 'b']);
  });
  it('sorts names by the language’s collation (pinyin for Chinese)', () => {
    // 二 (èr) < 金 (jīn) < 郑 (zhèng)
    expect(sortLots(rows, { key: 'name', dir: 'asc' }, name).map((l) => l.lotId)).toEqual(['b', 'c', 'a']);
  });
  it('does not change its input', () => {
    sortLots(rows, { key: 'sessions', dir: 'desc' }, name);
    expect(rows.map((l) => l.lotId)).toEqual(['a', 'b', 'c']);
  });
});

describe('nextSort', () => {
  it('flips the same column, starts a new one largest first (names A→Z)', () => {
    expect(nextSort({ key: 'sessions', dir: 'desc' }, 'sessions')).toEqual({ key: 'sessions', dir: 'asc' });
    expect(nextSort({ key: 'sessions', dir: 'asc' }, 'paidFen')).toEqual({ key: 'paidFen', dir: 'desc' });
    expect(nextSort({ key: 'sessions', dir: 'desc' }, 'name')).toEqual({ key: 'name', dir: 'asc' });
  });
});

describe('niceMax', () => {
  it('rounds the largest value up to 1, 2 or 5 × 10^k', () => {
    expect(niceMax([])).toBe(1);
    expect(niceMax([0, 0])).toBe(1);
    expect(niceMax([3])).toBe(5);
    expect(niceMax([7, 2])).toBe(10);
    expect(niceMax([10])).toBe(10);
    expect(niceMax([11])).toBe(20);
    expect(niceMax([1900])).toBe(2000);
    expect(niceMax([0.63])).toBe(1);
    expect(niceMax([0.42])).toBe(0.5);
  });
});

describe('collectionRate', () => {
  it('is paid over invoiced, none when nothing was invoiced', () => {
    expect(collectionRate(500, 1000)).toBe(0.5);
    expect(collectionRate(0, 0)).toBeNull();
  });
});
