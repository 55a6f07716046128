// Free bays at arrival (issue 15) inside the platform: each live lot's model (core/forecast.ts)
// fitted on its last weeks of lot_free_15m (migrations/027, filled here), and every lot's 2-hour curve
// recomputed every 2 minutes from the live counts, the last 2 hours' buckets and the drivers
// guidance sent there. Everything the routes and guidance read is in memory, so a request never
// waits on the database; the jobs read it in small chunks, so ingest batches slip in between.
import type { Pool } from '../core/db/index.ts';
import type { ArrivalForecast } from '../core/module.ts';
import { chanceAt, fitLot, forecastLot, STEP_MINUTES, type ForecastStep, type LotModel } from '../core/forecast.ts';

const STEP_MS = STEP_MINUTES * 60_000;
const DAY_MS = 86_400_000;
/** Weeks of history a model is fitted on: enough for 6 of each weekday, recent enough to follow change. */
export const HISTORY_DAYS = 42;
/** Lots per query when fitting: each ~4,000 buckets of history. */
const FIT_CHUNK = 5;
/**
 * Fill the buckets this much at a time: as a continuous aggregate, a day of 1,000 garages' samples
 * held the one embedded connection ~4 s in one call (bench:forecast --city); ingest's batches go in
 * between the 2-hour slices.
 */
const REFRESH_WINDOW_MS = 2 * 3_600_000;
/** Refit after this long (the nightly job refits; this catches a platform that missed it)… */
const REFIT_MS = DAY_MS;
/** …or after an hour while no lot has a model yet (a new platform gathering its first week). */
const REFIT_EMPTY_MS = 3_600_000;
/** Guided drivers are forgotten this long after they should have arrived. */
const HEADING_GRACE_MS = 15 * 60_000;

interface LotInfo { capacity: number; timeZone: string }
/** fill: false in a process without the jobs, which only reads what the jobs process writes to lot_free_15m. */
interface RefreshOptions { fill?: boolean }
export interface LotCurve {
  computedAt: Date;
  free: number;
  /** The model's training days; null: not enough history yet, steps are empty. */
  historyDays: number | null;
  steps: ForecastStep[];
}

const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

export class ForecastService implements ArrivalForecast {
  private models = new Map<string, LotModel | null>();
  private fittedAt = 0;
  private fittedCount = 0;
  /** lot_free_15m is complete before this instant (ms; 0: not known yet). */
  private filledUntil = 0;
  private curves = new Map<string, LotCurve>();
  private headingTo = new Map<string, Date[]>();

  /**
   * Fills lot_free_15m from the samples (date_bin and array_agg rather than TimescaleDB's time_bucket
   * and last, so it runs on plain PostgreSQL too; 15-minute buckets are the same with either origin) up to the last complete bucket, REFRESH_WINDOW_MS per
   * statement, from where it got to (less a bucket) or `days` back: weeks the first time, minutes after.
   */
  async fillBuckets(pool: Pool, days: number, now = Date.now()): Promise<void> {
    const end = Math.floor(now / STEP_MS) * STEP_MS;
    if (this.filledUntil === 0) {
      const { rows } = await pool.query(`SELECT (extract(epoch FROM max(bucket)) * 1000)::float8 AS last FROM lot_free_15m`);
      this.filledUntil = rows[0]?.last == null ? 0 : Number(rows[0].last);
    }
    const start = Math.max(end - days * DAY_MS, this.filledUntil - STEP_MS);
    for (let from = start; from < end; from += REFRESH_WINDOW_MS) {
      const to = Math.min(end, from + REFRESH_WINDOW_MS);
      await pool.query(
        `INSERT INTO lot_free_15m (lot_id, bucket, avg_free, last_free)
         SELECT lot_id, date_bin(interval '15 minutes', time, timestamptz '2000-01-03'), avg(free)::real, (array_agg(free ORDER BY time DESC))[1]
           FROM lot_occupancy_samples WHERE time >= $1 AND time < $2 GROUP BY 1, 2
         ON CONFLICT (lot_id, bucket) DO UPDATE SET avg_free = EXCLUDED.avg_free, last_free = EXCLUDED.last_free`,
        [new Date(from).toISOString(), new Date(to).toISOString()],
      );
      this.filledUntil = to;
      await yieldToOthers();
    }
  }

  /** Fits every live lot's model on its last HISTORY_DAYS (a lot with under a week of history gets none). */
  async fit(pool: Pool, now = new Date(), { fill = true }: RefreshOptions = {}): Promise<{ lots: number; fitted: number }> {
    if (fill) {
      await this.fillBuckets(pool, HISTORY_DAYS, now.getTime());
      await pool.query(`DELETE FROM lot_free_15m WHERE bucket < $1`, [new Date(now.getTime() - (HISTORY_DAYS + 1) * DAY_MS).toISOString()]);
    }
    const lots = await liveLots(pool);
    const end = Math.floor(now.getTime() / STEP_MS) * STEP_MS;
    const start = end - HISTORY_DAYS * DAY_MS;
    const buckets = (end - start) / STEP_MS;
    const next = new Map<string, LotModel | null>();
    const ids = [...lots.keys()];
    for (let i = 0; i < ids.length; i += FIT_CHUNK) {
      const chunk = ids.slice(i, i + FIT_CHUNK);
      // One row per lot, its buckets as arrays: a row per bucket cost ~70 µs each on the embedded
      // database (40,000 rows: 3 s, and its worker ran out of memory at city scale).
      const { rows } = await pool.query(
        `SELECT lot_id, array_agg(((extract(epoch FROM bucket) * 1000 - $2) / $4)::int) AS k, array_agg(avg_free) AS avg, array_agg(last_free) AS last
           FROM lot_free_15m WHERE lot_id = ANY($1) AND bucket >= to_timestamp($2 / 1000.0) AND bucket < to_timestamp($3 / 1000.0)
          GROUP BY lot_id`,
        [chunk, start, end, STEP_MS],
      );
      const free = new Map(chunk.map((id) => [id, new Float64Array(buckets).fill(NaN)]));
      const last = new Map(chunk.map((id) => [id, new Float64Array(buckets).fill(NaN)]));
      for (const r of rows as Array<{ lot_id: string; k: number[]; avg: number[]; last: number[] }>) {
        const f = free.get(r.lot_id)!, l = last.get(r.lot_id)!;
        r.k.forEach((k, j) => { if (k >= 0 && k < buckets) { f[k] = Number(r.avg[j]); l[k] = Number(r.last[j]); } });
      }
      for (const id of chunk) {
        const lot = lots.get(id)!;
        next.set(id, fitLot({ capacity: lot.capacity, timeZone: lot.timeZone, start: new Date(start), free: free.get(id)!, last: last.get(id)! }));
      }
      await yieldToOthers();
    }
    this.models = next;
    this.fittedAt = now.getTime();
    this.fittedCount = [...next.values()].filter(Boolean).length;
    return { lots: lots.size, fitted: this.fittedCount };
  }

  /** Every lot's curve from now: the live count, the last 2 hours' buckets, the drivers heading there. Fits first when due. */
  async refresh(pool: Pool, now = new Date(), { fill = true }: RefreshOptions = {}): Promise<void> {
    const age = now.getTime() - this.fittedAt;
    if (age > REFIT_MS || (this.fittedCount === 0 && age > REFIT_EMPTY_MS)) await this.fit(pool, now, { fill });
    else if (fill) await this.fillBuckets(pool, HISTORY_DAYS, now.getTime());
    const current = Math.floor(now.getTime() / STEP_MS) * STEP_MS;
    const from = current - 8 * STEP_MS;
    const [live, recentRows] = [
      await pool.query(`SELECT a.lot_id, a.free FROM lot_availability a JOIN lots l ON l.id = a.lot_id WHERE l.published AND l.retired_at IS NULL`),
      await pool.query(
        `SELECT lot_id, (extract(epoch FROM bucket) * 1000)::float8 AS t, avg_free FROM lot_free_15m WHERE bucket >= $1 AND bucket < $2`,
        [new Date(from).toISOString(), new Date(current).toISOString()],
      ),
    ];
    const recent = new Map<string, Float64Array>();
    for (const r of recentRows.rows) {
      let a = recent.get(r.lot_id);
      if (!a) recent.set(r.lot_id, (a = new Float64Array(8).fill(NaN)));
      a[Math.round((Number(r.t) - from) / STEP_MS)] = Number(r.avg_free);
    }
    this.forgetArrived(now);
    const curves = new Map<string, LotCurve>();
    for (const { lot_id: id, free } of live.rows as Array<{ lot_id: string; free: number }>) {
      const model = this.models.get(id);
      if (!model) { curves.set(id, { computedAt: now, free, historyDays: null, steps: [] }); continue; }
      const steps = forecastLot(model, { at: now, free, recent: recent.get(id) ?? new Float64Array(8).fill(NaN), heading: this.headingTo.get(id) });
      curves.set(id, { computedAt: now, free, historyDays: Math.round(model.days * 10) / 10, steps });
    }
    this.curves = curves;
  }

  curve(lotId: string): LotCurve | undefined {
    return this.curves.get(lotId);
  }

  chanceOfSpace(lotId: string, arrival: Date): number | null {
    const c = this.curves.get(lotId);
    if (!c || c.steps.length === 0) return null;
    return chanceAt(c.steps, { at: c.computedAt, free: c.free }, arrival);
  }

  heading(lotId: string, arrival: Date): void {
    const list = this.headingTo.get(lotId);
    if (list) list.push(arrival); else this.headingTo.set(lotId, [arrival]);
  }

  private forgetArrived(now: Date): void {
    const cutoff = now.getTime() - HEADING_GRACE_MS;
    for (const [id, list] of this.headingTo) {
      const kept = list.filter((t) => t.getTime() > cutoff);
      if (kept.length) this.headingTo.set(id, kept); else this.headingTo.delete(id);
    }
  }
}

async function liveLots(pool: Pool): Promise<Map<string, LotInfo>> {
  const { rows } = await pool.query(`SELECT id, capacity, time_zone FROM lots WHERE published AND retired_at IS NULL ORDER BY id`);
  return new Map(rows.map((r) => [r.id as string, { capacity: Number(r.capacity), timeZone: r.time_zone as string }]));
}
