import { describe, it, expect } from 'vitest';
import { seededRandom } from '../core/random.ts';
import { Value } from '@sinclair/typebox/value';
import {
  computeFee, explainBill, parseTariff, tariffInForce, TariffSchema, TARIFF_DEFAULTS,
  type Band, type FeeLine, type FeeResult, type FreePeriod, type Tariff,
} from './tariff.ts';
import { DEMO_TARIFFS } from '../seed/demo-tariffs.ts';

const [streetV1, street, garage, civic] = DEMO_TARIFFS;
type Plate = 'standard' | 'new-energy';

/** Local Shanghai wall-clock time, 'YYYY-MM-DD HH:MM'. */
const sh = (s: string) => new Date(`${s.replace(' ', 'T')}:00+08:00`);
/** A line as 'kind name part minutes amountFen', for readable expectations. */
const sig = (l: FeeLine) => [l.kind, l.name, l.part, l.minutes, l.amountFen].filter((x) => x !== undefined).join(' ');
const fee = (t: Tariff, plate: Plate, entry: Date | string, exit: Date | string) =>
  computeFee(t, { plateKind: plate }, typeof entry === 'string' ? sh(entry) : entry, typeof exit === 'string' ? sh(exit) : exit);

// 2026-11-23 is a Monday; 2026-11-28 a Saturday; 2026-10-01 National Day (a Thursday).
const streetNoCap: Tariff = { ...street, id: 'street-nocap', dailyCapFen: undefined, bands: street.bands.map((b) => ({ ...b, capFen: undefined })) };
const streetUtc: Tariff = { ...street, id: 'street-utc', timeZone: 'UTC' };
const streetBerlin: Tariff = { ...streetNoCap, id: 'street-berlin', timeZone: 'Europe/Berlin' };
const garage15: Tariff = { ...garage, id: 'garage-15', newEnergy: { discountPercent: 15 } };

interface Example {
  name: string;
  tariff: Tariff;
  plate?: Plate;
  entry: Date | string;
  exit: Date | string;
  totalFen: number;
  lines: string[];
}

const EXAMPLES: Example[] = [
  // Grace: 15分钟内免费, 超过按全程计费.
  { name: 'grace: exactly 15 min is free', tariff: street, entry: '2026-11-23 10:00', exit: '2026-11-23 10:15', totalFen: 0, lines: ['grace Grace period 15 0'] },
  { name: 'grace: 16 min pays the whole stay (grace not deducted)', tariff: street, entry: '2026-11-23 10:00', exit: '2026-11-23 10:16', totalFen: 300, lines: ['band Day first-unit 16 300'] },
  { name: 'grace: seconds are dropped, 15:59 is still 15 min', tariff: street, entry: new Date('2026-11-23T10:00:00+08:00'), exit: new Date('2026-11-23T10:15:59+08:00'), totalFen: 0, lines: ['grace Grace period 15 0'] },
  { name: 'grace deducted (civic): 16 min pays for 1 min', tariff: civic, entry: '2026-11-23 10:00', exit: '2026-11-23 10:16', totalFen: 200, lines: ['grace Grace period 15 0', 'band Day later-units 1 200'] },
  // Units round up.
  { name: 'first hour exactly', tariff: street, entry: '2026-11-23 10:00', exit: '2026-11-23 11:00', totalFen: 300, lines: ['band Day first-unit 60 300'] },
  { name: 'one minute past the first hour starts a 30-min unit', tariff: street, entry: '2026-11-23 10:00', exit: '2026-11-23 11:01', totalFen: 450, lines: ['band Day first-unit 60 300', 'band Day later-units 1 150'] },
  { name: '2.5 h by day: first hour + 3 half hours', tariff: street, entry: '2026-11-23 10:00', exit: '2026-11-23 12:30', totalFen: 750, lines: ['band Day first-unit 60 300', 'band Day later-units 90 450'] },
  // Band crossings in local time.
  { name: 'time zone: 12:30Z is 20:30 in Shanghai, crossing 21:00', tariff: street, entry: new Date('2026-11-23T12:30:00Z'), exit: new Date('2026-11-23T13:30:00Z'), totalFen: 400, lines: ['band Day first-unit 30 300', 'band Night later-units 30 100'] },
  { name: 'time zone: the same instants in a UTC lot are all day', tariff: streetUtc, entry: new Date('2026-11-23T12:30:00Z'), exit: new Date('2026-11-23T13:30:00Z'), totalFen: 300, lines: ['band Day first-unit 60 300'] },
  { name: 'crossing 07:00: night unit, then a new day first hour', tariff: street, entry: '2026-11-23 06:30', exit: '2026-11-23 07:45', totalFen: 400, lines: ['band Night later-units 30 100', 'band Day first-unit 45 300'] },
  { name: 'night band cap: 10 night hours capped at ¥5', tariff: street, entry: '2026-11-23 21:00', exit: '2026-11-24 07:00', totalFen: 500, lines: ['band Night later-units 600 1000', 'band-cap Night 600 -500'] },
  // 24-hour cap, counted from entry.
  {
    name: '48 h: two full windows, each capped at ¥30', tariff: street, entry: '2026-11-23 08:00', exit: '2026-11-25 08:00', totalFen: 6000,
    lines: [
      'band Day first-unit 60 300', 'band Day later-units 720 3600', 'band Night later-units 600 1000', 'band-cap Night 600 -500',
      'band Day first-unit 60 300', 'band Day later-units 780 3900', 'band Night later-units 600 1000', 'band-cap Night 600 -500',
      'band Day first-unit 60 300', 'daily-cap 24-hour cap 1440 -1700', 'daily-cap 24-hour cap 1440 -1700',
    ],
  },
  {
    name: '25 h: a capped window, then one hour (units belong to the window they start in)', tariff: street, entry: '2026-11-23 08:00', exit: '2026-11-24 09:00', totalFen: 3300,
    lines: [
      'band Day first-unit 60 300', 'band Day later-units 720 3600', 'band Night later-units 600 1000', 'band-cap Night 600 -500',
      'band Day first-unit 60 300', 'band Day later-units 60 300', 'daily-cap 24-hour cap 1440 -1700',
    ],
  },
  // Per-visit night.
  { name: 'garage night priced per visit', tariff: garage, entry: '2026-11-23 22:00', exit: '2026-11-24 06:00', totalFen: 200, lines: ['band Night per-visit 480 200'] },
  { name: 'garage evening to morning: day, night per visit, day again', tariff: garage, entry: '2026-11-23 19:00', exit: '2026-11-24 09:00', totalFen: 1200, lines: ['band Day first-unit 60 500', 'band Night per-visit 720 200', 'band Day first-unit 60 500'] },
  // New-energy.
  { name: 'new-energy: first 2 hours free, then the first-hour price', tariff: street, plate: 'new-energy', entry: '2026-11-23 10:00', exit: '2026-11-23 12:30', totalFen: 300, lines: ['new-energy-free New-energy free time 120 0', 'band Day first-unit 30 300'] },
  { name: 'new-energy: within the free 2 hours', tariff: street, plate: 'new-energy', entry: '2026-11-23 10:00', exit: '2026-11-23 11:50', totalFen: 0, lines: ['new-energy-free New-energy free time 110 0'] },
  { name: 'new-energy: 2025 tariff version had no allowance', tariff: streetV1, plate: 'new-energy', entry: '2025-11-24 10:00', exit: '2025-11-24 12:30', totalFen: 750, lines: ['band Day first-unit 60 300', 'band Day later-units 90 450'] },
  { name: 'new-energy: 50% off in the garage', tariff: garage, plate: 'new-energy', entry: '2026-11-23 10:00', exit: '2026-11-23 11:01', totalFen: 325, lines: ['band Day first-unit 60 500', 'band Day later-units 1 150', 'new-energy-discount New-energy discount 61 -325'] },
  { name: 'new-energy: 15% off ¥6.50 is ¥5.525, floored to ¥5.52', tariff: garage15, plate: 'new-energy', entry: '2026-11-23 10:00', exit: '2026-11-23 11:01', totalFen: 552, lines: ['band Day first-unit 60 500', 'band Day later-units 1 150', 'new-energy-discount New-energy discount 61 -98'] },
  // Free periods.
  { name: 'free lunch window is left out, not a new band period', tariff: civic, entry: '2026-11-23 11:00', exit: '2026-11-23 15:00', totalFen: 400, lines: ['grace Grace period 15 0', 'band Day later-units 105 400', 'free-period Lunch 120 0'] },
  { name: 'minutes either side of lunch share one unit', tariff: civic, entry: '2026-11-23 11:30', exit: '2026-11-23 14:10', totalFen: 200, lines: ['grace Grace period 15 0', 'band Day later-units 25 200', 'free-period Lunch 120 0'] },
  { name: 'Saturday is free', tariff: civic, entry: '2026-11-28 10:00', exit: '2026-11-28 18:00', totalFen: 0, lines: ['grace Grace period 15 0', 'free-period Weekend 465 0'] },
  { name: 'Friday evening into Saturday: weekend starts at local midnight', tariff: civic, entry: '2026-11-27 18:00', exit: '2026-11-28 09:00', totalFen: 300, lines: ['grace Grace period 15 0', 'band Day later-units 45 200', 'band Night per-visit 300 100', 'free-period Weekend 540 0'] },
  { name: 'National Day is a free date', tariff: civic, entry: '2026-10-01 09:00', exit: '2026-10-01 17:00', totalFen: 0, lines: ['grace Grace period 15 0', 'free-period National Day holiday 465 0'] },
  // Daylight saving, for lots outside China: bands follow the wall clock, units the real minutes.
  { name: 'DST spring forward (Berlin): the night is 9 real hours', tariff: streetBerlin, entry: new Date('2026-03-28T21:00:00+01:00'), exit: new Date('2026-03-29T08:00:00+02:00'), totalFen: 1200, lines: ['band Night later-units 540 900', 'band Day first-unit 60 300'] },
  { name: 'DST fall back (Berlin): the night is 11 real hours', tariff: streetBerlin, entry: new Date('2026-10-24T21:00:00+02:00'), exit: new Date('2026-10-25T08:00:00+01:00'), totalFen: 1400, lines: ['band Night later-units 660 1100', 'band Day first-unit 60 300'] },
];

describe('computeFee: worked examples', () => {
  it.each(EXAMPLES)('$name', (ex) => {
    const r = fee(ex.tariff, ex.plate ?? 'standard', ex.entry, ex.exit);
    expect(r.lines.map(sig)).toEqual(ex.lines);
    expect(r.totalFen).toBe(ex.totalFen);
    expect(r.lines.reduce((s, l) => s + l.amountFen, 0)).toBe(r.totalFen);
  });

  it('lines carry their instants and prices', () => {
    const r = fee(street, 'standard', new Date('2026-11-23T12:30:00Z'), new Date('2026-11-23T13:30:00Z'));
    expect(r.lines[0]).toMatchObject({ from: '2026-11-23T12:30:00.000Z', to: '2026-11-23T13:00:00.000Z', units: 1, unitMinutes: 60, unitFen: 300 });
    expect(r.lines[1]).toMatchObject({ from: '2026-11-23T13:00:00.000Z', to: '2026-11-23T13:30:00.000Z', units: 1, unitMinutes: 60, unitFen: 100 });
    expect(r).toMatchObject({ tariffId: 'zz-street-v2', tariffVersion: 2, lotId: 'demo-street', timeZone: 'Asia/Shanghai', stayMinutes: 60 });
  });

  it('a stay of zero minutes is free even with no grace', () => {
    const r = fee({ ...street, graceMinutes: 0 }, 'standard', '2026-11-23 10:00', '2026-11-23 10:00');
    expect(r.totalFen).toBe(0);
  });

  it('refuses an exit before the entry, saying what to check', () => {
    expect(() => fee(street, 'standard', '2026-11-23 10:00', '2026-11-23 09:00')).toThrow(/before entry.*check the camera clocks/);
  });
});

describe('explainBill', () => {
  it('renders the bill in English and Chinese, times in the lot zone', () => {
    const r = fee(street, 'standard', '2026-11-23 20:30', '2026-11-23 21:30');
    expect(explainBill(r, 'en')).toEqual([
      'Day 11-23 20:30–21:00, 30 min: first 60 min ¥3.00',
      'Night 11-23 21:00–21:30, 30 min: 1 × ¥1.00 per 60 min = ¥1.00',
      'Total ¥4.00',
    ]);
    expect(explainBill(r, 'zh')).toEqual([
      '白天 11-23 20:30–21:00，30分钟：首60分钟 ¥3.00',
      '夜间 11-23 21:00–21:30，30分钟：每60分钟 ¥1.00 × 1 = ¥1.00',
      '合计 ¥4.00',
    ]);
  });

  it('explains caps and discounts as negative adjustments', () => {
    const capped = explainBill(fee(street, 'standard', '2026-11-23 08:00', '2026-11-24 08:00'), 'zh');
    expect(capped).toContain('夜间 11-23 21:00–11-24 07:00 封顶 ¥5.00：−¥5.00');
    expect(capped).toContain('24小时封顶 ¥30.00（11-23 08:00–11-24 08:00，原计 ¥47.00）：−¥17.00');
    expect(capped.at(-1)).toBe('合计 ¥30.00');
    const green = explainBill(fee(garage15, 'new-energy', '2026-11-23 10:00', '2026-11-23 11:01'), 'en');
    expect(green).toContain('New-energy discount 15% (fractions of a fen waived): −¥0.98');
    expect(green.at(-1)).toBe('Total ¥5.52');
  });

  it('every line carries an English description', () => {
    const r = fee(civic, 'standard', '2026-11-27 18:00', '2026-11-28 09:00');
    expect(r.lines.map((l) => l.description)).toEqual(explainBill(r, 'en').slice(0, -1));
  });
});

describe('tariffInForce', () => {
  const versions = DEMO_TARIFFS.filter((t) => t.lotId === 'demo-street');
  it('picks the version valid at entry, so old stays keep their tariff', () => {
    expect(tariffInForce(versions, sh('2025-12-31 23:59')).id).toBe('zz-street-v1');
    expect(tariffInForce(versions, sh('2026-01-01 00:00')).id).toBe('zz-street-v2');
    expect(tariffInForce([...versions].reverse(), sh('2027-06-01 12:00')).id).toBe('zz-street-v2');
  });
  it('says what to do when no version was in force', () => {
    expect(() => tariffInForce(versions, sh('2024-06-01 12:00'))).toThrow(/demo-street.*earlier validFrom/);
  });
  it('refuses versions of different lots', () => {
    expect(() => tariffInForce(DEMO_TARIFFS, sh('2026-06-01 12:00'))).toThrow(/pass the versions of one lot/);
  });
});

describe('TariffSchema and parseTariff', () => {
  it('accepts the demo tariffs', () => {
    for (const t of DEMO_TARIFFS) {
      expect(Value.Check(TariffSchema, t)).toBe(true);
      expect(parseTariff(JSON.parse(JSON.stringify(t)))).toEqual(t);
    }
  });
  it('fills defaults: Asia/Shanghai, 15 min grace, not deducted', () => {
    const { timeZone, graceMinutes, graceDeducted, ...bare } = street;
    const t = parseTariff(bare);
    expect({ timeZone: t.timeZone, graceMinutes: t.graceMinutes, graceDeducted: t.graceDeducted }).toEqual(TARIFF_DEFAULTS);
  });
  it('rejects what a schema cannot say, naming the fix', () => {
    const gap = { ...street, bands: [{ ...street.bands[0], to: '20:00' }, street.bands[1]] };
    expect(() => parseTariff(gap)).toThrow(/ends at 20:00.*tile the day/);
    expect(() => parseTariff({ ...street, timeZone: 'Asia/Zhengzhou' })).toThrow(/IANA time zone.*Asia\/Shanghai/);
    expect(() => parseTariff({ ...street, dailyCapFen: 12.5 })).toThrow(/dailyCapFen/);
    expect(() => parseTariff({ ...street, bands: [{ ...street.bands[0], from: '7:00' }] })).toThrow(/bands\/0\/from/);
    expect(() => parseTariff({ ...civic, freePeriods: [{ kind: 'dates', name: 'x', dates: ['2026-02-30'] }] })).toThrow(/no such date 2026-02-30/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over seeded random tariffs and stays (no fast-check: a small PRNG, fixed seeds).

const mulberry32 = seededRandom;
type Rng = ReturnType<typeof mulberry32>;
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

// Fixed-offset zones (minutes east of UTC) for the split property, which computes band
// boundaries on its own; the others exercise DST (Lord Howe shifts by 30 minutes).
const FIXED_ZONES: Record<string, number> = { 'Asia/Shanghai': 480, UTC: 0, 'Asia/Kolkata': 330 };
const ZONES = [...Object.keys(FIXED_ZONES), 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'];

function randomTariff(r: Rng, i: number, zones: readonly string[] = ZONES): Tariff {
  const n = int(r, 1, 3);
  const starts = new Set<number>();
  while (starts.size < n) starts.add(r() < 0.5 ? int(r, 0, 47) * 30 : int(r, 0, 1439));
  const sorted = [...starts].sort((a, b) => a - b);
  const bands: Band[] = sorted.map((from, k) => ({
    name: `B${k}`,
    from: hm(from),
    to: hm(sorted[(k + 1) % n]),
    pricing: r() < 0.25
      ? { kind: 'per-visit', fen: int(r, 0, 1000) }
      : { kind: 'units', ...(r() < 0.6 ? { firstUnit: { minutes: int(r, 1, 180), fen: int(r, 0, 1000) } } : {}), unit: { minutes: int(r, 1, 120), fen: int(r, 0, 500) } },
    ...(r() < 0.3 ? { capFen: int(r, 0, 2000) } : {}),
  }));
  const freePeriods: FreePeriod[] = [];
  if (r() < 0.3) freePeriods.push({ kind: 'weekdays', name: 'W', days: [int(r, 0, 6)] });
  if (r() < 0.3) freePeriods.push({ kind: 'dates', name: 'D', dates: [`2026-${String(int(r, 1, 12)).padStart(2, '0')}-${String(int(r, 1, 28)).padStart(2, '0')}`] });
  if (r() < 0.3) {
    const from = int(r, 0, 1439);
    freePeriods.push({ kind: 'daily', name: 'L', from: hm(from), to: hm((from + int(r, 1, 600)) % 1440) });
  }
  return parseTariff({
    id: `random-${i}`, lotId: 'random', version: 1, validFrom: '2020-01-01T00:00:00Z', name: 'random',
    timeZone: pick(r, zones),
    graceMinutes: int(r, 0, 30),
    graceDeducted: r() < 0.5,
    bands,
    ...(r() < 0.6 ? { dailyCapFen: int(r, 0, 6000) } : {}),
    ...(r() < 0.5 ? { newEnergy: { ...(r() < 0.5 ? { freeMinutes: int(r, 0, 240) } : {}), ...(r() < 0.5 ? { discountPercent: int(r, 0, 100) } : {}) } } : {}),
    ...(freePeriods.length ? { freePeriods } : {}),
  });
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();
function wallMinute(timeZone: string, ms: number): number {
  let f = wallFormats.get(timeZone);
  if (!f) wallFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  const [h, m] = f.format(new Date(ms)).split(':').map(Number);
  return (h % 24) * 60 + m;
}
function inBand(b: Band, m: number): boolean {
  const from = Number(b.from.slice(0, 2)) * 60 + Number(b.from.slice(3));
  const to = Number(b.to.slice(0, 2)) * 60 + Number(b.to.slice(3));
  return from === to || (from < to ? m >= from && m < to : m >= from || m < to);
}

const YEAR_2026 = Date.parse('2026-01-01T00:00:00Z');
function randomStay(r: Rng): { entry: Date; minutes: number } {
  const entry = new Date(YEAR_2026 + int(r, 0, 364 * 1440) * 60_000 + int(r, 0, 59_999));
  const kind = r();
  const minutes = kind < 0.3 ? int(r, 0, 60) : kind < 0.7 ? int(r, 0, 1440) : int(r, 0, 5 * 1440);
  return { entry, minutes };
}
const plus = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000);

/** Band periods as groups of lines: [first-unit][later-units] | [per-visit], then any band-cap. */
function bandPeriods(t: Tariff, lines: FeeLine[]): FeeLine[][] {
  const periods: FeeLine[][] = [];
  for (const l of lines) {
    if (l.kind === 'band-cap') periods[periods.length - 1].push(l);
    if (l.kind !== 'band') continue;
    const band = t.bands.find((b) => b.name === l.name)!;
    const starts = l.part !== 'later-units' || band.pricing.kind !== 'units' || !band.pricing.firstUnit;
    if (starts) periods.push([l]);
    else periods[periods.length - 1].push(l);
  }
  return periods;
}

const CASES = 2500;

describe('computeFee: properties over seeded random stays and tariffs', () => {
  it(`amounts are integers, lines sum to the total, every minute is accounted for once (${CASES} cases)`, () => {
    const r = mulberry32(20261123);
    for (let i = 0; i < CASES; i++) {
      const t = randomTariff(r, i);
      const { entry, minutes } = randomStay(r);
      const plate: Plate = r() < 0.5 ? 'standard' : 'new-energy';
      const res = computeFee(t, { plateKind: plate }, entry, plus(entry, minutes));
      const ctx = `case ${i}: ${JSON.stringify(t)} ${plate} ${entry.toISOString()} +${minutes}min`;
      expect(Number.isInteger(res.totalFen), ctx).toBe(true);
      expect(res.totalFen, ctx).toBeGreaterThanOrEqual(0);
      for (const l of res.lines) {
        expect(Number.isInteger(l.amountFen) && Number.isInteger(l.minutes) && Number.isInteger(l.units), ctx).toBe(true);
        if (l.kind === 'band') expect(l.amountFen, ctx).toBe(l.units * l.unitFen);
      }
      expect(res.lines.reduce((s, l) => s + l.amountFen, 0), ctx).toBe(res.totalFen);
      // Each band line lies inside its band on the lot's wall clock (checked with our own Intl).
      for (const l of res.lines.filter((x) => x.kind === 'band')) {
        const band = t.bands.find((b) => b.name === l.name)!;
        for (const at of [Date.parse(l.from), Date.parse(l.to) - 60_000]) {
          expect(inBand(band, wallMinute(t.timeZone!, at)), `${ctx} line ${sig(l)} ${l.from}–${l.to}`).toBe(true);
        }
      }
      const timed = res.lines.filter((l) => ['band', 'grace', 'new-energy-free', 'free-period'].includes(l.kind));
      expect(timed.reduce((s, l) => s + l.minutes, 0), ctx).toBe(res.stayMinutes);
    }
  });

  it(`the fee never decreases as the stay grows (${CASES} stays × 6 exits)`, () => {
    const r = mulberry32(7);
    for (let i = 0; i < CASES; i++) {
      const t = randomTariff(r, i);
      const { entry, minutes } = randomStay(r);
      const plate: Plate = r() < 0.5 ? 'standard' : 'new-energy';
      const exits = [0, ...Array.from({ length: 5 }, () => int(r, 0, minutes))].sort((a, b) => a - b);
      let prev = -1;
      for (const m of exits) {
        const total = computeFee(t, { plateKind: plate }, entry, plus(entry, m)).totalFen;
        expect(total, `case ${i}: ${JSON.stringify(t)} ${plate} ${entry.toISOString()} +${m}min`).toBeGreaterThanOrEqual(prev);
        prev = total;
      }
    }
  });

  it(`the fee never exceeds the caps (${CASES} cases)`, () => {
    const r = mulberry32(30);
    for (let i = 0; i < CASES; i++) {
      const t = randomTariff(r, i);
      const { entry, minutes } = randomStay(r);
      const plate: Plate = r() < 0.5 ? 'standard' : 'new-energy';
      const res = computeFee(t, { plateKind: plate }, entry, plus(entry, minutes));
      const ctx = `case ${i}: ${JSON.stringify(t)} ${plate} ${entry.toISOString()} +${minutes}min`;
      // tariff rule: per 24 h from entry — at most cap × started 24-hour windows.
      if (t.dailyCapFen !== undefined) expect(res.totalFen, ctx).toBeLessThanOrEqual(t.dailyCapFen * Math.ceil(res.stayMinutes / 1440));
      for (const period of bandPeriods(t, res.lines)) {
        const band = t.bands.find((b) => b.name === period[0].name)!;
        const raw = period.filter((l) => l.kind === 'band').reduce((s, l) => s + l.amountFen, 0);
        const net = period.reduce((s, l) => s + l.amountFen, 0);
        if (band.capFen !== undefined) {
          expect(net, ctx).toBe(Math.min(raw, band.capFen));
        } else expect(net, ctx).toBe(raw);
      }
    }
  });

  it(`splitting a stay at band boundaries changes nothing (${CASES} cases)`, () => {
    const r = mulberry32(2100);
    let splits = 0;
    for (let i = 0; i < CASES; i++) {
      // Grace and the 24-hour cap depend on the whole stay, and the new-energy allowance on its
      // entry: take them out so each band period's price is all that is left to compare.
      const t: Tariff = { ...randomTariff(r, i, Object.keys(FIXED_ZONES)), graceMinutes: 0, dailyCapFen: undefined };
      if (t.bands.length === 1) continue;
      const { entry, minutes } = randomStay(r);
      const start = Math.floor(entry.getTime() / 60_000);
      const end = start + minutes;
      const offset = FIXED_ZONES[t.timeZone!];
      const cuts: number[] = [];
      for (let day = Math.floor((start + offset) / 1440); day <= Math.floor((end + offset) / 1440); day++) {
        for (const b of t.bands) {
          const at = day * 1440 + Number(b.from.slice(0, 2)) * 60 + Number(b.from.slice(3)) - offset;
          if (at > start && at < end) cuts.push(at);
        }
      }
      if (!cuts.length) continue;
      splits += cuts.length;
      const points = [start, ...cuts.sort((a, b) => a - b), end].map((m) => new Date(m * 60_000));
      const whole = computeFee(t, { plateKind: 'standard' }, points[0], points[points.length - 1]);
      const parts: FeeResult[] = [];
      for (let k = 0; k + 1 < points.length; k++) parts.push(computeFee(t, { plateKind: 'standard' }, points[k], points[k + 1]));
      const priced = (res: FeeResult) => res.lines.filter((l) => l.kind === 'band' || l.kind === 'band-cap');
      const ctx = `case ${i}: ${JSON.stringify(t)} ${points.map((p) => p.toISOString()).join(' ')}`;
      // Each band's lines in the whole stay are exactly those of its segment priced alone…
      expect(priced(whole), ctx).toEqual(parts.flatMap(priced));
      // …so the per-band amounts add up to the same total.
      expect(whole.totalFen, ctx).toBe(parts.reduce((s, p) => s + p.totalFen, 0));
    }
    expect(splits).toBeGreaterThan(CASES / 2); // the property was exercised, not skipped
  });
});
