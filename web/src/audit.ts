// The audit log as the console shows it, pure: an entry's before/after as the fields that changed,
// and the local days a filter names as the instants the API reads (the operator's zone: every
// OneLot operator is in China, Asia/Shanghai).
import { startOfLocalDay } from './analytics.ts';
import { LOT_TIME_ZONE } from './format.ts';

export interface FieldChange {
  /** Dotted path of the field, e.g. `admin.active`. */
  field: string;
  /** As text; undefined: the field was not there on that side. */
  before?: string;
  after?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Nested objects as dotted fields; arrays and scalars as their JSON text (strings as themselves). */
function flatten(v: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (v !== undefined && v !== null) {
    out.set(prefix || 'value', typeof v === 'string' ? v : JSON.stringify(v));
  } else if (prefix) {
    out.set(prefix, 'null');
  }
  return out;
}

/**
 * What changed between before and after: a field only on one side is shown as added or removed,
 * one on both sides only when its value differs. Fields in the order they first appear.
 */
export function auditChanges(before: unknown, after: unknown): FieldChange[] {
  const b = flatten(before, '', new Map());
  const a = flatten(after, '', new Map());
  const fields = [...new Set([...b.keys(), ...a.keys()])];
  return fields.filter((f) => b.get(f) !== a.get(f)).map((field) => ({ field, before: b.get(field), after: a.get(field) }));
}

/** "2026-11-29" → that local day's midnight, as the instant the API takes; null when not a date. */
export function localDayStart(day: string, timeZone = LOT_TIME_ZONE): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  // Noon UTC of that date is that same date in every zone within ±12 h.
  return new Date(startOfLocalDay(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12), timeZone)).toISOString();
}

/** The filter's days as [from, to): `to` is the day after the last day named, so that day counts whole. */
export function auditRange(fromDay: string, toDay: string, timeZone = LOT_TIME_ZONE): { from?: string; to?: string } {
  const from = localDayStart(fromDay, timeZone) ?? undefined;
  const last = localDayStart(toDay, timeZone);
  const to = last ? new Date(Date.parse(last) + 86_400_000).toISOString() : undefined;
  return { from, to };
}
