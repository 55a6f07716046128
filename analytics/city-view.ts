// The city's picture (issue 15): how full each lot is by local hour on a typical weekday and a
// typical weekend day, how often it is full, and the arrivals turned away per district, over the
// last weeks. Occupancy comes from lot_occupancy_15m (the 15-minute continuous aggregate of the
// occupancy samples ingest writes); turned-away arrivals from lot_turned_away (migrations/030).
// A tenant sees its own lots only; the city (tenant null) every lot.
//
// The occupancy part reads weeks of 15-minute rows (for the whole city preset ~1,250 lots × 96 ×
// 28 ≈ 3.4 M) on the one embedded connection ingest also writes through, and a typical weekday of
// the last four weeks hardly moves within an hour: it is computed once per tenant, range and hour
// (CityPictures) and reused; the turned-away counts are few and read fresh.
import type { Pool } from '../core/db/index.ts';
import type { CityViewReport } from './http/schemas.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

type Cell = { occupied: number; capacity: number };
type Picture = Pick<CityViewReport, 'from' | 'to' | 'timeZone' | 'lots'>;

const lotsAt = (n: number) => `l AS (SELECT id, name, name_en, kind, district, lat, lng, capacity, time_zone FROM lots
                          WHERE retired_at IS NULL AND ($${n}::text IS NULL OR operator_id = $${n}))`;

async function occupancyPicture(pool: Pool, from: Date, to: Date, tenant: string | null): Promise<Picture> {
  const args = [from.toISOString(), to.toISOString(), tenant];
  const [lots, occupancy] = await Promise.all([
    pool.query(`WITH ${lotsAt(1)} SELECT * FROM l ORDER BY id`, [tenant]),
    // isodow 6, 7: Saturday and Sunday, in the lot's own zone.
    pool.query(`WITH ${lotsAt(3)}
      SELECT o.lot_id, extract(isodow FROM o.bucket AT TIME ZONE l.time_zone) >= 6 AS weekend,
             extract(hour FROM o.bucket AT TIME ZONE l.time_zone)::int AS hour,
             sum(o.avg_occupied) AS occupied, sum(o.avg_capacity) AS capacity,
             count(*) FILTER (WHERE o.min_free = 0 AND o.max_occupied > 0)::int AS full, count(*)::int AS buckets
        FROM lot_occupancy_15m o JOIN l ON l.id = o.lot_id
       WHERE o.bucket >= $1 AND o.bucket < $2
       GROUP BY 1, 2, 3`, args),
  ]);
  const cells = new Map<string, Cell>();
  const full = new Map<string, { full: number; buckets: number }>();
  for (const r of occupancy.rows) {
    cells.set(`${r.lot_id}|${r.weekend ? 'e' : 'd'}|${r.hour}`, { occupied: Number(r.occupied), capacity: Number(r.capacity) });
    const f = full.get(r.lot_id) ?? { full: 0, buckets: 0 };
    full.set(r.lot_id, { full: f.full + r.full, buckets: f.buckets + r.buckets });
  }
  const profile = (lotId: string, kind: 'd' | 'e') => Array.from({ length: 24 }, (_, h) => {
    const c = cells.get(`${lotId}|${kind}|${h}`);
    return c && c.capacity > 0 ? Math.round(Math.min(1, c.occupied / c.capacity) * 1000) / 1000 : null;
  });
  const zones = [...new Set(lots.rows.map((l) => l.time_zone as string))];
  return {
    from: from.toISOString(), to: to.toISOString(),
    timeZone: zones.length === 1 ? zones[0] : zones.join(', ') || 'Asia/Shanghai',
    lots: lots.rows.map((l) => {
      const f = full.get(l.id);
      return {
        lotId: l.id, name: l.name, nameEn: l.name_en, kind: l.kind, district: l.district, lat: l.lat, lng: l.lng, capacity: l.capacity,
        weekday: profile(l.id, 'd'), weekend: profile(l.id, 'e'),
        fullShare: f && f.buckets > 0 ? Math.round((f.full / f.buckets) * 1000) / 1000 : null,
      };
    }),
  };
}

async function turnedAwayByDistrict(pool: Pool, from: Date, to: Date, tenant: string | null): Promise<CityViewReport['turnedAway']> {
  const { rows } = await pool.query(`WITH ${lotsAt(3)}
      SELECT l.district, sum(t.arrivals)::int AS arrivals
        FROM lot_turned_away t JOIN l ON l.id = t.lot_id
       WHERE t.hour >= $1 AND t.hour < $2
       GROUP BY 1 ORDER BY 2 DESC, 1`, [from.toISOString(), to.toISOString(), tenant]);
  return rows.map((r) => ({ district: r.district, arrivals: r.arrivals }));
}

/** The occupancy pictures of the current hour, per tenant and range; an earlier hour's are dropped. */
export class CityPictures {
  private hour = 0;
  private byKey = new Map<string, Promise<Picture>>();

  constructor(private readonly pool: Pool) {}

  async view(days: number, tenant: string | null, now = new Date()): Promise<CityViewReport> {
    const hour = Math.ceil(now.getTime() / HOUR_MS) * HOUR_MS;
    const to = new Date(hour);
    const from = new Date(hour - days * DAY_MS);
    if (hour !== this.hour) { this.byKey.clear(); this.hour = hour; }
    const key = `${tenant ?? ''}|${days}`;
    let picture = this.byKey.get(key);
    if (!picture) {
      picture = occupancyPicture(this.pool, from, to, tenant);
      this.byKey.set(key, picture);
      // A failed read is not kept: the next request tries again.
      picture.catch(() => { if (this.byKey.get(key) === picture) this.byKey.delete(key); });
    }
    const [p, turnedAway] = await Promise.all([picture, turnedAwayByDistrict(this.pool, from, to, tenant)]);
    return { ...p, turnedAway };
  }
}
