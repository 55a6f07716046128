// What billing knows of each lot, held in memory: its tariff's versions and its rules (lot_billing).
// The ingest hook (billing/sessions.ts) prices closed sessions from it and guidance asks it for
// estimates, so the hot path never reads tariffs or lot rules per event.
import type { PlateKind } from '../core/plates.ts';
import type { SessionRecord, LotRules } from './session-rules.ts';
import type { Queryable } from './session-store.ts';
import { coveredFee, coveringPass, indexPasses, type Pass } from './pass-cover.ts';
import { computeFee, tariffInForce, parseTariff, type Tariff, type FeeResult } from './tariff.ts';
import type { ExceptionDetail } from './exception-details.ts';

/** Defaults of lot_billing (migrations/004): used for a lot that has no row yet. */
export const DEFAULT_LOT_RULES = { minConfidence: 0.8, maxStayHours: 72 } as const;

/**
 * The tariffs table keys a tariff by family id and version (e.g. zz-street, 2); a tariff body's
 * own id names one version (zz-street-v2). The family is the body id without its -vN suffix.
 */
export function tariffFamilyId(t: Pick<Tariff, 'id'>): string {
  return t.id.replace(/-v\d+$/, '');
}

/** The tariffs row id of a lot's own versions, written in the console (migrations/015). */
export const ownTariffId = (lotId: string) => `lot:${lotId}`;

/**
 * The version in force at `at` from a lot's lists (the family it shares, its own): the latest
 * validFrom not after `at` over both, so a lot's own version takes over from the shared family at
 * its validFrom, and the family's later versions from it. Null when none is in force.
 */
export function pickVersion(lists: readonly (readonly [string, readonly Tariff[]])[], at: Date): { tariff: Tariff; tariffId: string } | null {
  let best: { tariff: Tariff; tariffId: string } | null = null;
  for (const [tariffId, versions] of lists) {
    if (!versions.length) continue;
    let t: Tariff;
    try { t = tariffInForce(versions, at); } catch { continue; }
    if (!best || Date.parse(t.validFrom) > Date.parse(best.tariff.validFrom)) best = { tariff: t, tariffId };
  }
  return best;
}

export interface LotBilling { kind: 'garage' | 'street'; operatorId: string; tariffId: string | null; minConfidence: number; maxStayHours: number }

/** Tariff versions and per-lot rules, held in memory: the hot path never reads them per event. */
export class BillingBook {
  /** `homeProvince`: config PLATE_HOME_PROVINCE, handed to the plate rules with each lot's own. */
  constructor(private readonly homeProvince?: string) {}

  lots = new Map<string, LotBilling>();
  tariffs = new Map<string, Tariff[]>();
  /** Approved versions a lot's operator wrote for it, by lot. */
  own = new Map<string, Tariff[]>();
  /** Passes and free lists not revoked (and not long expired), by plate. */
  passes = new Map<string, Pass[]>();
  /** EV-charging bays (bays.ev_charging): a car that is not new-energy in one may owe the tariff's misuse fee. */
  evBays = new Set<string>();
  loaded = false;
  loadedAt = 0;

  async load(q: Queryable): Promise<void> {
    const [lots, tariffs, passes] = [
      await q.query(`SELECT l.id, l.kind, l.operator_id, b.tariff_id, b.min_confidence, b.max_stay_hours FROM lots l LEFT JOIN lot_billing b ON b.lot_id = l.id`),
      // Only approved versions price stays: drafts, versions waiting for the city and rejected ones never do.
      await q.query(`SELECT id, lot_id, version, body FROM tariffs WHERE status = 'approved' ORDER BY id, version`),
      // Exits are billed as they happen; a month's margin covers stays closed late by the review queue.
      await q.query(`SELECT id, operator_id, lot_id, kind, name, plates, valid_from, valid_to FROM parking_passes
                      WHERE revoked_at IS NULL AND valid_to > now() - interval '31 days' ORDER BY id`),
    ];
    const lotMap = new Map<string, LotBilling>();
    for (const r of lots.rows) {
      lotMap.set(r.id, {
        kind: r.kind, operatorId: r.operator_id, tariffId: r.tariff_id,
        minConfidence: r.min_confidence ?? DEFAULT_LOT_RULES.minConfidence, maxStayHours: r.max_stay_hours ?? DEFAULT_LOT_RULES.maxStayHours,
      });
    }
    const tariffMap = new Map<string, Tariff[]>();
    const ownMap = new Map<string, Tariff[]>();
    for (const r of tariffs.rows) {
      const t = parseTariff(r.body);
      const [map, key] = r.lot_id ? [ownMap, r.lot_id] : [tariffMap, r.id];
      const list = map.get(key) ?? [];
      list.push(t);
      map.set(key, list);
    }
    this.lots = lotMap;
    this.tariffs = tariffMap;
    this.own = ownMap;
    await this.loadEvBays(q);
    this.passes = indexPasses(passes.rows.map((r) => ({
      id: Number(r.id), operatorId: r.operator_id, lotId: r.lot_id, kind: r.kind, name: r.name, plates: r.plates,
      validFrom: new Date(r.valid_from), validTo: new Date(r.valid_to),
    })));
    this.loaded = true;
    this.loadedAt = Date.now();
  }

  /** Re-read which bays are EV-charging (of `lotIds`, or all): an operator changed a bay. */
  async loadEvBays(q: Queryable, lotIds?: readonly string[]): Promise<void> {
    const { rows } = await q.query(`SELECT code, lot_id, ev_charging FROM bays WHERE ($1::text[] IS NULL OR lot_id = ANY($1)) AND (ev_charging OR $1::text[] IS NOT NULL)`, [lotIds ?? null]);
    if (!lotIds) this.evBays.clear();
    for (const r of rows) {
      if (r.ev_charging) this.evBays.add(r.code);
      else this.evBays.delete(r.code);
    }
  }

  rules(lotId: string): LotRules {
    return { minConfidence: this.lots.get(lotId)?.minConfidence ?? DEFAULT_LOT_RULES.minConfidence, homeProvince: this.homeProvince };
  }

  /** The version in force at a lot at `at` (its own or the family's), or null. */
  versionAt(lotId: string, at: Date): { tariff: Tariff; tariffId: string } | null {
    const lot = this.lots.get(lotId);
    const lists: [string, Tariff[]][] = [[ownTariffId(lotId), this.own.get(lotId) ?? []]];
    if (lot?.tariffId) lists.push([lot.tariffId, this.tariffs.get(lot.tariffId) ?? []]);
    return pickVersion(lists, at);
  }

  /** What a stay from entry to exit would cost at a lot today, or null when it has no tariff. */
  estimate(lotId: string, entry: Date, exit: Date, plateKind: PlateKind = 'standard'): number | null {
    const v = this.versionAt(lotId, entry);
    if (!v) return null;
    try {
      return computeFee(v.tariff, { plateKind }, entry, exit).totalFen;
    } catch {
      return null;
    }
  }

  /** The fee for a closed session, or why it cannot be billed (an exception detail for the operator). */
  fee(s: SessionRecord): { ok: true; fee: FeeResult; tariffId: string } | { ok: false; reason: ExceptionDetail } {
    const lot = this.lots.get(s.lotId);
    // tariff rule: the version in force at entry prices the whole stay, so a later change never rewrites a bill.
    const v = this.versionAt(s.lotId, s.entryTime);
    if (!v) {
      const scheduled = Boolean(lot?.tariffId) || this.own.has(s.lotId);
      return { ok: false, reason: { code: 'no-tariff', params: { entryAt: s.entryTime.toISOString(), scheduled } } };
    }
    try {
      const evBay = s.bayCode !== null && this.evBays.has(s.bayCode);
      const fee = computeFee(v.tariff, { plateKind: s.plateKind ?? 'standard', evBay }, s.entryTime, s.exitTime!);
      // A pass or free list that covers the stay: a zero invoice that names it (the tariff's id and version are kept).
      const pass = lot && s.plate ? coveringPass(this.passes.get(s.plate), { id: s.lotId, operatorId: lot.operatorId }, s.entryTime, s.exitTime!) : null;
      return { ok: true, fee: pass ? coveredFee(fee, pass) : fee, tariffId: v.tariffId };
    } catch (err) {
      return { ok: false, reason: { code: 'tariff-error', params: { message: (err as Error).message } } };
    }
  }
}
