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
// - A car that is not new-energy in an EV-charging bay pays the tariff's misuse fee (evBayMisuse)
//   per started unit past its grace, on top of the parking charge and outside every cap: it is a
//   penalty for blocking a charger, not a price for parking.
// - Money is integer fen everywhere; totalFen is the sum of the lines.
import type { PlateKind } from '../../core/plates.ts';
import { compile, inWindow, invalid, type Compiled } from './compile.ts';
import { describeLine } from './explain.ts';
import { dateOf, DAY_MIN, isoMinute, localAt, MINUTE_MS, offsetAt, offsetChange } from '../../core/local-time.ts';
import type { Band, FeeLine, FeeResult, Tariff } from './schema.ts';

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
const iso = isoMinute;
/** A line with its English description (explainBill renders either language from the fields). */
type Describe = (l: Omit<FeeLine, 'description'>) => FeeLine;

/**
 * The fee for one stay under one tariff version (pick it with tariffInForce(versions, entry)).
 * Every line explains itself; totalFen is the sum of the lines.
 */
export function computeFee(tariff: Tariff, vehicle: { plateKind: PlateKind; evBay?: boolean }, entry: Date, exit: Date): FeeResult {
  const fee = parkingFee(tariff, vehicle, entry, exit);
  const misuse = tariff.evBayMisuse;
  // tariff rule: EV bays are for new-energy vehicles — anyone else pays per started unit past the grace.
  if (!misuse || !vehicle.evBay || vehicle.plateKind === 'new-energy' || fee.stayMinutes <= misuse.graceMinutes) return fee;
  const start = Date.parse(fee.entry) / MINUTE_MS + misuse.graceMinutes;
  const end = Date.parse(fee.exit) / MINUTE_MS;
  const units = Math.ceil((end - start) / misuse.unit.minutes);
  const line: Omit<FeeLine, 'description'> = {
    kind: 'ev-bay-misuse', name: 'EV bay taken by a non-EV', nameZh: '燃油车占用充电车位', from: iso(start), to: iso(end), minutes: end - start,
    units, unitMinutes: misuse.unit.minutes, unitFen: misuse.unit.fen, amountFen: units * misuse.unit.fen, graceMinutes: misuse.graceMinutes,
  };
  const lines = [...fee.lines, { ...line, description: describeLine(line, 'en', fee.timeZone) }];
  return { ...fee, lines, totalFen: lines.reduce((s, l) => s + l.amountFen, 0) };
}

/** The charge for parking itself: every rule but the EV-bay misuse fee. */
function parkingFee(tariff: Tariff, vehicle: { plateKind: PlateKind }, entry: Date, exit: Date): FeeResult {
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
  const describe: Describe = (l) => ({ ...l, description: describeLine(l, 'en', c.timeZone) });

  // tariff rule: 15分钟内免费 — a stay within the grace costs nothing.
  if (stay <= c.graceMinutes) {
    return result([describe({ ...freeLine(GRACE, start, end), graceMinutes: c.graceMinutes })]);
  }

  // Instants from entry after which time is charged again.
  const graceEnd = c.graceDeducted ? start + c.graceMinutes : start; // tariff rule: graceDeducted
  const neEnd = start + (ne?.freeMinutes ?? 0); // tariff rule: new-energy first N minutes free

  const pieces = timeline(c, start, end, graceEnd, neEnd);
  const charges: Charge[] = [];
  const ordered = linesInTimeOrder(c, pieces, charges, describe);

  // tariff rule: 24小时封顶 — each 24 hours from entry costs at most dailyCapFen.
  if (tariff.dailyCapFen !== undefined) pushDailyCaps(ordered, tariff.dailyCapFen, charges, start, end, describe);

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

/**
 * Every band period priced (its lines, its cap) and every run of free time, as lines in time
 * order: each band period's lines (and its cap) stay together, and free time sits where it began.
 * The units charged, after band caps, are pushed to `charges` for the 24-hour cap.
 */
function linesInTimeOrder(c: Compiled, pieces: Piece[], charges: Charge[], describe: Describe): FeeLine[] {
  // Band periods: runs of pieces in one band (a night that spans midnight is one period).
  const periods: Piece[][] = [];
  for (const p of pieces) {
    const last = periods[periods.length - 1];
    if (last && last[last.length - 1].band === p.band) last.push(p);
    else periods.push([p]);
  }

  const groups: { key: number; lines: FeeLine[] }[] = [];
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
  return groups
    .map((g, i) => ({ ...g, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .flatMap((g) => g.lines);
}

/** A negative line for each 24 hours from entry whose charges (band caps applied) exceed capFen. */
function pushDailyCaps(lines: FeeLine[], capFen: number, charges: Charge[], start: number, end: number, describe: Describe): void {
  const perWindow = new Map<number, number>();
  for (const ch of charges) {
    const w = Math.floor((ch.at - start) / DAY_MIN);
    perWindow.set(w, (perWindow.get(w) ?? 0) + ch.fen);
  }
  for (const [w, sum] of [...perWindow].sort((a, b) => a[0] - b[0])) {
    if (sum <= capFen) continue;
    const from = start + w * DAY_MIN;
    const to = Math.min(from + DAY_MIN, end);
    lines.push(describe({
      kind: 'daily-cap', name: '24-hour cap', nameZh: '24小时封顶', from: iso(from), to: iso(to), minutes: to - from,
      units: 0, unitMinutes: 0, unitFen: 0, amountFen: capFen - sum, capFen,
    }));
  }
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

type UnitPricing = Extract<Band['pricing'], { kind: 'units' }>;
interface UnitRun { unit: { minutes: number; fen: number }; afterMinutes?: number; starts: number[] }

/**
 * The units after the first unit of a band period, from chargeable minute `done` to `minutes`,
 * grouped by the price that applied: the later unit, then each progressive tier.
 */
function unitRuns(pricing: UnitPricing, done: number, minutes: number): UnitRun[] {
  const runs: UnitRun[] = [{ unit: pricing.unit, starts: [] }];
  const tiers = pricing.tiers ?? [];
  let next = 0; // the next tier to reach
  // tariff rule: 不足一个计费单位按一个计费单位计 — a started unit is charged in full.
  // tariff rule: 阶梯计费 — a unit is priced by the tier in force at the minute it starts, so a
  // unit that straddles a tier's start keeps its own length and price.
  for (let o = done; o < minutes;) {
    while (next < tiers.length && tiers[next].afterMinutes <= o) {
      runs.push({ unit: tiers[next].unit, afterMinutes: tiers[next].afterMinutes, starts: [] });
      next++;
    }
    const run = runs[runs.length - 1];
    run.starts.push(o);
    o += run.unit.minutes;
  }
  return runs.filter((r) => r.starts.length > 0);
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
  // Lines written out field by field, not spread from a common base: spreading was the engine's
  // single most expensive line (docs/performance.md, twenty-fourth session).
  const name = band.name;
  const lines: Omit<FeeLine, 'description'>[] = [];
  const charges: Charge[] = [];
  const pricing = band.pricing;
  if (pricing.kind === 'per-visit') {
    // tariff rule: 按次收费 — one price for the band period, however long.
    lines.push({ kind: 'band', name, nameZh, part: 'per-visit', from: iso(at(0)), to: iso(at(minutes)), minutes, units: 1, unitMinutes: 0, unitFen: pricing.fen, amountFen: pricing.fen });
    charges.push({ at: at(0), fen: pricing.fen });
  } else {
    let done = 0;
    if (pricing.firstUnit) {
      // tariff rule: 首个计费单位 (e.g. first hour ¥3), charged in full once started.
      const m = Math.min(minutes, pricing.firstUnit.minutes);
      lines.push({ kind: 'band', name, nameZh, part: 'first-unit', from: iso(at(0)), to: iso(at(m)), minutes: m, units: 1, unitMinutes: pricing.firstUnit.minutes, unitFen: pricing.firstUnit.fen, amountFen: pricing.firstUnit.fen });
      charges.push({ at: at(0), fen: pricing.firstUnit.fen });
      done = m;
    }
    for (const run of unitRuns(pricing, done, minutes)) {
      const { unit, starts } = run;
      const to = Math.min(starts[starts.length - 1] + unit.minutes, minutes);
      const from = iso(at(starts[0]));
      const until = iso(at(to));
      const units = starts.length;
      lines.push(run.afterMinutes === undefined
        ? { kind: 'band', name, nameZh, part: 'later-units', from, to: until, minutes: to - starts[0], units, unitMinutes: unit.minutes, unitFen: unit.fen, amountFen: units * unit.fen }
        : { kind: 'band', name, nameZh, part: 'tier', afterMinutes: run.afterMinutes, from, to: until, minutes: to - starts[0], units, unitMinutes: unit.minutes, unitFen: unit.fen, amountFen: units * unit.fen });
      for (const o of starts) charges.push({ at: at(o), fen: unit.fen });
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
    lines.push({ kind: 'band-cap', name, nameZh, from: iso(at(0)), to: iso(at(minutes)), minutes, units: 0, unitMinutes: 0, unitFen: 0, amountFen: band.capFen - raw, capFen: band.capFen });
  }
  return { lines, charges };
}

