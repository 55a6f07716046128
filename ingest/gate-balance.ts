// Cars a garage's gates let in that no bay sensor has seen park: the evidence against a sensor that
// says "free" under a car (stuck after a parked truck, or its "taken" report lost until its next
// heartbeat) where no camera watches the bay (issue 13: these were most of the wrong "free"s).
// Each car through the "in" gate waits for a sensor in that garage to turn "taken"; one still
// waiting after DRIVE_MS (longer than any drive from gate to bay) is a car parked where the
// sensors say "free". A car through the "out" gate that no sensor saw leave was such a car leaving.
// Matched in arrival order (which car parked where does not matter, only how many are missing);
// ages in event time. In memory; with several ingest processes (shared), a garage's gate and bay
// reports may come through different ones, so each garage's balance is also kept in the database
// (lot_gate_balance, migration 034): a writer loads it under the lot's lock, folds its batch in and
// writes it back (`state`, `load`); the evidence check keeps its copy current (ingest/gate-store.ts).

import type { IngestEvent } from '../core/ingest-events.ts';
import type { BayUpdate } from './bay-mirror.ts';

/**
 * Longer than a drive from the gate to the farthest bay: the simulated garages take 30 s–3 min
 * (simulators/city-sim.ts GARAGE_DRIVE_MS); a car still unmatched after this is missing, not driving.
 */
export const DRIVE_MS = 5 * 60_000;
/** A sensor's "taken" before its car's gate report (the gate report came late): kept this long to match it. */
const EARLY_PARK_MS = 20 * 60_000;

/** One garage's balance, as lot_gate_balance.state holds it (epoch ms). */
export interface GateLot { ins: number[]; earlyParks: number[]; leaving: number[]; seen: { in: number[]; out: number[] } }

export class GateBalance {
  private lots = new Map<string, GateLot>();
  /** Per garage, the bays shown unknown for its missing cars (the evidence check picks them: ingest/evidence-check.ts). */
  private doubtedBays = new Map<string, Set<string>>();

  private lot(id: string): GateLot {
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

  /**
   * A batch's gate reports, and its sensors' changes of word in garages with gates (`gated`), in
   * arrival order. Returns the garages whose balance moved.
   */
  fold(events: IngestEvent[], updates: BayUpdate[], gated: (lotId: string) => boolean): Set<string> {
    const moved = new Set<string>();
    for (const e of events) {
      const direction = (e.payload as { direction?: string }).direction;
      if (e.type === 'gate' && e.lotId && (direction === 'in' || direction === 'out')) {
        this.gate(e.lotId, direction, e.eventTime.getTime());
        moved.add(e.lotId);
      }
    }
    for (const { record: r, sensorMoved } of updates) {
      if (!sensorMoved || !gated(r.lotId)) continue;
      this.sensor(r.lotId, r.sensorOccupied!, r.sensorTime!);
      moved.add(r.lotId);
    }
    return moved;
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

  /** A garage's balance to store (shared), or undefined when it has none. */
  state(lotId: string): GateLot | undefined {
    return this.lots.get(lotId);
  }

  /**
   * A garage's balance and doubted bays as the database holds them (shared), replacing this
   * process's: null forgets the garage (no row: nothing let in yet).
   */
  load(lotId: string, state: Partial<GateLot> | null, doubted: string[] = []): void {
    if (!state) this.lots.delete(lotId);
    else this.lots.set(lotId, { ins: state.ins ?? [], earlyParks: state.earlyParks ?? [], leaving: state.leaving ?? [], seen: { in: state.seen?.in ?? [], out: state.seen?.out ?? [] } });
    if (doubted.length) this.doubtedBays.set(lotId, new Set(doubted)); else this.doubtedBays.delete(lotId);
  }

  /** Garages heard of, or with bays doubted (the evidence check's walk). */
  lotIds(): Set<string> {
    return new Set([...this.lots.keys(), ...this.doubtedBays.keys()]);
  }

  hasDoubts(lotId: string): boolean {
    return this.doubtedBays.has(lotId);
  }

  /** A garage's doubted bays, sorted. */
  doubtedIn(lotId: string): string[] {
    return [...(this.doubtedBays.get(lotId) ?? [])].sort();
  }

  doubted(code: string, lotId: string): boolean {
    return this.doubtedBays.get(lotId)?.has(code) ?? false;
  }

  /** The garage's doubted bays are now `codes`; returns the bays whose standing changed. */
  choose(lotId: string, codes: string[]): string[] {
    const before = this.doubtedBays.get(lotId) ?? new Set<string>();
    const after = new Set(codes);
    if (after.size) this.doubtedBays.set(lotId, after); else this.doubtedBays.delete(lotId);
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
