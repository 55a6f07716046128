// What billing knows of each lot, held in memory: its tariff's versions and its rules (lot_billing).
// The ingest hook (billing/sessions.ts) prices closed sessions from it and guidance asks it for
// estimates, so the hot path never reads tariffs or lot rules per event.
import type { PlateKind } from '../core/plates.ts';
import type { SessionRecord, LotRules } from './session-rules.ts';
import type { Queryable } from './session-store.ts';
import { computeFee, tariffInForce, parseTariff, type Tariff, type FeeResult } from './tariff.ts';

/** Defaults of lot_billing (migrations/004): used for a lot that has no row yet. */
export const DEFAULT_LOT_RULES = { minConfidence: 0.8, maxStayHours: 72 } as const;

/**
 * The tariffs table keys a tariff by family id and version (e.g. zz-street, 2); a tariff body's
 * own id names one version (zz-street-v2). The family is the body id without its -vN suffix.
 */
export function tariffFamilyId(t: Pick<Tariff, 'id'>): string {
  return t.id.replace(/-v\d+$/, '');
}

export interface LotBilling { kind: 'garage' | 'street'; tariffId: string | null; minConfidence: number; maxStayHours: number }

/** Tariff versions and per-lot rules, held in memory: the hot path never reads them per event. */
export class BillingBook {
  lots = new Map<string, LotBilling>();
  tariffs = new Map<string, Tariff[]>();
  loaded = false;
  loadedAt = 0;

  async load(q: Queryable): Promise<void> {
    const [lots, tariffs] = [
      await q.query(`SELECT l.id, l.kind, b.tariff_id, b.min_confidence, b.max_stay_hours FROM lots l LEFT JOIN lot_billing b ON b.lot_id = l.id`),
      await q.query(`SELECT id, version, body FROM tariffs ORDER BY id, version`),
    ];
    const lotMap = new Map<string, LotBilling>();
    for (const r of lots.rows) {
      lotMap.set(r.id, {
        kind: r.kind, tariffId: r.tariff_id,
        minConfidence: r.min_confidence ?? DEFAULT_LOT_RULES.minConfidence, maxStayHours: r.max_stay_hours ?? DEFAULT_LOT_RULES.maxStayHours,
      });
    }
    const tariffMap = new Map<string, Tariff[]>();
    for (const r of tariffs.rows) {
      const t = parseTariff(r.body);
      const list = tariffMap.get(r.id) ?? [];
      list.push(t);
      tariffMap.set(r.id, list);
    }
    this.lots = lotMap;
    this.tariffs = tariffMap;
    this.loaded = true;
    this.loadedAt = Date.now();
  }

  rules(lotId: string): LotRules {
    return { minConfidence: this.lots.get(lotId)?.minConfidence ?? DEFAULT_LOT_RULES.minConfidence };
  }

  /** What a stay from entry to exit would cost at a lot today, or null when it has no tariff. */
  estimate(lotId: string, entry: Date, exit: Date, plateKind: PlateKind = 'standard'): number | null {
    const tariffId = this.lots.get(lotId)?.tariffId;
    const versions = tariffId ? this.tariffs.get(tariffId) : undefined;
    if (!versions?.length) return null;
    try {
      return computeFee(tariffInForce(versions, entry), { plateKind }, entry, exit).totalFen;
    } catch {
      return null;
    }
  }

  /** The fee for a closed session, or why it cannot be billed (a sentence for the operator). */
  fee(s: SessionRecord): { ok: true; fee: FeeResult; tariffId: string } | { ok: false; reason: string } {
    const lot = this.lots.get(s.lotId);
    if (!lot?.tariffId) return { ok: false, reason: `lot ${s.lotId} has no tariff: add a lot_billing row naming one` };
    const versions = this.tariffs.get(lot.tariffId);
    if (!versions?.length) return { ok: false, reason: `tariff ${lot.tariffId} of lot ${s.lotId} has no versions: add one to tariffs` };
    try {
      // tariff rule: the version in force at entry prices the whole stay, so a later change never rewrites a bill.
      const tariff = tariffInForce(versions, s.entryTime);
      return { ok: true, fee: computeFee(tariff, { plateKind: s.plateKind ?? 'standard' }, s.entryTime, s.exitTime!), tariffId: lot.tariffId };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  }
}
