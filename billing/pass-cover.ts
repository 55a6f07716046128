// Passes and free lists as the billing book holds them, and the rule that decides whether one
// covers a stay. Pure: the rows come from parking_passes (migrations/015), loaded by the book.
import type { FeeLine, FeeResult } from './tariff.ts';

export type PassKind = 'monthly' | 'staff' | 'resident' | 'emergency';

export interface Pass {
  id: number;
  operatorId: string;
  /** null: every lot of the operator (a free list). */
  lotId: string | null;
  kind: PassKind;
  name: string;
  plates: readonly string[];
  validFrom: Date;
  validTo: Date;
}

const KIND_NAMES: Record<PassKind, { en: string; zh: string }> = {
  monthly: { en: 'Monthly pass', zh: '月卡' },
  staff: { en: 'Staff free list', zh: '员工免费名单' },
  resident: { en: 'Residents free list', zh: '业主免费名单' },
  emergency: { en: 'Emergency vehicles free list', zh: '应急车辆免费名单' },
};

/** Passes by plate: a plate's few passes are found with one lookup per closed session. */
export function indexPasses(passes: readonly Pass[]): Map<string, Pass[]> {
  const byPlate = new Map<string, Pass[]>();
  for (const p of passes) {
    for (const plate of p.plates) {
      const list = byPlate.get(plate) ?? [];
      list.push(p);
      byPlate.set(plate, list);
    }
  }
  return byPlate;
}

/**
 * The pass or free list that covers a stay, or null. Pass rule: the whole stay lies inside the
 * window (a stay that outlives the pass is billed by the tariff, whole, as any other), at the
 * pass's lot or, for a list with no lot, at any lot of its operator. A monthly pass wins over a
 * free list only by coming first in id order: either makes the stay free.
 */
export function coveringPass(passes: readonly Pass[] | undefined, lot: { id: string; operatorId: string }, entry: Date, exit: Date): Pass | null {
  for (const p of passes ?? []) {
    const here = p.lotId === null ? p.operatorId === lot.operatorId : p.lotId === lot.id;
    if (here && p.validFrom.getTime() <= entry.getTime() && exit.getTime() <= p.validTo.getTime()) return p;
  }
  return null;
}

/** The tariff's fee replaced by one zero line that names the pass (the invoice the driver sees). */
export function coveredFee(fee: FeeResult, pass: Pass): FeeResult {
  const kind = pass.kind === 'monthly' ? 'pass' : 'free-list';
  const names = KIND_NAMES[pass.kind];
  const name = `${names.en} #${pass.id} (${pass.name})`;
  const nameZh = `${names.zh} #${pass.id}（${pass.name}）`;
  const line: FeeLine = {
    kind, name, nameZh, from: fee.entry, to: fee.exit, minutes: fee.stayMinutes, units: 0, unitMinutes: 0, unitFen: 0, amountFen: 0,
    description: `${name}: stay covered, ${fee.stayMinutes} min: ¥0.00`,
  };
  return { ...fee, totalFen: 0, lines: [line] };
}
