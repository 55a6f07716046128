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

interface Lot { ins: number[]; earlyParks: number[]; leaving: number[]; unseenOuts: number[] }

export class GateBalance {
  private lots = new Map<string, Lot>();
  /** Per garage, the bays shown unknown for its missing cars (the evidence check picks them: ingest/evidence-check.ts). */
  private doubtedIn = new Map<string, Set<string>>();

  private lot(id: string): Lot {
    let l = this.lots.get(id);
    if (!l) this.lots.set(id, (l = { ins: [], earlyParks: [], leaving: [], unseenOuts: [] }));
    return l;
  }

  /** A gate camera saw a car go in or out at `t`. */
  gate(lotId: string, direction: 'in' | 'out', t: number): void {
    const l = this.lot(lotId);
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
    else {
      // A car out that no sensor saw leave: maybe from under a sensor stuck on "taken".
      drop(l.unseenOuts, t - EARLY_PARK_MS);
      l.unseenOuts.push(t);
    }
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

  /** Whether a car drove out unseen by any sensor within the drive time after `t`. */
  leftUnseen(lotId: string, t: number): boolean {
    return (this.lots.get(lotId)?.unseenOuts ?? []).some((u) => u >= t && u <= t + DRIVE_MS);
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
