// Price steps that keep a space free (issue 15 §2): the weekly (and on-demand) run that reads each
// lot's occupancy by local hour over the city's lookback, asks billing/pricing/recommend.ts for a
// step per tariff band, and keeps it as a recommendation: a new tariff version dated from next
// Monday. The operator accepts (it becomes a draft, scheduled through billing/tariff-versions.ts,
// so a street lot's waits for the city's approval like any other street tariff) or rejects it;
// both are in the audit log. Rows: migrations/028.
import { audit } from '../core/audit.ts';
import { refreshOccupancy15m, type Pool, type PoolClient } from '../core/db/index.ts';
import { withTx } from '../core/db/tx.ts';
import { OneLotError } from '../core/errors.ts';
import type { TenantScope } from '../core/tenancy.ts';
import type { BillingBook } from './billing-book.ts';
import { lotFor } from './http/caller.ts';
import { bandOccupancy, DEFAULT_POLICY, nextMonday, recommendationWindow, recommendPrices, type BandStep, type HourOccupancy, type PricingPolicy, type TariffBody } from './pricing/recommend.ts';
import type { Queryable } from './session-store.ts';
import { createDraft, scheduleVersion } from './tariff-versions.ts';

type Caller = Pick<TenantScope, 'accountId' | 'operatorId' | 'role'>;
const WEEK_MS = 7 * 86_400_000;
/** A real column read back (0.6 is stored as 0.60000002): four places are plenty for a share. */
const share = (x: number) => Math.round(x * 10_000) / 10_000;
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export interface PolicyView extends PricingPolicy { updatedBy: string | null; updatedAt: string }

export async function getPolicy(q: Queryable): Promise<PolicyView> {
  const { rows: [r] } = await q.query(`SELECT * FROM pricing_policy WHERE id = 'city'`);
  if (!r) return { ...DEFAULT_POLICY, updatedBy: null, updatedAt: new Date(0).toISOString() };
  return {
    targetLow: share(r.target_low), targetHigh: share(r.target_high),
    stepFenPerHour: r.step_fen_per_hour, floorFenPerHour: r.floor_fen_per_hour, ceilingFenPerHour: r.ceiling_fen_per_hour,
    lookbackWeeks: r.lookback_weeks, updatedBy: r.updated_by, updatedAt: iso(r.updated_at)!,
  };
}

/** The city sets its target band, step, floor and ceiling (audited). */
export async function setPolicy(pool: Pool, caller: Caller, p: PricingPolicy): Promise<PolicyView> {
  if (caller.role !== 'city') throw new OneLotError('ONELOT_ERR_FORBIDDEN', 'Only the city sets the pricing policy (target occupancy, step, floor and ceiling); sign in with the city\'s account');
  if (p.targetLow >= p.targetHigh) throw new OneLotError('ONELOT_ERR_VALIDATION', `targetLow ${p.targetLow} must be below targetHigh ${p.targetHigh}, e.g. 0.6 and 0.8`);
  if (p.floorFenPerHour > p.ceilingFenPerHour) throw new OneLotError('ONELOT_ERR_VALIDATION', `floorFenPerHour ${p.floorFenPerHour} must not exceed ceilingFenPerHour ${p.ceilingFenPerHour}`);
  return withTx(pool, async (c) => {
    const before = await getPolicy(c);
    await c.query(
      `UPDATE pricing_policy SET target_low = $1, target_high = $2, step_fen_per_hour = $3, floor_fen_per_hour = $4, ceiling_fen_per_hour = $5,
              lookback_weeks = $6, updated_by = $7, updated_at = now() WHERE id = 'city'`,
      [p.targetLow, p.targetHigh, p.stepFenPerHour, p.floorFenPerHour, p.ceilingFenPerHour, p.lookbackWeeks, caller.accountId]);
    const after = await getPolicy(c);
    await audit(c, { by: caller, operatorId: null, action: 'pricing.policy', objectType: 'pricing-policy', objectId: 'city', before, after });
    return after;
  });
}

/**
 * Mean occupancy per lot and local hour of day in [from, to), from the 15-minute aggregate
 * (core/db/occupancy.ts). Each bucket's share is its mean occupied bays over its mean capacity.
 */
export async function hourlyOccupancy(q: Queryable, windows: ReadonlyArray<{ lotId: string; from: Date }>, to: Date): Promise<Map<string, HourOccupancy[]>> {
  const { rows } = await q.query(
    `SELECT o.lot_id, extract(hour FROM o.bucket AT TIME ZONE l.time_zone)::int AS hour,
            avg(o.avg_occupied / o.avg_capacity)::float8 AS occupancy, count(*)::int AS buckets
       FROM unnest($1::text[], $2::timestamptz[]) AS w(lot_id, since)
       JOIN lot_occupancy_15m o ON o.lot_id = w.lot_id AND o.bucket >= w.since AND o.bucket < $3
       JOIN lots l ON l.id = o.lot_id
      WHERE o.avg_capacity > 0
      GROUP BY 1, 2 ORDER BY 1, 2`, [windows.map((w) => w.lotId), windows.map((w) => w.from), to]);
  const out = new Map<string, HourOccupancy[]>();
  for (const r of rows) {
    const list = out.get(r.lot_id) ?? [];
    list.push({ hour: r.hour, occupancy: Math.round(r.occupancy * 1000) / 1000, buckets: r.buckets });
    out.set(r.lot_id, list);
  }
  return out;
}

export interface EarlierStep {
  recommendationId: number; validFrom: string; tariffVersion: number | null;
  bands: Array<{ band: string; bandZh: string; direction: BandStep['direction']; beforeFenPerHour: number | null; afterFenPerHour: number | null; occupancyBefore: number | null; occupancyAfter: number | null }>;
}

export interface Evidence {
  from: string; to: string; lookbackWeeks: number; targetLow: number; targetHigh: number;
  /** Occupancy by local hour of day over the window. */
  hourly: HourOccupancy[];
  /** Accepted steps of this lot, newest first: occupancy in each band before and since. */
  earlier: EarlierStep[];
}

export interface RecommendationView {
  id: number; lotId: string; lotName: string; lotNameEn: string; lotKind: 'garage' | 'street';
  approvalBy: 'city' | 'operator'; createdAt: string; validFrom: string; baseTariffId: string; baseVersion: number;
  steps: BandStep[]; evidence: Evidence; proposal: TariffBody;
  status: 'proposed' | 'accepted' | 'rejected' | 'superseded'; tariffVersion: number | null;
  decidedAt: string | null; decidedBy: string | null; reason: string | null;
}

/**
 * Accepted steps of the lots whose version was approved (a street step the city rejected never
 * took effect), with each band's occupancy before (as recommended) and since it took effect.
 */
async function earlierSteps(q: Queryable, lotIds: readonly string[], now: Date, lookbackWeeks: number): Promise<Map<string, EarlierStep[]>> {
  const { rows } = await q.query(
    `SELECT * FROM (SELECT r.*, row_number() OVER (PARTITION BY r.lot_id ORDER BY r.valid_from DESC) AS n
                      FROM price_recommendations r
                      JOIN tariffs t ON t.lot_id = r.lot_id AND t.version = r.tariff_version AND t.status = 'approved'
                     WHERE r.lot_id = ANY($1) AND r.status = 'accepted') x
      WHERE n <= 5 ORDER BY valid_from DESC`, [lotIds]);
  const out = new Map<string, EarlierStep[]>();
  for (const r of rows) {
    const from = new Date(r.valid_from);
    const to = new Date(Math.min(now.getTime(), from.getTime() + lookbackWeeks * WEEK_MS));
    const since = from < to ? (await hourlyOccupancy(q, [{ lotId: r.lot_id, from }], to)).get(r.lot_id) ?? [] : [];
    const steps = r.steps as BandStep[];
    const list = out.get(r.lot_id) ?? [];
    list.push({
      recommendationId: Number(r.id), validFrom: iso(r.valid_from)!, tariffVersion: r.tariff_version,
      bands: steps.filter((s) => s.direction !== 'hold').map((s) => ({
        band: s.band, bandZh: s.bandZh, direction: s.direction, beforeFenPerHour: s.beforeFenPerHour, afterFenPerHour: s.afterFenPerHour,
        occupancyBefore: s.occupancy, occupancyAfter: bandOccupancy(s.hours, since).occupancy,
      })),
    });
    out.set(r.lot_id, list);
  }
  return out;
}

export interface RunReport { lots: number; recommended: number; held: number; skipped: number }

/**
 * Recommend a step for every live lot of the caller's tenant (the city and the weekly job: every
 * lot; `lotIds` narrows it). A lot with a step already on its way (a version of its own pending
 * or scheduled) is skipped; a lot's earlier proposal not yet decided is superseded.
 */
export async function runRecommendations(pool: Pool, book: BillingBook, opts: { operatorId: string | null; lotIds?: readonly string[]; now?: Date }): Promise<RunReport> {
  const now = opts.now ?? new Date();
  const policy = await getPolicy(pool);
  const from = new Date(now.getTime() - policy.lookbackWeeks * WEEK_MS);
  const { rows: lots } = await pool.query(
    `SELECT l.id, l.time_zone,
            EXISTS (SELECT 1 FROM tariffs t WHERE t.lot_id = l.id AND (t.status = 'pending' OR (t.status = 'approved' AND t.valid_from > $3))) AS step_on_its_way
       FROM lots l WHERE l.published AND l.retired_at IS NULL AND ($1::text IS NULL OR l.operator_id = $1) AND ($2::text[] IS NULL OR l.id = ANY($2))
      ORDER BY l.id`, [opts.operatorId, opts.lotIds ?? null, now]);
  if (!lots.length) return { lots: 0, recommended: 0, held: 0, skipped: 0 };
  // The aggregate over the window read (the embedded database runs no background job).
  await refreshOccupancy15m(pool, from, now);
  const ids = lots.map((l) => l.id as string);
  // Each lot is read from when its price in force began (within the lookback), at least a week of it.
  const windows = new Map<string, Date | null>();
  for (const lot of lots) {
    const current = book.versionAt(lot.id, now);
    windows.set(lot.id, current ? recommendationWindow(now, policy.lookbackWeeks, new Date(current.tariff.validFrom))?.from ?? null : null);
  }
  const hourly = await hourlyOccupancy(pool, [...windows].flatMap(([lotId, f]) => (f ? [{ lotId, from: f }] : [])), now);
  const earlier = await earlierSteps(pool, ids, now, policy.lookbackWeeks);
  const report: RunReport = { lots: lots.length, recommended: 0, held: 0, skipped: 0 };
  for (const lot of lots) {
    const validFrom = nextMonday(lot.time_zone, now);
    const base = book.versionAt(lot.id, new Date(validFrom));
    const windowFrom = windows.get(lot.id);
    // Skipped: no tariff, a step already on its way, or its price not yet a week in force.
    if (!base || lot.step_on_its_way || !windowFrom) { report.skipped++; continue; }
    const data = hourly.get(lot.id) ?? [];
    const rec = recommendPrices(base.tariff, data, policy);
    await withTx(pool, async (c) => {
      // A run's answer replaces an undecided one: the operator decides on the freshest evidence.
      await c.query(`UPDATE price_recommendations SET status = 'superseded' WHERE lot_id = $1 AND status = 'proposed'`, [lot.id]);
      if (!rec.proposal) return;
      const evidence: Evidence = {
        from: windowFrom.toISOString(), to: now.toISOString(), lookbackWeeks: policy.lookbackWeeks, targetLow: policy.targetLow, targetHigh: policy.targetHigh,
        hourly: data, earlier: earlier.get(lot.id) ?? [],
      };
      await c.query(
        `INSERT INTO price_recommendations (lot_id, created_at, valid_from, base_tariff_id, base_version, steps, evidence, proposal)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [lot.id, now, validFrom, base.tariffId, base.tariff.version, JSON.stringify(rec.steps), JSON.stringify(evidence), JSON.stringify(rec.proposal)]);
    });
    if (rec.proposal) report.recommended++;
    else report.held++;
  }
  return report;
}

const SELECT = `SELECT r.*, l.name AS lot_name, l.name_en AS lot_name_en, l.kind AS lot_kind
                  FROM price_recommendations r JOIN lots l ON l.id = r.lot_id`;

function view(r: Record<string, any>): RecommendationView {
  return {
    id: Number(r.id), lotId: r.lot_id, lotName: r.lot_name, lotNameEn: r.lot_name_en, lotKind: r.lot_kind,
    approvalBy: r.lot_kind === 'street' ? 'city' : 'operator', createdAt: iso(r.created_at)!, validFrom: iso(r.valid_from)!,
    baseTariffId: r.base_tariff_id, baseVersion: r.base_version, steps: r.steps, evidence: r.evidence, proposal: r.proposal,
    status: r.status, tariffVersion: r.tariff_version, decidedAt: iso(r.decided_at), decidedBy: r.decided_by, reason: r.reason,
  };
}

/** Recommendations of the caller's lots (the city: every lot), newest first. */
export async function listRecommendations(q: Queryable, caller: Pick<Caller, 'operatorId'>, f: { status?: string; lotId?: string; id?: number; limit: number }): Promise<RecommendationView[]> {
  const { rows } = await q.query(
    `${SELECT} WHERE ($1::text IS NULL OR l.operator_id = $1) AND ($2::text IS NULL OR r.status = $2) AND ($3::text IS NULL OR r.lot_id = $3)
        AND ($5::bigint IS NULL OR r.id = $5)
      ORDER BY r.created_at DESC, r.id DESC LIMIT $4`, [caller.operatorId, f.status ?? null, f.lotId ?? null, f.limit, f.id ?? null]);
  return rows.map(view);
}

async function proposedFor(c: PoolClient, caller: Caller, id: number): Promise<RecommendationView> {
  const [rec] = await listRecommendations(c, caller, { id, limit: 1 });
  if (!rec) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Price recommendation ${id}`);
  if (rec.status !== 'proposed') throw new OneLotError('ONELOT_ERR_CONFLICT', `Price recommendation ${id} is ${rec.status}; only a proposed one is accepted or rejected`);
  await c.query('SELECT 1 FROM price_recommendations WHERE id = $1 FOR UPDATE', [id]);
  return rec;
}

/**
 * The operator accepts: the proposal becomes a new version of the lot's own tariff, scheduled from
 * next Monday — approved at once for a garage, pending the city's approval for a street lot.
 */
export async function acceptRecommendation(pool: Pool, caller: Caller, id: number, now = new Date()): Promise<RecommendationView> {
  return withTx(pool, async (c) => {
    const before = await proposedFor(c, caller, id);
    if (Date.parse(before.validFrom) <= now.getTime()) {
      throw new OneLotError('ONELOT_ERR_CONFLICT', `Price recommendation ${id} was to take effect at ${before.validFrom}, which has passed; run the recommendations again for a fresh one`);
    }
    const lot = await lotFor(c, caller, before.lotId);
    const draft = await createDraft(c, lot, { ...before.proposal, validFrom: before.validFrom }, caller.accountId, now);
    await scheduleVersion(c, lot, draft.version, before.validFrom, caller.accountId, now);
    await c.query(`UPDATE price_recommendations SET status = 'accepted', tariff_version = $2, decided_at = $3, decided_by = $4 WHERE id = $1`, [id, draft.version, now, caller.accountId]);
    const [after] = await listRecommendations(c, caller, { id, limit: 1 });
    await audit(c, { by: caller, operatorId: lot.operatorId, action: 'pricing.accept', objectType: 'price-recommendation', objectId: id, before: { status: before.status }, after: { status: after.status, tariffVersion: after.tariffVersion, validFrom: after.validFrom, steps: after.steps } });
    return after;
  });
}

/** The operator rejects, saying why (kept for the city and the next run's reader). */
export async function rejectRecommendation(pool: Pool, caller: Caller, id: number, reason: string, now = new Date()): Promise<RecommendationView> {
  return withTx(pool, async (c) => {
    const before = await proposedFor(c, caller, id);
    await c.query(`UPDATE price_recommendations SET status = 'rejected', reason = $2, decided_at = $3, decided_by = $4 WHERE id = $1`, [id, reason, now, caller.accountId]);
    const [after] = await listRecommendations(c, caller, { id, limit: 1 });
    await audit(c, { by: caller, operatorId: (await lotFor(c, caller, before.lotId)).operatorId, action: 'pricing.reject', objectType: 'price-recommendation', objectId: id, before: { status: before.status }, after: { status: after.status, reason } });
    return after;
  });
}
