// Quiet hours (REMINDER_QUIET_HOURS, default 21:00-08:00): no reminder SMS reaches a driver at night
// in the lot's own time zone. Pure: the clock and the zone are parameters.
import { localAt, MINUTE_MS } from '../core/local-time.ts';

/** Minutes after local midnight the window starts and ends; it may cross midnight (start > end). */
export interface QuietHours { startMin: number; endMin: number }

/** `HH:MM-HH:MM` (core/config.ts checks the shape), or `none`: null. */
export function parseQuietHours(spec: string): QuietHours | null {
  if (spec === 'none') return null;
  const [s, e] = spec.split('-').map((t) => t.split(':').map(Number)).map(([h, m]) => h * 60 + m);
  return { startMin: s, endMin: e };
}

/** The local minute of the day at `at` in `timeZone` (IANA), 0..1439. */
function localMinute(at: Date, timeZone: string): number {
  return localAt(timeZone, Math.floor(at.getTime() / MINUTE_MS)).minuteOfDay;
}

/** Inside the window: start inclusive, end exclusive (21:00-08:00: 21:00 is quiet, 08:00 is not). */
export function inQuietHours(q: QuietHours | null, at: Date, timeZone: string): boolean {
  if (!q || q.startMin === q.endMin) return false;
  const m = localMinute(at, timeZone);
  return q.startMin < q.endMin ? m >= q.startMin && m < q.endMin : m >= q.startMin || m < q.endMin;
}
