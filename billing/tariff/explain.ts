// The bill in words, English or Chinese: one sentence per fee line (times in the lot's zone) and
// the total. computeFee stores the English one in each line; explainBill renders either language.
import { dateOf, localAt, MINUTE_MS } from '../../core/local-time.ts';
import type { FeeLine, FeeResult } from './schema.ts';

const yuan = (fen: number) => `${fen < 0 ? '−' : ''}¥${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;

function localStamp(timeZone: string, isoTime: string): { date: string; time: string } {
  const l = localAt(timeZone, Math.floor(Date.parse(isoTime) / MINUTE_MS));
  const hh = String(Math.floor(l.minuteOfDay / 60)).padStart(2, '0');
  const mm = String(l.minuteOfDay % 60).padStart(2, '0');
  return { date: dateOf(l.day).slice(5), time: `${hh}:${mm}` };
}

function span(timeZone: string, from: string, to: string): string {
  const a = localStamp(timeZone, from);
  const b = localStamp(timeZone, to);
  return `${a.date} ${a.time}–${b.date === a.date ? '' : `${b.date} `}${b.time}`;
}

/** One fee line in words; computeFee stores the English one as the line's description. */
export function describeLine(l: Omit<FeeLine, 'description'>, lang: 'zh' | 'en', timeZone: string): string {
  const when = span(timeZone, l.from, l.to);
  const zh = lang === 'zh';
  const name = zh ? l.nameZh : l.name;
  switch (l.kind) {
    case 'grace':
      return zh
        ? `${name} ${when}，${l.minutes}分钟（${l.graceMinutes}分钟内免费）：${yuan(0)}`
        : `${name} ${when}, ${l.minutes} min within the ${l.graceMinutes}-min grace: ${yuan(0)}`;
    case 'new-energy-free':
    case 'free-period':
      return zh ? `${name} ${when}，${l.minutes}分钟不计费：${yuan(0)}` : `${name} ${when}, ${l.minutes} min not charged: ${yuan(0)}`;
    case 'band':
      if (l.part === 'per-visit') return zh ? `${name} ${when}，${l.minutes}分钟：按次收费 ${yuan(l.amountFen)}` : `${name} ${when}, ${l.minutes} min: per visit ${yuan(l.amountFen)}`;
      if (l.part === 'first-unit') {
        return zh
          ? `${name} ${when}，${l.minutes}分钟：首${l.unitMinutes}分钟 ${yuan(l.unitFen)}`
          : `${name} ${when}, ${l.minutes} min: first ${l.unitMinutes} min ${yuan(l.unitFen)}`;
      }
      if (l.part === 'tier') {
        return zh
          ? `${name} ${when}，${l.minutes}分钟：超过${l.afterMinutes}分钟后 每${l.unitMinutes}分钟 ${yuan(l.unitFen)} × ${l.units} = ${yuan(l.amountFen)}`
          : `${name} ${when}, ${l.minutes} min: after the first ${l.afterMinutes} min, ${l.units} × ${yuan(l.unitFen)} per ${l.unitMinutes} min = ${yuan(l.amountFen)}`;
      }
      return zh
        ? `${name} ${when}，${l.minutes}分钟：每${l.unitMinutes}分钟 ${yuan(l.unitFen)} × ${l.units} = ${yuan(l.amountFen)}`
        : `${name} ${when}, ${l.minutes} min: ${l.units} × ${yuan(l.unitFen)} per ${l.unitMinutes} min = ${yuan(l.amountFen)}`;
    case 'band-cap':
      return zh ? `${name} ${when} 封顶 ${yuan(l.capFen ?? 0)}：${yuan(l.amountFen)}` : `${name} ${when} capped at ${yuan(l.capFen ?? 0)}: ${yuan(l.amountFen)}`;
    case 'daily-cap': {
      const before = (l.capFen ?? 0) - l.amountFen;
      return zh
        ? `${name} ${yuan(l.capFen ?? 0)}（${when}，原计 ${yuan(before)}）：${yuan(l.amountFen)}`
        : `${name} of ${yuan(l.capFen ?? 0)} for ${when} (charged ${yuan(before)}): ${yuan(l.amountFen)}`;
    }
    case 'pass':
    case 'free-list':
      return zh ? `${name} ${when}，${l.minutes}分钟：${yuan(0)}` : `${name} ${when}, ${l.minutes} min: ${yuan(0)}`;
    case 'ev-bay-misuse':
      return zh
        ? `${name} ${when}，超过${l.graceMinutes}分钟后 每${l.unitMinutes}分钟 ${yuan(l.unitFen)} × ${l.units} = ${yuan(l.amountFen)}（充电车位仅供新能源车）`
        : `${name} ${when}, after the ${l.graceMinutes}-min grace: ${l.units} × ${yuan(l.unitFen)} per ${l.unitMinutes} min = ${yuan(l.amountFen)} (EV-charging bays are for new-energy vehicles)`;
    case 'new-energy-discount':
      return zh ? `${name} ${l.percent}%（不足一分不收）：${yuan(l.amountFen)}` : `${name} ${l.percent}% (fractions of a fen waived): ${yuan(l.amountFen)}`;
  }
}

/** The bill as text, one line per fee line (times in the lot's zone) and the total last. */
export function explainBill(result: FeeResult, lang: 'zh' | 'en'): string[] {
  const out = result.lines.map((l) => describeLine(l, lang, result.timeZone));
  out.push(lang === 'zh' ? `合计 ${yuan(result.totalFen)}` : `Total ${yuan(result.totalFen)}`);
  return out;
}
