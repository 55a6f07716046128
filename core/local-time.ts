// Local wall-clock time in any IANA zone, from Intl only (no libraries, DST included): the tariff
// engine, the forecast, guidance, price steps and quiet hours read the lot's clock here. Times are
// epoch minutes (the engine reads times to the minute, billing/tariff/fee.ts).

export const MINUTE_MS = 60_000;
export const DAY_MIN = 1440;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** One formatter per zone; throws a RangeError for a name that is not an IANA zone. */
export function formatter(timeZone: string): Intl.DateTimeFormat {
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
export function offsetAt(timeZone: string, t: number): number {
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

export interface Local {
  offset: number;
  minuteOfDay: number;
  /** Local days since 1970-01-01 (dateOf gives YYYY-MM-DD). */
  day: number;
  weekday: number; // 0 = Sunday
}

export function localAt(timeZone: string, t: number): Local {
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

/**
 * YYYY-MM-DD of a day number (localAt().day, or a UTC day). Cached: every priced stay names its days
 * several times over (its lines' times, their descriptions), and a stay's days are few.
 */
export function dateOf(day: number): string {
  let d = dates.get(day);
  if (d === undefined) {
    if (dates.size >= 4096) dates.clear();
    d = new Date(day * 86_400_000).toISOString().slice(0, 10);
    dates.set(day, d);
  }
  return d;
}
const dates = new Map<number, string>();

/** Epoch minutes from 0001-01-01 to 9999-12-31, where an ISO date has four digits of year. */
const ISO_MINUTES = [-62_135_596_800_000 / MINUTE_MS, 253_402_300_800_000 / MINUTE_MS];

/**
 * `new Date(minute * MINUTE_MS).toISOString()`, built from the cached date and the minute of the day:
 * a fee's lines carry a dozen such times, and toISOString was a tenth of the tariff engine's time.
 */
export function isoMinute(minute: number): string {
  if (!(minute >= ISO_MINUTES[0] && minute < ISO_MINUTES[1]) || !Number.isInteger(minute)) return new Date(minute * MINUTE_MS).toISOString();
  const day = Math.floor(minute / DAY_MIN);
  const m = minute - day * DAY_MIN;
  const hh = Math.floor(m / 60);
  const mm = m % 60;
  return `${dateOf(day)}T${hh < 10 ? '0' : ''}${hh}:${mm < 10 ? '0' : ''}${mm}:00.000Z`;
}

/**
 * YYYY-MM-DD of an instant in a zone, from the cached offsets: a `new Intl.DateTimeFormat` per call
 * (as receipts and invoice pages had) costs tens of microseconds, once for every charge's receipt.
 */
export const localDay = (at: Date, timeZone: string) => dateOf(localAt(timeZone, Math.floor(at.getTime() / MINUTE_MS)).day);

/** First epoch-minute in (lo, hi] whose offset differs from lo's (one transition at most per day). */
export function offsetChange(timeZone: string, lo: number, hi: number): number {
  const o = offsetAt(timeZone, lo);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(timeZone, mid) === o) lo = mid;
    else hi = mid;
  }
  return hi;
}
