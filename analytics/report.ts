// The operators' analytics over a range: per lot, by local hour of day and by local day. Figures
// come from lot_hourly_stats (kept exact as sessions and invoices change: analytics/hourly-stats.ts),
// so a report costs O(lots × hours), not O(sessions). Hours are UTC hours shown in each lot's zone:
// exact for whole-hour zones such as Asia/Shanghai.
import type { Pool } from '../core/db/index.ts';
import { HOURLY_FIGURES } from './hourly-stats.ts';
import type { AnalyticsReport } from './http/schemas.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const floorHour = (t: Date) => new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);
const ceilHour = (t: Date) => new Date(Math.ceil(t.getTime() / HOUR_MS) * HOUR_MS);

type LotRow = { id: string; name: string; name_en: string; kind: 'street' | 'garage'; capacity: number; time_zone: string };
type Figures = Awaited<ReturnType<typeof readFigures>>;
type ByLot = AnalyticsReport['byLot'];

/**
 * The report for [from, to) widened to whole hours, over the tenant's lots (null: every lot); null
 * when `lotId` names no lot of the tenant (another tenant's is as missing: core/tenancy.ts).
 */
export async function analyticsReport(pool: Pool, fromAsked: Date, toAsked: Date, lotId: string | null, tenant: string | null): Promise<AnalyticsReport | null> {
  const from = floorHour(fromAsked);
  const to = ceilHour(toAsked);
  const lotRows = (await pool.query<LotRow>(
    `SELECT id, name, name_en, kind, capacity, time_zone FROM lots WHERE ($1::text IS NULL OR id = $1) AND ($2::text IS NULL OR operator_id = $2) ORDER BY id`, [lotId, tenant])).rows;
  if (lotId && lotRows.length === 0) return null;
  const f = await readFigures(pool, from, to, lotId, tenant);
  const byLot = lotFigures(lotRows, f, (to.getTime() - from.getTime()) / DAY_MS);
  const zones = [...new Set(lotRows.map((l) => l.time_zone))];
  return {
    from: from.toISOString(), to: to.toISOString(), lotId,
    timeZone: zones.length === 1 ? zones[0] : zones.join(', ') || 'Asia/Shanghai',
    totals: totalsOf(lotRows, byLot, f),
    byLot,
    hourly: Array.from({ length: 24 }, (_, hour) => ({ hour, entries: f.perHour.get(hour)?.sessions ?? 0, avgOccupancy: ratio(f.occupancyByHour.get(hour)) })),
    daily: dailyFigures(f.stats),
  };
}

/** The four reads, at once, each keyed the way the report looks it up. */
async function readFigures(pool: Pool, from: Date, to: Date, lotId: string | null, tenant: string | null) {
  const args = [from.toISOString(), to.toISOString(), lotId, tenant];
  // The lot filter as a CTE every query joins: `l` holds the lots asked about (of the tenant in the
  // next parameter), with their zones.
  const lotsAt = (n: number) => `l AS (SELECT id, capacity, time_zone FROM lots WHERE ($${n}::text IS NULL OR id = $${n}) AND ($${n + 1}::text IS NULL OR operator_id = $${n + 1}))`;

  const [stats, owed, queue, occupancySets] = await Promise.all([
    // One pass over the hourly figures, three groupings: per lot, per local hour, per local day.
    pool.query(`WITH ${lotsAt(3)},
      x AS (SELECT h.*, h.hour AT TIME ZONE l.time_zone AS local FROM ${HOURLY_FIGURES} h JOIN l ON l.id = h.lot_id WHERE h.hour >= $1 AND h.hour < $2)
      SELECT lot_id, extract(hour FROM local)::int AS hour, to_char(local, 'YYYY-MM-DD') AS day,
             sum(sessions)::int AS sessions, sum(closed)::int AS closed, sum(stay_minutes) AS stay,
             sum(invoiced_fen)::bigint AS invoiced, sum(paid_fen)::bigint AS paid
        FROM x GROUP BY GROUPING SETS ((1), (2), (3))`, args),
    // What is still owed changes with every payment, so it is read live: outstanding invoices are
    // few (the partial index invoices_due holds just them).
    pool.query(`WITH ${lotsAt(3)}
      SELECT i.lot_id, sum(i.amount_fen)::bigint AS outstanding, coalesce(sum(i.amount_fen) FILTER (WHERE i.due_at < now()), 0)::bigint AS overdue
        FROM invoices i JOIN l ON l.id = i.lot_id
       WHERE i.status = 'outstanding' AND i.issued_at >= $1 AND i.issued_at < $2
       GROUP BY i.lot_id`, args),
    pool.query(`WITH ${lotsAt(1)}
      SELECT (SELECT count(*) FROM sessions s JOIN l ON l.id = s.lot_id WHERE s.status = 'review')::int AS in_review,
             (SELECT count(*) FROM session_exceptions e JOIN l ON l.id = e.lot_id WHERE e.resolved_at IS NULL)::int AS open_exceptions`, [lotId, tenant]),
    pool.query(`WITH ${lotsAt(3)}
      SELECT o.lot_id, extract(hour FROM o.bucket AT TIME ZONE l.time_zone)::int AS hour,
             sum(o.avg_occupied) AS occupied, sum(o.avg_capacity) AS capacity, max(o.max_occupied::real / nullif(o.avg_capacity, 0)) AS peak
        FROM lot_occupancy_15m o JOIN l ON l.id = o.lot_id
       WHERE o.bucket >= $1 AND o.bucket < $2
       GROUP BY GROUPING SETS ((1), (2))`, args),
  ]);

  // Each grouping set's rows have the other keys NULL.
  return {
    stats: stats.rows,
    perLot: new Map(stats.rows.filter((r) => r.lot_id !== null).map((r) => [r.lot_id as string, r])),
    perHour: new Map(stats.rows.filter((r) => r.hour !== null).map((r) => [r.hour as number, r])),
    owing: new Map(owed.rows.map((r) => [r.lot_id as string, r])),
    occupancy: new Map(occupancySets.rows.filter((r) => r.lot_id !== null).map((r) => [r.lot_id as string, r])),
    occupancyByHour: new Map(occupancySets.rows.filter((r) => r.hour !== null).map((r) => [r.hour as number, r])),
    queue: queue.rows[0],
  };
}

/** Per lot, most invoiced first. */
function lotFigures(lotRows: LotRow[], f: Figures, days: number): ByLot {
  return lotRows.map((lot) => {
    const s = f.perLot.get(lot.id), o = f.occupancy.get(lot.id);
    const sessions = s?.sessions ?? 0;
    return {
      lotId: lot.id, name: lot.name, nameEn: lot.name_en, kind: lot.kind, bays: lot.capacity, sessions,
      avgStayMinutes: s?.closed ? round(Number(s.stay) / s.closed, 1) : null,
      turnover: lot.capacity ? round(sessions / lot.capacity / days, 2) : 0,
      invoicedFen: Number(s?.invoiced ?? 0), paidFen: Number(s?.paid ?? 0),
      avgOccupancy: ratio(o),
      peakOccupancy: o?.peak === null || o?.peak === undefined ? null : round(Math.min(1, Number(o.peak)), 4),
    };
  }).sort((a, b) => b.invoicedFen - a.invoicedFen || b.sessions - a.sessions || a.lotId.localeCompare(b.lotId));
}

function totalsOf(lotRows: LotRow[], byLot: ByLot, f: Figures): AnalyticsReport['totals'] {
  const total = (g: (l: ByLot[number]) => number) => byLot.reduce((acc, l) => acc + g(l), 0);
  const closed = [...f.perLot.values()].reduce((acc, r) => acc + r.closed, 0);
  const staySum = [...f.perLot.values()].reduce((acc, r) => acc + Number(r.stay), 0);
  return {
    lots: lotRows.length, bays: lotRows.reduce((acc, l) => acc + l.capacity, 0),
    sessions: total((l) => l.sessions), closed,
    avgStayMinutes: closed ? round(staySum / closed, 1) : null,
    invoicedFen: total((l) => l.invoicedFen), paidFen: total((l) => l.paidFen),
    outstandingFen: [...f.owing.values()].reduce((acc, r) => acc + Number(r.outstanding), 0),
    overdueFen: [...f.owing.values()].reduce((acc, r) => acc + Number(r.overdue), 0),
    inReview: f.queue.in_review, openExceptions: f.queue.open_exceptions,
  };
}

/** Days with any activity, in order. */
function dailyFigures(stats: Figures['stats']): AnalyticsReport['daily'] {
  return stats.filter((r) => r.day !== null && (r.sessions > 0 || Number(r.invoiced) > 0 || Number(r.paid) > 0))
    .map((r) => ({ day: r.day as string, sessions: r.sessions as number, invoicedFen: Number(r.invoiced), paidFen: Number(r.paid) }))
    .sort((a, b) => a.day.localeCompare(b.day));
}

const ratio = (r: { occupied: number | null; capacity: number | null } | undefined) => (r?.capacity ? round(Number(r.occupied) / Number(r.capacity), 4) : null);

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
