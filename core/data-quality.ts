// A lot's data-quality figure: the share of its bays whose state rests on fresh, consistent
// evidence (migrations/024), so a driver knows how far to trust "12 free". Pure.

export interface LotEvidence { free: number; occupied: number; unknown: number; doubtful?: number; gateInside?: number | null }

/**
 * Cars the gate count may differ from the occupied bays without doubt: cars between the barrier
 * and their bay (30 s – 3 min of driving) and the odd missed plate read. Beyond it, as many bays as
 * the excess count as doubtful: the sensors miss cars (or see ghosts) that the gates counted.
 */
export const gateTolerance = (bays: number) => Math.max(2, Math.ceil(0.1 * bays));

/** Cars the gate count and the bay count disagree on beyond the tolerance; 0 without a gate count. */
export function gateDrift(l: LotEvidence): number {
  if (l.gateInside === null || l.gateInside === undefined) return 0;
  const bays = l.free + l.occupied + l.unknown;
  return Math.max(0, Math.abs(l.gateInside - l.occupied) - gateTolerance(bays));
}

/** 0..1 to three decimals; null for a lot without bays. */
export function dataQuality(l: LotEvidence): number | null {
  const bays = l.free + l.occupied + l.unknown;
  if (bays <= 0) return null;
  const clean = bays - l.unknown - (l.doubtful ?? 0) - gateDrift(l);
  return Math.round((1000 * Math.max(0, clean)) / bays) / 1000;
}
