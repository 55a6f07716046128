// The console's analytics, pure: the range a preset asks for, the charts' complete hour and day
// axes, the lot table's order, and a readable top for a bar chart's scale. Money stays integer fen.
import { LOT_TIME_ZONE, localParts } from './format.ts';
import type { DayAnalytics, HourAnalytics, LotAnalytics } from './types.ts';

export type RangePreset = '24h' | '7d' | '30d';
export const RANGE_PRESETS: readonly RangePreset[] = ['24h', '7d', '30d'];

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** "2026-03-02": the lot-local calendar day of an instant. */
export function localDay(ms: number, timeZone = LOT_TIME_ZONE): string {
  const p = localParts(ms, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/**
 * Local midnight of the day an instant falls on, as an instant. Uses the zone's offset at that
 * instant: exact for every zone without daylight saving, which is every lot in China.
 */
export function startOfLocalDay(ms: number, timeZone = LOT_TIME_ZONE): number {
  const p = localParts(ms, timeZone);
  const offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
  return Date.UTC(p.year, p.month - 1, p.day) - offset;
}

/**
 * The instants a preset asks the API for. 24 h is a sliding window; 7 and 30 days are whole local
 * days, today included, so the daily chart has no cut first day.
 */
export function rangeFor(preset: RangePreset, now: number, timeZone = LOT_TIME_ZONE): { from: string; to: string } {
  const to = new Date(now).toISOString();
  if (preset === '24h') return { from: new Date(now - 24 * HOUR_MS).toISOString(), to };
  const days = preset === '7d' ? 7 : 30;
  return { from: new Date(startOfLocalDay(now, timeZone) - (days - 1) * DAY_MS).toISOString(), to };
}

/** All 24 hours in order, an hour the API left out reading as no entries and no samples. */
export function fillHours(hourly: readonly HourAnalytics[]): HourAnalytics[] {
  const byHour = new Map(hourly.map((h) => [h.hour, h]));
  return Array.from({ length: 24 }, (_, hour) => byHour.get(hour) ?? { hour, entries: 0, avgOccupancy: null });
}

/** Every local day of [from, to), a day without figures as zeros (the API lists only days with some). */
export function fillDays(daily: readonly DayAnalytics[], from: string, to: string, timeZone = LOT_TIME_ZONE): DayAnalytics[] {
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const start = Date.parse(from);
  const end = Date.parse(to);
  const out: DayAnalytics[] = [];
  if (!(start < end)) return out;
  const last = localDay(end - 1, timeZone);
  // Noon steps never skip or repeat a day; 100 bounds a bad range (the API allows 92 days).
  for (let t = startOfLocalDay(start, timeZone) + 12 * HOUR_MS, i = 0; i < 100; t += DAY_MS, i++) {
    const day = localDay(t, timeZone);
    out.push(byDay.get(day) ?? { day, sessions: 0, invoicedFen: 0, paidFen: 0 });
    if (day >= last) break;
  }
  return out;
}

export type LotSortKey = 'name' | 'bays' | 'sessions' | 'avgStayMinutes' | 'turnover' | 'avgOccupancy' | 'peakOccupancy' | 'invoicedFen' | 'paidFen';
export type SortDir = 'asc' | 'desc';
export interface LotSort {
  key: LotSortKey;
  dir: SortDir;
}

/** Clicking a column: the same column flips; a new one starts with names A→Z and figures largest first. */
export function nextSort(current: LotSort, key: LotSortKey): LotSort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: key === 'name' ? 'asc' : 'desc' };
}

/** The lot table's rows in order; lots without a figure (no samples) go last either way. */
export function sortLots(rows: readonly LotAnalytics[], sort: LotSort, nameOf: (l: LotAnalytics) => string, locale = 'zh-CN'): LotAnalytics[] {
  const collator = new Intl.Collator(locale);
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    if (sort.key === 'name') return sign * collator.compare(nameOf(a), nameOf(b)) || a.lotId.localeCompare(b.lotId);
    const x = a[sort.key];
    const y = b[sort.key];
    if (x === null && y === null) return a.lotId.localeCompare(b.lotId);
    if (x === null) return 1;
    if (y === null) return -1;
    return sign * (x - y) || a.lotId.localeCompare(b.lotId);
  });
}

/** A round top for a bar chart's axis at or above the largest value: 1, 2 or 5 × 10^k (1 for none). */
export function niceMax(values: readonly number[]): number {
  const max = Math.max(0, ...values.filter((v) => Number.isFinite(v)));
  if (max <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * pow >= max) return m * pow;
  return 10 * pow;
}

/** Paid as a share of invoiced; null when nothing was invoiced. */
export function collectionRate(paidFen: number, invoicedFen: number): number | null {
  return invoicedFen > 0 ? paidFen / invoicedFen : null;
}
