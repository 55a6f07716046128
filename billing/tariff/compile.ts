// Tariff versions and validation: which version prices a stay, and the checks a schema cannot
// express, done once per tariff object and kept as its compiled form for the engine.
import { Value, type ValueError } from '@sinclair/typebox/value';
import { OneLotError } from '../../core/errors.ts';
import { formatter } from '../../core/local-time.ts';
import { TARIFF_DEFAULTS, TariffSchema, type Band, type FreePeriod, type Tariff } from './schema.ts';

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
  if (first) {
    const e = precise(first);
    throw new OneLotError('ONELOT_ERR_VALIDATION', `tariff${e.path || ''}: ${e.message}`);
  }
  const tariff = withDefaults as Tariff;
  compile(tariff);
  return tariff;
}

/**
 * A union's error says only "Expected union value": name the field instead, from the branch that
 * got furthest (the one whose kind matched), so the composer can point at it.
 */
function precise(e: ValueError): ValueError {
  let best = e;
  for (const branch of e.errors ?? []) {
    const sub = branch.First();
    if (sub && !sub.path.endsWith('/kind') && sub.path.length > best.path.length) best = precise(sub);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Compiled tariff: the checks a schema cannot express, done once per tariff object.

export interface Compiled {
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
export const inWindow = (from: number, to: number, m: number) => (from === to ? true : from < to ? m >= from && m < to : m >= from || m < to);

export function invalid(detail: string): never {
  throw new OneLotError('ONELOT_ERR_VALIDATION', detail);
}

/** Progressive tiers start after the first unit, in increasing order, each a different price. */
function checkTiers(id: string, band: Band): void {
  if (band.pricing.kind !== 'units') return;
  const first = band.pricing.firstUnit?.minutes ?? 0;
  let prev = 0;
  for (const tier of band.pricing.tiers ?? []) {
    if (tier.afterMinutes < first) invalid(`tariff ${id}: band ${band.name} has a tier after ${tier.afterMinutes} min, inside its first unit of ${first} min; start the tier at ${first} min or later`);
    if (tier.afterMinutes <= prev) invalid(`tariff ${id}: band ${band.name}'s tiers must start at increasing minutes (${tier.afterMinutes} after ${prev}); order them by afterMinutes`);
    prev = tier.afterMinutes;
  }
}

export function compile(tariff: Tariff): Compiled {
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

  for (const { band } of bands) checkTiers(tariff.id, band);

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
