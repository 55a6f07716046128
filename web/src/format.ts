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
