// The composer's draft: a template, a copy of a version, yuan ⇄ fen, and local time in the lot's
// zone ⇄ an instant. Money stays integer fen; yuan text is parsed without float arithmetic.
import type { TariffBand, TariffDraft, TariffVersion } from '../../../types.ts';

export const DAY_BAND: TariffBand = { name: 'Day', nameZh: '白天', from: '07:00', to: '21:00', pricing: { kind: 'units', firstUnit: { minutes: 60, fen: 300 }, unit: { minutes: 30, fen: 150 } } };
export const NIGHT_BAND: TariffBand = { name: 'Night', nameZh: '夜间', from: '21:00', to: '07:00', pricing: { kind: 'units', unit: { minutes: 60, fen: 100 } }, capFen: 500 };

export function templateDraft(timeZone: string): TariffDraft {
  return { name: 'New tariff', nameZh: '新收费标准', timeZone, graceMinutes: 15, graceDeducted: false, bands: [DAY_BAND, NIGHT_BAND] };
}

/** A version's tariff as a draft (what the server assigns dropped). */
export function draftOf(v: TariffVersion): TariffDraft {
  const { id: _id, lotId: _lot, version: _v, validFrom: _from, ...rest } = v.tariff;
  return structuredClone(rest);
}

/** "2.5" → 250, "3.75" → 375; null when it is not an amount of yuan with at most two decimals. */
export function parseYuan(text: string): number | null {
  const m = /^\s*(\d{1,7})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

export function yuanText(fen: number | undefined): string {
  if (fen === undefined) return '';
  return `${Math.trunc(fen / 100)}${fen % 100 ? `.${String(fen % 100).padStart(2, '0').replace(/0$/, '')}` : ''}`;
}

/** Minutes the zone is ahead of UTC at an instant. */
function offsetMinutes(timeZone: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(ms));
  const p: Record<string, number> = {};
  for (const x of parts) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return (Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute) - Math.floor(ms / 60_000) * 60_000) / 60_000;
}

/** A datetime-local value ("2026-12-01T00:00") read in the lot's zone, as an ISO instant. */
export function zonedToIso(local: string, timeZone: string): string | null {
  const asUtc = Date.parse(`${local}:00Z`);
  if (Number.isNaN(asUtc)) return null;
  const guess = asUtc - offsetMinutes(timeZone, asUtc) * 60_000;
  return new Date(asUtc - offsetMinutes(timeZone, guess) * 60_000).toISOString();
}

/** Tomorrow 00:00 in the lot's zone, as a datetime-local value: the form's first suggestion. */
export function tomorrowLocal(timeZone: string, now = Date.now()): string {
  const local = new Date(now + offsetMinutes(timeZone, now) * 60_000 + 86_400_000);
  return `${local.toISOString().slice(0, 10)}T00:00`;
}
