// A tariff in words, for the lot's public page and the composer: one sentence per rule, in
// English or Chinese, from the same fields the engine prices with (billing/tariff/fee.ts).
import { TARIFF_DEFAULTS, type Band, type Tariff } from './schema.ts';

const yuan = (fen: number) => `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
const WEEKDAYS = { en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'], zh: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'] };

function per(fen: number, minutes: number, zh: boolean): string {
  return zh ? `每${minutes}分钟 ${yuan(fen)}` : `${yuan(fen)} per ${minutes} min`;
}

function band(b: Band, zh: boolean): string {
  const name = zh ? (b.nameZh ?? b.name) : b.name;
  const when = b.from === b.to ? (zh ? '全天' : 'all day') : `${b.from}–${b.to}`;
  const p = b.pricing;
  const parts: string[] = [];
  if (p.kind === 'per-visit') parts.push(zh ? `按次 ${yuan(p.fen)}` : `${yuan(p.fen)} per visit`);
  else {
    if (p.firstUnit) parts.push(zh ? `首${p.firstUnit.minutes}分钟 ${yuan(p.firstUnit.fen)}` : `first ${p.firstUnit.minutes} min ${yuan(p.firstUnit.fen)}`);
    parts.push(p.firstUnit ? (zh ? `之后${per(p.unit.fen, p.unit.minutes, zh)}` : `then ${per(p.unit.fen, p.unit.minutes, zh)}`) : per(p.unit.fen, p.unit.minutes, zh));
    for (const t of p.tiers ?? []) parts.push(zh ? `超过${t.afterMinutes}分钟后${per(t.unit.fen, t.unit.minutes, zh)}` : `after ${t.afterMinutes} min ${per(t.unit.fen, t.unit.minutes, zh)}`);
  }
  if (b.capFen !== undefined) parts.push(zh ? `每段封顶 ${yuan(b.capFen)}` : `capped at ${yuan(b.capFen)} a ${b.name.toLowerCase()}`);
  return zh ? `${name} ${when}：${parts.join('，')}` : `${name} ${when}: ${parts.join(', ')}`;
}

/** The tariff's rules as sentences, in the order a driver meets them. */
export function describeTariff(t: Tariff, lang: 'zh' | 'en'): string[] {
  const zh = lang === 'zh';
  const out: string[] = [];
  const grace = t.graceMinutes ?? TARIFF_DEFAULTS.graceMinutes;
  if (grace > 0) {
    out.push(zh
      ? `${grace}分钟内免费${t.graceDeducted ? '，超过后免费时长不计费' : '，超过按全程计费'}`
      : `Free for stays up to ${grace} min${t.graceDeducted ? '; longer stays are not charged for those minutes' : '; longer stays pay for the whole stay'}`);
  }
  for (const b of t.bands) out.push(band(b, zh));
  if (t.dailyCapFen !== undefined) out.push(zh ? `24小时封顶 ${yuan(t.dailyCapFen)}` : `At most ${yuan(t.dailyCapFen)} per 24 hours from entry`);
  const ne = t.newEnergy;
  if (ne?.freeMinutes) out.push(zh ? `新能源车首${ne.freeMinutes}分钟免费` : `New-energy vehicles: first ${ne.freeMinutes} min free`);
  if (ne?.discountPercent) out.push(zh ? `新能源车优惠${ne.discountPercent}%` : `New-energy vehicles: ${ne.discountPercent}% off`);
  const ev = t.evBayMisuse;
  if (ev) {
    out.push(zh
      ? `充电车位仅供新能源车：其他车辆停放超过${ev.graceMinutes}分钟后，${per(ev.unit.fen, ev.unit.minutes, zh)}占用费（不封顶）`
      : `EV-charging bays are for new-energy vehicles: others pay ${per(ev.unit.fen, ev.unit.minutes, zh)} after ${ev.graceMinutes} min (not capped)`);
  }
  for (const f of t.freePeriods ?? []) {
    const name = zh ? (f.nameZh ?? f.name) : f.name;
    const when = f.kind === 'weekdays' ? f.days.map((d) => WEEKDAYS[lang][d]).join(zh ? '、' : ', ')
      : f.kind === 'dates' ? `${f.dates[0]}${f.dates.length > 1 ? ` … ${f.dates[f.dates.length - 1]}` : ''}`
        : `${f.from}–${f.to}`;
    out.push(zh ? `免费：${name}（${when}）` : `Free: ${name} (${when})`);
  }
  out.push(zh ? `一个计费单位不足按一个单位计；时间按${t.timeZone ?? TARIFF_DEFAULTS.timeZone}当地时间` : `A started unit is charged in full; times are local (${t.timeZone ?? TARIFF_DEFAULTS.timeZone})`);
  return out;
}
