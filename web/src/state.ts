// Live state as a pure reducer: the initial load fills it, the SSE stream patches it. Unchanged
// lots keep their object identity, so the map layers can skip them with a `===` check.
import type { AvailabilityEvent, Bay, Lot } from './types.ts';

export interface DetailsState {
  lotId: string;
  bays: readonly Bay[];
}

export interface LiveState {
  lots: ReadonlyMap<string, Lot>;
  /** Bays of the lot open in the details panel (the stream only carries changes). */
  details: DetailsState | null;
}

export type LiveAction =
  | { type: 'lots/loaded'; lots: readonly Lot[] }
  | { type: 'availability'; event: AvailabilityEvent }
  | { type: 'details/loaded'; lot: Lot; bays: readonly Bay[] }
  | { type: 'details/cleared' };

export const initialLive: LiveState = { lots: new Map(), details: null };

/** true when `a` is strictly older than `b` (both known). Stops a late response undoing a newer patch. */
function olderThan(a: string | null, b: string | null): boolean {
  if (!a || !b) return false;
  return Date.parse(a) < Date.parse(b);
}

function samePath(a: Lot['path'], b: Lot['path']): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((p, i) => p[0] === b[i][0] && p[1] === b[i][1]);
}

function sameLot(a: Lot, b: Lot): boolean {
  return (
    a.free === b.free &&
    a.occupied === b.occupied &&
    a.unknown === b.unknown &&
    a.dataQuality === b.dataQuality &&
    a.capacity === b.capacity &&
    a.updatedAt === b.updatedAt &&
    a.lat === b.lat &&
    a.lng === b.lng &&
    a.name === b.name &&
    a.nameEn === b.nameEn &&
    a.kind === b.kind &&
    a.district === b.district &&
    a.address === b.address &&
    samePath(a.path, b.path)
  );
}

/** Merge a fetched lot into what we hold: keep ours if equal, or if a stream patch made it newer. */
function mergeLot(held: Lot | undefined, fetched: Lot): Lot {
  if (!held) return fetched;
  if (sameLot(held, fetched)) return held;
  if (olderThan(fetched.updatedAt, held.updatedAt)) {
    const { free, occupied, unknown, dataQuality, updatedAt } = held;
    const merged = { ...fetched, free, occupied, unknown, dataQuality, updatedAt };
    return sameLot(held, merged) ? held : merged;
  }
  return fetched;
}

function applyAvailability(state: LiveState, event: AvailabilityEvent): LiveState {
  let lots: Map<string, Lot> | null = null;
  for (const p of event.lots ?? []) {
    const held = (lots ?? state.lots).get(p.id);
    // A lot we have never seen has no position to draw; the next full load picks it up.
    if (!held || olderThan(p.updatedAt, held.updatedAt)) continue;
    const dataQuality = p.dataQuality === undefined ? held.dataQuality : p.dataQuality;
    if (held.free === p.free && held.occupied === p.occupied && held.unknown === p.unknown && held.dataQuality === dataQuality && held.updatedAt === p.updatedAt) continue;
    lots ??= new Map(state.lots);
    lots.set(p.id, { ...held, free: p.free, occupied: p.occupied, unknown: p.unknown, dataQuality, updatedAt: p.updatedAt });
  }

  let details = state.details;
  if (details) {
    const open = details.lotId;
    const patches = new Map((event.bays ?? []).filter((b) => b.lotId === open).map((b) => [b.code, b]));
    if (patches.size > 0) {
      let changed = false;
      const bays = details.bays.map((bay) => {
        const p = patches.get(bay.code);
        if (!p || (p.occupied === bay.occupied && p.since === bay.since)) return bay;
        changed = true;
        return { ...bay, occupied: p.occupied, since: p.since };
      });
      if (changed) details = { lotId: open, bays };
    }
  }

  if (!lots && details === state.details) return state;
  return { lots: lots ?? state.lots, details };
}

export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case 'lots/loaded': {
      // A full list: lots missing from it are gone.
      const lots = new Map<string, Lot>();
      let changed = action.lots.length !== state.lots.size;
      for (const lot of action.lots) {
        const held = state.lots.get(lot.id);
        const next = mergeLot(held, lot);
        if (next !== held) changed = true;
        lots.set(lot.id, next);
      }
      return changed ? { ...state, lots } : state;
    }
    case 'availability':
      return applyAvailability(state, action.event);
    case 'details/loaded': {
      const held = state.lots.get(action.lot.id);
      const lot = mergeLot(held, action.lot);
      const lots = lot === held ? state.lots : new Map(state.lots).set(lot.id, lot);
      return { lots, details: { lotId: action.lot.id, bays: action.bays } };
    }
    case 'details/cleared':
      return state.details ? { ...state, details: null } : state;
  }
}
