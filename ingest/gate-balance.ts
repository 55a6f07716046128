// Cars a garage's gates let in that no bay sensor has seen park: the evidence against a sensor that
// says "free" under a car (stuck after a parked truck, or its "taken" report lost until its next
// heartbeat) where no camera watches the bay (issue 13: these were most of the wrong "free"s).
// Each car through the "in" gate waits for a sensor in that garage to turn "taken"; one still
// waiting after DRIVE_MS (longer than any drive from gate to bay) is a car parked where the
// sensors say "free". A car through the "out" gate that no sensor saw leave was such a car leaving.
// Matched in arrival order (which car parked where does not matter, only how many are missing);
// ages in event time. In memory, per ingest process: with several (shared), gate and bay reports
// may come through different processes, so the rule is off there.

/**
 * Longer than a drive from the gate to the farthest bay: the simulated garages take 30 s–3 min
 * (simulators/city-sim.ts GARAGE_DRIVE_MS); a car still unmatched after this is missing, not driving.
 */
export const DRIVE_MS = 5 * 60_000;
/** A sensor's "taken" before its car's gate report (the gate report came late): kept this long to match it. */
const EARLY_PARK_MS = 20 * 60_000;

interface Lot { ins: number[]; earlyParks: number[]; leaving: number[]; seen: { in: number[]; out: number[] } }

export class GateBalance {
  private lots = new Map<string, Lot>();
  /** Per garage, the bays shown unknown for its missing cars (the evidence check picks them: ingest/evidence-check.ts). */
  private doubtedIn = new Map<string, Set<string>>();

  private lot(id: string): Lot {
    let l = this.lots.get(id);
    if (!l) this.lots.set(id, (l = { ins: [], earlyParks: [], leaving: [], seen: { in: [], out: [] } }));
    return l;
  }

  /** A gate camera saw a car go in or out at `t`. */
  gate(lotId: string, direction: 'in' | 'out', t: number): void {
    const l = this.lot(lotId);
    drop(l.seen[direction], t - EARLY_PARK_MS);
    l.seen[direction].push(t);
    if (direction === 'in') {
      drop(l.earlyParks, t - EARLY_PARK_MS);
      if (l.earlyParks.length) l.earlyParks.shift();
      else l.ins.push(t);
      return;
    }
    // Out: a car a sensor saw leave, or else one that parked unseen (the oldest missing one).
    drop(l.leaving, t - DRIVE_MS);
    if (l.leaving.length) l.leaving.shift();
    else if (l.ins.length && l.ins[0] < t - DRIVE_MS) l.ins.shift();
  }

  /** A sensor in a gated garage changed its word to `occupied` at `t`. Only for lots with gates (`gated`). */
  sensor(lotId: string, occupied: boolean, t: number): void {
    const l = this.lot(lotId);
    if (occupied) {
      if (l.ins.length) l.ins.shift();
      else l.earlyParks.push(t);
    } else {
      l.leaving.push(t);
    }
  }

  /** Cars in this garage at `clock` that no sensor has seen park. */
  missing(lotId: string, clock: number): number {
    return (this.lots.get(lotId)?.ins ?? []).filter((t) => t < clock - DRIVE_MS).length;
  }

  /**
   * Whether a car could have come to (`in`: went in within the drive time before `t`) or gone from
   * (`out`: went out within the drive time after `t`) a bay of this garage at `t`. In a busy
   * garage the matching above hides one missing car among those driving; this does not.
   */
  carMoved(lotId: string, direction: 'in' | 'out', t: number): boolean {
    return (this.lots.get(lotId)?.seen[direction] ?? []).some((u) => (direction === 'in' ? u >= t - DRIVE_MS && u <= t : u >= t && u <= t + DRIVE_MS));
  }

  /** Garages heard of (the evidence check's walk). */
  lotIds(): IterableIterator<string> {
    return this.lots.keys();
  }

  doubted(code: string, lotId: string): boolean {
    return this.doubtedIn.get(lotId)?.has(code) ?? false;
  }

  /** The garage's doubted bays are now `codes`; returns the bays whose standing changed. */
  choose(lotId: string, codes: string[]): string[] {
    const before = this.doubtedIn.get(lotId) ?? new Set<string>();
    const after = new Set(codes);
    if (after.size) this.doubtedIn.set(lotId, after); else this.doubtedIn.delete(lotId);
    return [...[...before].filter((c) => !after.has(c)), ...codes.filter((c) => !before.has(c))];
  }

  /** The bays a garage's missing cars are most likely in: `k` free bays on a sensor's word alone, longest unchanged first. */
  static pick(k: number, candidates: Array<{ code: string; since: number | null }>): string[] {
    if (k <= 0) return [];
    return candidates.sort((a, b) => (a.since ?? -Infinity) - (b.since ?? -Infinity) || (a.code < b.code ? -1 : 1)).slice(0, k).map((c) => c.code);
  }
}

/** Drops the leading entries older than `before` (each list is in arrival order, roughly time order). */
function drop(list: number[], before: number): void {
  while (list.length && list[0] < before) list.shift();
}
