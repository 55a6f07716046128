// Bay codes in bulk, without I/O: a code pattern expanded to codes, and a bay CSV read into rows
// with a reason for every row that cannot be a bay. Bay codes are the bays table's primary key, so
// they are unique city-wide (migrations/001); whether a code is taken is the database's to say.
import { parse } from 'csv-parse/sync';

/** A bay code: letters, digits, `.`, `_`, `-`, up to 64 (what a device's message may carry, core/protocol.ts). */
export const BAY_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** One request adds at most this many: a lot is rarely bigger, and it keeps one transaction short. */
export const MAX_BAYS_PER_REQUEST = 2000;

export interface BayRow { row: number; code: string; accessible: boolean; evCharging: boolean; lat?: number; lng?: number }
/**
 * Why a row was refused, as a code the console words in zh or en (issue 11); `field` names the
 * column or field; a registration the API refused carries its error code (ONELOT_ERR_…).
 */
export const REFUSAL_CODES = ['bad-code', 'bad-flag', 'bad-coordinates', 'half-coordinates', 'duplicate', 'bay-here', 'bay-taken', 'invalid-field'] as const;
export type RefusalWhy = typeof REFUSAL_CODES[number] | `ONELOT_ERR_${string}`;
export interface Refusal { row: number; code: string; why: RefusalWhy; field?: string; reason: string }
const BAD_CODE = 'the code must be 1–64 letters, digits, dots, dashes or underscores';
/** A row whose code is not a bay code, as both the CSV reader and addBays refuse it. */
export const badCode = (row: number, code: string): Refusal => ({ row, code, why: 'bad-code', reason: BAD_CODE });

/**
 * `A-{001..120}` → A-001 … A-120 (zero-padded to the start's width); `A-{nnn}` with count 120 and
 * start 1 → the same. Throws an Error whose message says what to fix.
 */
export function expandPattern(pattern: string, count?: number, start = 1): string[] {
  const range = /\{(\d+)\.\.(\d+)\}/.exec(pattern);
  const counter = /\{(n+)\}/.exec(pattern);
  let from: number; let to: number; let width: number; let token: string;
  if (range) {
    [token, from, to, width] = [range[0], Number(range[1]), Number(range[2]), range[1].length];
    if (to < from) throw new Error(`the range ${token} runs backwards; write the smaller number first`);
  } else if (counter) {
    if (!count) throw new Error(`the pattern ${pattern} needs a count (how many bays)`);
    [token, from, to, width] = [counter[0], start, start + count - 1, counter[1].length];
  } else {
    throw new Error('the pattern needs a number part: a range like A-{001..120}, or {nnn} with a count');
  }
  const n = to - from + 1;
  if (n > MAX_BAYS_PER_REQUEST) throw new Error(`${n} bays is more than ${MAX_BAYS_PER_REQUEST} at once; add them in parts`);
  return Array.from({ length: n }, (_, i) => pattern.replace(token, String(from + i).padStart(width, '0')));
}

const YES = new Set(['true', '1', 'yes', 'y', '是', 't']);
const NO = new Set(['false', '0', 'no', 'n', '否', 'f', '']);

/**
 * Bays from CSV text with a header row naming `code` and optionally `accessible`, `ev_charging`
 * (or `evCharging`), `lat`, `lng`. Rows are numbered by CSV line (the header is line 1).
 */
export function parseBayCsv(text: string): { rows: BayRow[]; refused: Refusal[] } {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase().replace(/[\s-]/g, '_')), skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
  } catch (err) {
    throw new Error(`the CSV cannot be read: ${(err as Error).message}`);
  }
  if (records.length > MAX_BAYS_PER_REQUEST) throw new Error(`${records.length} rows is more than ${MAX_BAYS_PER_REQUEST} at once; upload them in parts`);
  if (records.length && !('code' in records[0])) throw new Error('the CSV header needs a `code` column (and optionally accessible, ev_charging, lat, lng)');
  const rows: BayRow[] = [];
  const refused: Refusal[] = [];
  records.forEach((r, i) => {
    const row = i + 2;
    const code = r.code ?? '';
    const accessible = flag(r.accessible);
    const evCharging = flag(r.ev_charging ?? r.evcharging);
    const lat = r.lat ? Number(r.lat) : undefined;
    const lng = r.lng ? Number(r.lng) : undefined;
    const refusal: Refusal | null = !BAY_CODE.test(code) ? badCode(row, code)
      : accessible === null ? { row, code, why: 'bad-flag', field: 'accessible', reason: `accessible "${r.accessible}" is not yes/no` }
      : evCharging === null ? { row, code, why: 'bad-flag', field: 'ev_charging', reason: `ev_charging "${r.ev_charging ?? r.evcharging}" is not yes/no` }
      : (lat !== undefined && !(Math.abs(lat) <= 90)) || (lng !== undefined && !(Math.abs(lng) <= 180)) ? { row, code, why: 'bad-coordinates', reason: 'lat/lng are not WGS-84 degrees' }
      : (lat === undefined) !== (lng === undefined) ? { row, code, why: 'half-coordinates', reason: 'give both lat and lng, or neither' }
      : null;
    if (refusal) refused.push(refusal);
    else rows.push({ row, code, accessible: accessible!, evCharging: evCharging!, lat, lng });
  });
  return { rows, refused };
}

function flag(v: string | undefined): boolean | null {
  const s = (v ?? '').trim().toLowerCase();
  return YES.has(s) ? true : NO.has(s) ? false : null;
}

/** Points spread along a polyline [[lng,lat],…] (a street segment's bays), or all at one point. */
export function spreadAlong(path: Array<[number, number]> | null, at: { lat: number; lng: number }, n: number): Array<{ lat: number; lng: number }> {
  if (!path || path.length < 2) return Array.from({ length: n }, () => ({ ...at }));
  const seg = path.slice(1).map((p, i) => Math.hypot(p[0] - path[i][0], p[1] - path[i][1]));
  const total = seg.reduce((a, b) => a + b, 0) || 1;
  return Array.from({ length: n }, (_, k) => {
    let d = total * (k + 0.5) / n;
    let i = 0;
    while (i < seg.length - 1 && d > seg[i]) d -= seg[i++];
    const f = seg[i] ? d / seg[i] : 0;
    return { lng: path[i][0] + (path[i + 1][0] - path[i][0]) * f, lat: path[i][1] + (path[i + 1][1] - path[i][1]) * f };
  });
}
