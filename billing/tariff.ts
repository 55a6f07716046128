// The tariff engine: what a stay at a lot costs, and why, line by line. Pure: no I/O, no clock;
// the caller passes the tariff version, the plate kind and the two camera times.
//
// The rules are the ones Chinese municipal and garage tariffs are written in (e.g. 郑州 street
// parking): a grace period (15分钟内免费), a first billing unit and later units with their own
// prices, day and night bands with their own rules or a flat per-visit night price, caps per band
// and per 24 hours, new-energy (green plate) concessions, and free periods.
//
// Semantics chosen, each cited at the code that implements it:
// - Times are read to the minute like a ticket stamp: seconds are dropped from entry and exit.
// - A stay no longer than the grace is free. Past the grace the whole stay is charged
//   ("超过按全程计费") unless the tariff sets graceDeducted, which makes the grace minutes free.
// - The stay is cut where the local wall clock crosses a band boundary; each run of time in one
//   band (a *band period*, e.g. one night) is priced on its own (分段计费), units rounded up.
//   Free time inside a band period (a lunch window, a holiday, a new-energy free allowance) is
//   left out of its chargeable minutes but does not start a new band period.
// - A band cap limits one band period; the 24-hour cap limits each 24 hours counted from entry.
//   Each unit's price belongs to the 24-hour window in which the unit starts.
// - The new-energy percentage discount applies last, to the capped amount, and the charge is
//   floored (the driver keeps the fraction of a fen).
// - Money is integer fen everywhere; totalFen is the sum of the lines.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { OneLotError } from '../core/errors.ts';
import type { PlateKind } from '../core/plates.ts';

// ---------------------------------------------------------------------------------------------
// Schema: a tariff version as stored (jsonb) and accepted by the API.

const WallClock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local wall-clock time, HH:MM (24 h)' });
const LocalDate = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$', description: 'local calendar date, YYYY-MM-DD' });
// A pattern, not format: 'date-time', so both Ajv and TypeBox's Value accept it without format plugins.
const IsoDateTime = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$',
  description: 'ISO 8601 date-time with an offset, e.g. 2026-01-01T00:00:00+08:00',
});
const Fen = Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'money in fen (CNY cents)' });
const Minutes = Type.Integer({ minimum: 1, maximum: 1440 });

export const UnitPricingSchema = Type.Object({
  kind: Type.Literal('units'),
  /** Price of the first unit of each band period (首小时), if it differs from the later units. */
  firstUnit: Type.Optional(Type.Object({ minutes: Minutes, fen: Fen }, { additionalProperties: false })),
  /** Every further unit; a started unit is charged in full. */
  unit: Type.Object({ minutes: Minutes, fen: Fen }, { additionalProperties: false }),
}, { additionalProperties: false });

export const PerVisitPricingSchema = Type.Object({
  kind: Type.Literal('per-visit'),
  /** One price for the whole band period, however long (e.g. 夜间按次 ¥2). */
  fen: Fen,
}, { additionalProperties: false });

export const BandSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 40, description: 'e.g. Day' }),
  nameZh: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'e.g. 白天' })),
  /** Start and end in local time; a band may wrap midnight (21:00–07:00). from = to is the whole day. */
  from: WallClock,
  to: WallClock,
  pricing: Type.Union([UnitPricingSchema, PerVisitPricingSchema]),
  /** Most one band period can cost (e.g. 夜间封顶 ¥5). */
  capFen: Type.Optional(Fen),
}, { additionalProperties: false });

const FreeName = {
  name: Type.String({ minLength: 1, maxLength: 40 }),
  nameZh: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
};
export const FreePeriodSchema = Type.Union([
  Type.Object({ kind: Type.Literal('weekdays'), ...FreeName, days: Type.Array(Type.Integer({ minimum: 0, maximum: 6, description: '0 = Sunday' }), { minItems: 1, maxItems: 7, uniqueItems: true }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('dates'), ...FreeName, dates: Type.Array(LocalDate, { minItems: 1, maxItems: 366 }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('daily'), ...FreeName, from: WallClock, to: WallClock }, { additionalProperties: false }),
]);

export const NewEnergySchema = Type.Object({
  /** Free minutes from entry for green plates (新能源首2小时免费 = 120). */
  freeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080 })),
  /** Percentage off the capped charge for green plates. */
  discountPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
}, { additionalProperties: false });

export const TariffSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 80 }),
  lotId: Type.String({ minLength: 1, maxLength: 80 }),
  version: Type.Integer({ minimum: 1 }),
  /** In force for stays that enter at or after this instant, until the next version's validFrom. */
  validFrom: IsoDateTime,
  name: Type.String({ minLength: 1, maxLength: 80 }),
  nameZh: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  /** IANA zone in which bands, free periods and dates are read. Default Asia/Shanghai. */
  timeZone: Type.Optional(Type.String({ minLength: 1, default: 'Asia/Shanghai' })),
  /** A stay this long or shorter is free. Default 15. */
  graceMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440, default: 15 })),
  /** false (default): past the grace the whole stay is charged; true: the grace minutes stay free. */
  graceDeducted: Type.Optional(Type.Boolean({ default: false })),
  /** Must tile the 24-hour day: each band ends where the next begins. */
  bands: Type.Array(BandSchema, { minItems: 1, maxItems: 24 }),
  /** Most any 24 hours counted from entry can cost. */
  dailyCapFen: Type.Optional(Fen),
  newEnergy: Type.Optional(NewEnergySchema),
  freePeriods: Type.Optional(Type.Array(FreePeriodSchema, { maxItems: 50 })),
}, { $id: 'Tariff', additionalProperties: false });

export type Tariff = Static<typeof TariffSchema>;
export type Band = Static<typeof BandSchema>;
export type FreePeriod = Static<typeof FreePeriodSchema>;

export const TARIFF_DEFAULTS = { timeZone: 'Asia/Shanghai', graceMinutes: 15, graceDeducted: false } as const;

// ---------------------------------------------------------------------------------------------
// Result

export type FeeLineKind =
  | 'grace' // the grace period (the whole stay when it was short enough, or the deducted minutes)
  | 'new-energy-free' // free minutes for green plates
  | 'free-period' // a weekday, date or daily window that costs nothing
  | 'band' // time charged in a band
  | 'band-cap' // a band period's cap (negative)
  | 'daily-cap' // a 24-hour window's cap (negative)
  | 'new-energy-discount'; // green-plate percentage (negative)

export interface FeeLine {
  kind: FeeLineKind;
  /** Band, free period or rule the line is about, in English and Chinese. */
  name: string;
  nameZh: string;
  /** For band lines: which price applied. */
  part?: 'first-unit' | 'later-units' | 'per-visit';
  /** UTC ISO instants the line covers. */
  from: string;
  to: string;
  /** Minutes the line is about (charged minutes for band lines; free minutes for free lines). */
  minutes: number;
  units: number;
  unitMinutes: number;
  unitFen: number;
  /** Integer fen; negative for adjustments. */
  amountFen: number;
  /** The cap that applied (band-cap, daily-cap). */
  capFen?: number;
  /** The discount that applied (new-energy-discount). */
  percent?: number;
  /** The tariff's grace (grace). */
  graceMinutes?: number;
  /** The line in English; explainBill renders it in either language. */
  description: string;
}

export interface FeeResult {
  /** What the driver pays, in fen; always the sum of lines[].amountFen. */
  totalFen: number;
  lines: FeeLine[];
  tariffId: string;
  tariffVersion: number;
  lotId: string;
  timeZone: string;
  plateKind: PlateKind;
  /** Entry and exit as billed (to the minute), UTC ISO. */
  entry: string;
  exit: string;
  stayMinutes: number;
}

// ---------------------------------------------------------------------------------------------
// Tariff versions and validation

/**
 * The version of one lot's tariff in force at `at` (the entry time): the latest validFrom not
 * after it, so a tariff change never reprices stays that began before it.
 */
export function tariffInForce(versions: readonly Tariff[], at: Date): Tariff {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new OneLotError('ONELOT_ERR_VALIDATION', 'the entry time is not a valid date; pass the camera time as a Date');
  let best: Tariff | undefined;
  let bestFrom = -Infinity;
  for (const v of versions) {
    if (v.lotId !== versions[0].lotId) {
      throw new OneLotError('ONELOT_ERR_VALIDATION', `tariff versions of lots ${versions[0].lotId} and ${v.lotId} were mixed; pass the versions of one lot`);
    }
    const from = Date.parse(v.validFrom);
    if (from > t) continue;
    if (from > bestFrom || (from === bestFrom && best && v.version > best.version)) {
      best = v;
      bestFrom = from;
    }
  }
  if (!best) {
    const lot = versions[0]?.lotId ?? '(no versions given)';
    throw new OneLotError('ONELOT_ERR_NOT_FOUND', `A tariff for lot ${lot} in force at ${at.toISOString()} (add a version with an earlier validFrom)`);
  }
  return best;
}

/**
 * Check an untrusted tariff (API body, jsonb row): schema, then the rules a schema cannot say.
 * Returns it with defaults filled in; throws ONELOT_ERR_VALIDATION naming the field to fix.
 */
export function parseTariff(input: unknown): Tariff {
  const withDefaults = Value.Default(TariffSchema, Value.Clone(input));
  const first = Value.Errors(TariffSchema, withDefaults).First();
  if (first) throw new OneLotError('ONELOT_ERR_VALIDATION', `tariff${first.path || ''}: ${first.message}`);
  const tariff = withDefaults as Tariff;
  compile(tariff);
  return tariff;
}

// ---------------------------------------------------------------------------------------------
// Local wall-clock time, from Intl only (no libraries, any IANA zone, DST included).

const MINUTE_MS = 60_000;
const DAY_MIN = 1440;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

// Offsets are looked up many times over a bill and formatToParts costs microseconds: cached per
// zone and epoch-minute (numeric keys: building a string key per lookup was a tenth of a bill).
const offsetCache = new Map<string, Map<number, number>>();
const OFFSET_CACHE_MAX = 200_000;

/** Local minus UTC, in minutes, at epoch-minute t. */
function offsetAt(timeZone: string, t: number): number {
  let zone = offsetCache.get(timeZone);
  if (!zone) offsetCache.set(timeZone, (zone = new Map()));
  const hit = zone.get(t);
  if (hit !== undefined) return hit;
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(t * MINUTE_MS))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const local = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute) / MINUTE_MS;
  const offset = local - t;
  if (zone.size >= OFFSET_CACHE_MAX) zone.clear();
  zone.set(t, offset);
  return offset;
}

interface Local {
  offset: number;
  minuteOfDay: number;
  /** Local days since 1970-01-01 (dateOf gives YYYY-MM-DD). */
  day: number;
  weekday: number; // 0 = Sunday
}

function localAt(timeZone: string, t: number): Local {
  const offset = offsetAt(timeZone, t);
  const local = t + offset;
  const day = Math.floor(local / DAY_MIN);
  return {
    offset,
    minuteOfDay: local - day * DAY_MIN,
    day,
    weekday: (((day + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
  };
}

/** YYYY-MM-DD of a local day number (localAt().day); only free dates and explanations need it. */
const dateOf = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

/** First epoch-minute in (lo, hi] whose offset differs from lo's (one transition at most per day). */
function offsetChange(timeZone: string, lo: number, hi: number): number {
  const o = offsetAt(timeZone, lo);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(timeZone, mid) === o) lo = mid;
    else hi = mid;
  }
  return hi;
}

// ---------------------------------------------------------------------------------------------
// Compiled tariff: the checks a schema cannot express, done once per tariff object.

interface Compiled {
  timeZone: string;
  graceMinutes: number;
  graceDeducted: boolean;
  bands: { band: Band; from: number; to: number; nameZh: string }[];
  /** Wall-clock minutes at which the band or the free state may change. */
  wallBoundaries: number[];
  free: { period: FreePeriod; nameZh: string; days?: Set<number>; dates?: Set<string>; from?: number; to?: number }[];
}

const compiledCache = new WeakMap<Tariff, Compiled>();
const hhmm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
const inWindow = (from: number, to: number, m: number) => (from === to ? true : from < to ? m >= from && m < to : m >= from || m < to);

function invalid(detail: string): never {
  throw new OneLotError('ONELOT_ERR_VALIDATION', detail);
}

function compile(tariff: Tariff): Compiled {
  const cached = compiledCache.get(tariff);
  if (cached) return cached;
  const timeZone = tariff.timeZone ?? TARIFF_DEFAULTS.timeZone;
  try {
    formatter(timeZone);
  } catch {
    invalid(`tariff ${tariff.id}: timeZone "${timeZone}" is not an IANA time zone; use a name such as Asia/Shanghai`);
  }
  if (Number.isNaN(Date.parse(tariff.validFrom))) invalid(`tariff ${tariff.id}: validFrom "${tariff.validFrom}" is not a date-time; use e.g. 2026-01-01T00:00:00+08:00`);

  // Bands must tile the day exactly once, or some minute would have no price (or two).
  const bands = tariff.bands.map((band) => ({ band, from: hhmm(band.from), to: hhmm(band.to), nameZh: band.nameZh ?? band.name }));
  const names = new Set(bands.map((b) => b.band.name));
  if (names.size !== bands.length) invalid(`tariff ${tariff.id}: band names must differ; rename the duplicate band`);
  const sorted = [...bands].sort((a, b) => a.from - b.from);
  if (sorted.length === 1) {
    if (sorted[0].from !== sorted[0].to) invalid(`tariff ${tariff.id}: a single band must cover the whole day; set its to equal to its from (e.g. 00:00–00:00)`);
  } else {
    for (let i = 0; i < sorted.length; i++) {
      const cur = sorted[i];
      const next = sorted[(i + 1) % sorted.length];
      if (cur.from === next.from) invalid(`tariff ${tariff.id}: bands ${cur.band.name} and ${next.band.name} both start at ${cur.band.from}; give each band its own start`);
      if (cur.to !== next.from) invalid(`tariff ${tariff.id}: band ${cur.band.name} ends at ${cur.band.to} but the next band, ${next.band.name}, starts at ${next.band.from}; bands must tile the day with no gap or overlap`);
    }
  }

  const free = (tariff.freePeriods ?? []).map((period) => {
    const nameZh = period.nameZh ?? period.name;
    if (period.kind === 'weekdays') return { period, nameZh, days: new Set(period.days) };
    if (period.kind === 'dates') {
      for (const d of period.dates) {
        if (new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) invalid(`tariff ${tariff.id}: free period ${period.name} has no such date ${d}; fix the calendar date`);
      }
      return { period, nameZh, dates: new Set(period.dates) };
    }
    if (period.from === period.to) invalid(`tariff ${tariff.id}: free window ${period.name} starts and ends at ${period.from}; for a whole free day use a weekdays or dates period`);
    return { period, nameZh, from: hhmm(period.from), to: hhmm(period.to) };
  });

  const boundaries = new Set<number>([0]); // midnight: free weekdays and dates change there
  for (const b of bands) boundaries.add(b.from);
  for (const f of free) {
    if (f.from !== undefined) boundaries.add(f.from);
    if (f.to !== undefined) boundaries.add(f.to);
  }
  const compiled: Compiled = {
    timeZone,
    graceMinutes: tariff.graceMinutes ?? TARIFF_DEFAULTS.graceMinutes,
    graceDeducted: tariff.graceDeducted ?? TARIFF_DEFAULTS.graceDeducted,
    bands,
    wallBoundaries: [...boundaries].sort((a, b) => a - b),
    free,
  };
  compiledCache.set(tariff, compiled);
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// The engine

interface FreeReason {
  kind: 'grace' | 'new-energy-free' | 'free-period';
  name: string;
  nameZh: string;
}
interface Piece {
  from: number; // epoch minutes
  to: number;
  band: number; // index into Compiled.bands
  free: FreeReason | null;
}
interface Charge {
  at: number; // epoch minute the unit starts: decides its 24-hour window
  fen: number;
}

const GRACE: FreeReason = { kind: 'grace', name: 'Grace period', nameZh: '免费时长' };
const NEW_ENERGY_FREE: FreeReason = { kind: 'new-energy-free', name: 'New-energy free time', nameZh: '新能源车免费时长' };
const iso = (t: number) => new Date(t * MINUTE_MS).toISOString();

/**
 * The fee for one stay under one tariff version (pick it with tariffInForce(versions, entry)).
 * Every line explains itself; totalFen is the sum of the lines.
 */
export function computeFee(tariff: Tariff, vehicle: { plateKind: PlateKind }, entry: Date, exit: Date): FeeResult {
  const c = compile(tariff);
  if (Number.isNaN(entry.getTime()) || Number.isNaN(exit.getTime())) invalid('entry and exit must be valid dates; check the camera timestamps');
  // tariff rule: times are read to the minute, as on a ticket stamp.
  const start = Math.floor(entry.getTime() / MINUTE_MS);
  const end = Math.floor(exit.getTime() / MINUTE_MS);
  if (end < start) invalid(`exit ${exit.toISOString()} is before entry ${entry.toISOString()}; check the camera clocks or the session matching`);
  const stay = end - start;
  const greenPlate = vehicle.plateKind === 'new-energy';
  const ne = greenPlate ? tariff.newEnergy : undefined;
  const result = (lines: FeeLine[]): FeeResult => ({
    totalFen: lines.reduce((s, l) => s + l.amountFen, 0),
    lines,
    tariffId: tariff.id,
    tariffVersion: tariff.version,
    lotId: tariff.lotId,
    timeZone: c.timeZone,
    plateKind: vehicle.plateKind,
    entry: iso(start),
    exit: iso(end),
    stayMinutes: stay,
  });
  const describe = (l: Omit<FeeLine, 'description'>): FeeLine => ({ ...l, description: describeLine(l, 'en', c.timeZone) });

  // tariff rule: 15分钟内免费 — a stay within the grace costs nothing.
  if (stay <= c.graceMinutes) {
    return result([describe({ ...freeLine(GRACE, start, end), graceMinutes: c.graceMinutes })]);
  }

  // Instants from entry after which time is charged again.
  const graceEnd = c.graceDeducted ? start + c.graceMinutes : start; // tariff rule: graceDeducted
  const neEnd = start + (ne?.freeMinutes ?? 0); // tariff rule: new-energy first N minutes free

  const pieces = timeline(c, start, end, graceEnd, neEnd);

  // Band periods: runs of pieces in one band (a night that spans midnight is one period).
  const periods: Piece[][] = [];
  for (const p of pieces) {
    const last = periods[periods.length - 1];
    if (last && last[last.length - 1].band === p.band) last.push(p);
    else periods.push([p]);
  }

  // Lines in time order: each band period's lines (and its cap) stay together, and free time
  // sits where it began.
  const groups: { key: number; lines: FeeLine[] }[] = [];
  const charges: Charge[] = [];
  for (const period of periods) {
    const priced = pricePeriod(c, period);
    if (priced.lines.length) groups.push({ key: Date.parse(priced.lines[0].from), lines: priced.lines.map(describe) });
    charges.push(...priced.charges);
  }
  // Free lines: contiguous free pieces with the same reason, across band boundaries (a weekend
  // is one line, not one per band).
  let open: { reason: FreeReason; from: number; to: number } | null = null;
  const flush = () => {
    if (open) {
      const grace = open.reason.kind === 'grace' ? { graceMinutes: c.graceMinutes } : {};
      groups.push({ key: open.from * MINUTE_MS, lines: [describe({ ...freeLine(open.reason, open.from, open.to), ...grace })] });
    }
    open = null;
  };
  for (const p of pieces) {
    if (p.free && open && sameReason(open.reason, p.free) && open.to === p.from) open.to = p.to;
    else {
      flush();
      if (p.free) open = { reason: p.free, from: p.from, to: p.to };
    }
  }
  flush();
  const ordered = groups
    .map((g, i) => ({ ...g, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .flatMap((g) => g.lines);

  // tariff rule: 24小时封顶 — each 24 hours from entry costs at most dailyCapFen.
  if (tariff.dailyCapFen !== undefined) {
    const perWindow = new Map<number, number>();
    for (const ch of charges) {
      const w = Math.floor((ch.at - start) / DAY_MIN);
      perWindow.set(w, (perWindow.get(w) ?? 0) + ch.fen);
    }
    for (const [w, sum] of [...perWindow].sort((a, b) => a[0] - b[0])) {
      if (sum <= tariff.dailyCapFen) continue;
      const from = start + w * DAY_MIN;
      const to = Math.min(from + DAY_MIN, end);
      ordered.push(describe({
        kind: 'daily-cap', name: '24-hour cap', nameZh: '24小时封顶', from: iso(from), to: iso(to), minutes: to - from,
        units: 0, unitMinutes: 0, unitFen: 0, amountFen: tariff.dailyCapFen - sum, capFen: tariff.dailyCapFen,
      }));
    }
  }

  // tariff rule: new-energy discount on the capped charge, floored in the driver's favour.
  const percent = ne?.discountPercent ?? 0;
  const subtotal = ordered.reduce((s, l) => s + l.amountFen, 0);
  if (percent > 0 && subtotal > 0) {
    const charged = Math.floor((subtotal * (100 - percent)) / 100);
    ordered.push(describe({
      kind: 'new-energy-discount', name: 'New-energy discount', nameZh: '新能源车优惠', from: iso(start), to: iso(end), minutes: stay,
      units: 0, unitMinutes: 0, unitFen: 0, amountFen: charged - subtotal, percent,
    }));
  }
  return result(ordered);
}

function freeLine(reason: FreeReason, from: number, to: number): Omit<FeeLine, 'description'> {
  return { kind: reason.kind, name: reason.name, nameZh: reason.nameZh, from: iso(from), to: iso(to), minutes: to - from, units: 0, unitMinutes: 0, unitFen: 0, amountFen: 0 };
}

/** Cut [start, end) where the band or the free state may change, reading the local wall clock. */
function timeline(c: Compiled, start: number, end: number, graceEnd: number, neEnd: number): Piece[] {
  const pieces: Piece[] = [];
  let t = start;
  while (t < end) {
    const loc = localAt(c.timeZone, t);
    const band = c.bands.findIndex((b) => inWindow(b.from, b.to, loc.minuteOfDay));
    let free: FreeReason | null = null;
    if (t < graceEnd) free = GRACE;
    else if (t < neEnd) free = NEW_ENERGY_FREE;
    else {
      for (const f of c.free) {
        const hit = f.days ? f.days.has(loc.weekday) : f.dates ? f.dates.has(dateOf(loc.day)) : inWindow(f.from!, f.to!, loc.minuteOfDay);
        if (hit) {
          free = { kind: 'free-period', name: f.period.name, nameZh: f.nameZh };
          break;
        }
      }
    }
    let delta = DAY_MIN;
    for (const b of c.wallBoundaries) {
      const d = (b - loc.minuteOfDay + DAY_MIN) % DAY_MIN || DAY_MIN;
      if (d < delta) delta = d;
    }
    let next = t + delta;
    // Wall-clock minutes equal elapsed minutes only while the offset holds (DST): stop at a change.
    if (offsetAt(c.timeZone, next) !== loc.offset) next = offsetChange(c.timeZone, t, next);
    if (t < graceEnd) next = Math.min(next, graceEnd);
    if (t < neEnd) next = Math.min(next, neEnd);
    next = Math.min(next, end);
    const last = pieces[pieces.length - 1];
    if (last && last.band === band && sameReason(last.free, free)) last.to = next;
    else pieces.push({ from: t, to: next, band, free });
    t = next;
  }
  return pieces;
}

function sameReason(a: FreeReason | null, b: FreeReason | null): boolean {
  return a === b || (a !== null && b !== null && a.kind === b.kind && a.name === b.name);
}

/** Price one band period on its own (分段计费): its chargeable minutes, units rounded up, its cap. */
function pricePeriod(c: Compiled, period: Piece[]): { lines: Omit<FeeLine, 'description'>[]; charges: Charge[] } {
  const { band, nameZh } = c.bands[period[0].band];
  const paid = period.filter((p) => !p.free);
  const minutes = paid.reduce((s, p) => s + p.to - p.from, 0);
  if (minutes === 0) return { lines: [], charges: [] };
  // The instant at which the o-th chargeable minute starts; free time inside the period is skipped.
  // Asked for in increasing o (one per charged unit): a cursor, not a walk from the start each time.
  let piece = 0;
  let before = 0; // chargeable minutes in paid[0 .. piece)
  const at = (o: number): number => {
    if (o < before) { piece = 0; before = 0; }
    while (piece < paid.length && o >= before + paid[piece].to - paid[piece].from) {
      before += paid[piece].to - paid[piece].from;
      piece++;
    }
    return piece < paid.length ? paid[piece].from + o - before : paid[paid.length - 1].to;
  };
  const base = { kind: 'band' as const, name: band.name, nameZh };
  const lines: Omit<FeeLine, 'description'>[] = [];
  const charges: Charge[] = [];
  const pricing = band.pricing;
  if (pricing.kind === 'per-visit') {
    // tariff rule: 按次收费 — one price for the band period, however long.
    lines.push({ ...base, part: 'per-visit', from: iso(at(0)), to: iso(at(minutes)), minutes, units: 1, unitMinutes: 0, unitFen: pricing.fen, amountFen: pricing.fen });
    charges.push({ at: at(0), fen: pricing.fen });
  } else {
    let done = 0;
    if (pricing.firstUnit) {
      // tariff rule: 首个计费单位 (e.g. first hour ¥3), charged in full once started.
      const m = Math.min(minutes, pricing.firstUnit.minutes);
      lines.push({ ...base, part: 'first-unit', from: iso(at(0)), to: iso(at(m)), minutes: m, units: 1, unitMinutes: pricing.firstUnit.minutes, unitFen: pricing.firstUnit.fen, amountFen: pricing.firstUnit.fen });
      charges.push({ at: at(0), fen: pricing.firstUnit.fen });
      done = m;
    }
    const rest = minutes - done;
    if (rest > 0) {
      // tariff rule: 不足一个计费单位按一个计费单位计 — a started unit is charged in full.
      const { minutes: um, fen } = pricing.unit;
      const units = Math.ceil(rest / um);
      lines.push({ ...base, part: 'later-units', from: iso(at(done)), to: iso(at(minutes)), minutes: rest, units, unitMinutes: um, unitFen: fen, amountFen: units * fen });
      for (let k = 0; k < units; k++) charges.push({ at: at(done + k * um), fen });
    }
  }
  const raw = charges.reduce((s, ch) => s + ch.fen, 0);
  if (band.capFen !== undefined && raw > band.capFen) {
    // tariff rule: band cap (e.g. 夜间封顶) — units past the cap are dropped in time order, so the
    // 24-hour windows see only what was actually charged.
    let cum = 0;
    for (const ch of charges) {
      const allowed = Math.min(cum + ch.fen, band.capFen) - Math.min(cum, band.capFen);
      cum += ch.fen;
      ch.fen = allowed;
    }
    lines.push({ ...base, kind: 'band-cap', from: iso(at(0)), to: iso(at(minutes)), minutes, units: 0, unitMinutes: 0, unitFen: 0, amountFen: band.capFen - raw, capFen: band.capFen });
  }
  return { lines, charges };
}

// ---------------------------------------------------------------------------------------------
// Explanation

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

function describeLine(l: Omit<FeeLine, 'description'>, lang: 'zh' | 'en', timeZone: string): string {
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
