// Free bays at arrival (issue 15) inside the platform: each live lot's model (core/forecast.ts)
// fitted on its last weeks of lot_free_15m (migrations/027), and every lot's 2-hour curve
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
/** Lots per query when fitting: ~4,000 rows each, a few ms of the one embedded connection. */
const FIT_CHUNK = 10;
/** Refit after this long (the nightly job refits; this catches a platform that missed it)… */
const REFIT_MS = DAY_MS;
/** …or after an hour while no lot has a model yet (a new platform gathering its first week). */
const REFIT_EMPTY_MS = 3_600_000;
/** Guided drivers are forgotten this long after they should have arrived. */
const HEADING_GRACE_MS = 15 * 60_000;

interface LotInfo { capacity: number; timeZone: string }
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
  private curves = new Map<string, LotCurve>();
  private headingTo = new Map<string, Date[]>();

  /**
   * Materialises lot_free_15m up to the last complete bucket, a day per statement. A range already
   * materialised costs only its invalidations, so this is cheap after the first run.
   */
  async refreshAggregate(pool: Pool, days: number, now = Date.now()): Promise<void> {
    const end = Math.floor(now / STEP_MS) * STEP_MS;
    for (let from = end - days * DAY_MS; from < end; from += DAY_MS) {
      const to = Math.min(end, from + DAY_MS);
      await pool.query(`CALL refresh_continuous_aggregate('lot_free_15m', $1::timestamptz, $2::timestamptz)`, [new Date(from).toISOString(), new Date(to).toISOString()]);
      await yieldToOthers();
    }
  }

  /** Fits every live lot's model on its last HISTORY_DAYS (a lot with under a week of history gets none). */
  async fit(pool: Pool, now = new Date()): Promise<{ lots: number; fitted: number }> {
    await this.refreshAggregate(pool, HISTORY_DAYS, now.getTime());
    const lots = await liveLots(pool);
    const end = Math.floor(now.getTime() / STEP_MS) * STEP_MS;
    const start = end - HISTORY_DAYS * DAY_MS;
    const buckets = (end - start) / STEP_MS;
    const next = new Map<string, LotModel | null>();
    const ids = [...lots.keys()];
    for (let i = 0; i < ids.length; i += FIT_CHUNK) {
      const chunk = ids.slice(i, i + FIT_CHUNK);
      const { rows } = await pool.query(
        `SELECT lot_id, (extract(epoch FROM bucket) * 1000)::float8 AS t, avg_free, last_free FROM lot_free_15m
          WHERE lot_id = ANY($1) AND bucket >= $2 AND bucket < $3`,
        [chunk, new Date(start).toISOString(), new Date(end).toISOString()],
      );
      const free = new Map(chunk.map((id) => [id, new Float64Array(buckets).fill(NaN)]));
      const last = new Map(chunk.map((id) => [id, new Float64Array(buckets).fill(NaN)]));
      for (const r of rows) {
        const k = Math.round((Number(r.t) - start) / STEP_MS);
        if (k < 0 || k >= buckets) continue;
        free.get(r.lot_id)![k] = Number(r.avg_free);
        last.get(r.lot_id)![k] = Number(r.last_free);
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
  async refresh(pool: Pool, now = new Date()): Promise<void> {
    const age = now.getTime() - this.fittedAt;
    if (age > REFIT_MS || (this.fittedCount === 0 && age > REFIT_EMPTY_MS)) await this.fit(pool, now);
    else await this.refreshAggregate(pool, 1 / 12, now.getTime()); // the last 2 hours
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
