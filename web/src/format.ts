// Number, distance and time formatting for both UI languages.
import type { Lang } from './i18n.ts';

const locale = (lang: Lang) => (lang === 'zh' ? 'zh-CN' : 'en-GB');

export function formatDistance(meters: number, lang: Lang): string {
  if (meters < 1000) {
    const m = Math.round(meters / 10) * 10;
    return lang === 'zh' ? `${m} 米` : `${m} m`;
  }
  const km = (meters / 1000).toFixed(meters < 10_000 ? 1 : 0);
  return lang === 'zh' ? `${km} 公里` : `${km} km`;
}

export function formatClock(iso: string, lang: Lang): string {
  const d = new Date(iso);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return new Intl.DateTimeFormat(locale(lang), {
    ...(sameDay ? {} : { month: 'short', day: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
  }).format(d);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** "5 分钟前" / "5 min ago"; under a minute reads as "just now" (`justNow`). */
export function formatAgo(iso: string, lang: Lang, now: number, justNow: string): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 60) return justNow;
  const rtf = new Intl.RelativeTimeFormat(locale(lang), { numeric: 'auto', style: 'short' });
  for (const [unit, size] of UNITS) {
    if (seconds >= size) return rtf.format(-Math.floor(seconds / size), unit);
  }
  return justNow;
}

/** Lots bill in their own time zone; every OneLot lot is in China. */
export const LOT_TIME_ZONE = 'Asia/Shanghai';

/** Local calendar fields of an instant in a zone (hours 0–23). */
export function localParts(ms: number, timeZone = LOT_TIME_ZONE): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  return Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    })
      .formatToParts(new Date(ms))
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
}

const two = (n: number) => String(n).padStart(2, '0');

/** "2026-03-02 09:00" in Asia/Shanghai whatever the browser's zone; "—" for null. */
export function formatLocalTime(iso: string | null, timeZone = LOT_TIME_ZONE): string {
  if (!iso) return '—';
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) return '—';
  const p = localParts(ms, timeZone);
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}

/** A stay's length as H:MM:SS (hours keep counting past 24); negative clamps to 0:00:00. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** A 0..1 share as a whole percentage, "63%"; "—" when there is no figure (no samples). */
export function formatPercent(ratio: number | null, digits = 0): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** An average stay: "45 分钟" / "45 min", "2 小时 5 分" / "2 h 5 min"; "—" without one. */
export function formatStay(minutes: number | null, lang: Lang): string {
  if (minutes === null || !Number.isFinite(minutes)) return '—';
  const total = Math.max(0, Math.round(minutes));
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h === 0) return lang === 'zh' ? `${m} 分钟` : `${m} min`;
  if (m === 0) return lang === 'zh' ? `${h} 小时` : `${h} h`;
  return lang === 'zh' ? `${h} 小时 ${m} 分` : `${h} h ${m} min`;
}
