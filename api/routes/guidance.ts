import { Type } from '@sinclair/typebox';
import type { App } from '../../core/module.ts';
import type { ApiContext } from '../context.ts';
import { distanceMeters, walkingMeters, navigationLinks } from '../../core/geo.ts';
import { Guidance, LatLngQuery } from '../schemas.ts';
import { toLotBody } from '../lot-body.ts';
import type { Lot } from '../availability-cache.ts';

// Ranking rule: a driver wants the nearest lot that will still have a space on arrival, at a fair
// price. Walking distance dominates (a 1 km walk is worth little), free bays count with diminishing
// returns (5 free is nearly as safe as 50), the cheapest candidate scores best on price, and lots
// with mostly unknown bays are trusted less. Without tariffs, price's weight goes to distance.
export function scoreLot(lot: Pick<Lot, 'free' | 'unknown' | 'capacity'>, walkM: number, maxWalkM: number, cheapness: number | null = null): number {
  const near = Math.max(0, 1 - walkM / maxWalkM);
  const room = 1 - Math.exp(-lot.free / 5);
  const known = lot.capacity > 0 ? 1 - lot.unknown / lot.capacity : 0;
  const score = cheapness === null
    ? 0.6 * near + 0.3 * room + 0.1 * known
    : 0.45 * near + 0.3 * room + 0.15 * cheapness + 0.1 * known;
  return Math.round(score * 1000) / 1000;
}

/**
 * The lot a driver heading for `dest` would have tried first: the nearest by walking of the asked
 * kind, within `maxWalk`, whose bays are known (a lot of silent devices tells nothing). When it is
 * full, guidance turned that arrival away from it (core/changes.ts TurnedAway).
 */
export function nearestFull(lots: Iterable<Lot>, dest: { lat: number; lng: number }, kind: string | undefined, maxWalk: number): Lot | null {
  let best: Lot | null = null;
  let bestWalk = maxWalk;
  for (const lot of lots) {
    if ((kind && lot.kind !== kind) || lot.free + lot.occupied === 0) continue;
    const walk = walkingMeters(lot, dest);
    if (walk <= bestWalk) { best = lot; bestWalk = walk; }
  }
  return best && best.free === 0 ? best : null;
}

export function guidanceRoutes(app: App, { cache, priceEstimate, changes }: ApiContext): void {
  app.get('/api/v1/guidance', {
    schema: {
      tags: ['guidance'],
      summary: 'The best lots to head for to reach a destination, with navigation hand-off links',
      querystring: Type.Object({
        ...LatLngQuery,
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5 })),
        maxWalk: Type.Optional(Type.Integer({ minimum: 100, maximum: 5000, default: 1500, description: 'longest acceptable walk, metres' })),
        kind: Type.Optional(Type.Union([Type.Literal('garage'), Type.Literal('street')])),
        stay: Type.Optional(Type.Integer({ minimum: 15, maximum: 1440, default: 120, description: 'expected stay in minutes, for the price estimate' })),
      }),
      response: {
        200: Guidance,
        400: Type.Ref('ErrorBody'),
      },
    },
  }, async (req) => {
    const dest = { lat: req.query.lat, lng: req.query.lng };
    const entry = new Date();
    const exit = new Date(entry.getTime() + (req.query.stay ?? 120) * 60_000);
    const limit = req.query.limit ?? 5;
    let maxWalk = req.query.maxWalk ?? 1500;
    const full = nearestFull(cache.all(), dest, req.query.kind, maxWalk);
    if (full) changes.emit('turnedAway', { lotId: full.id, at: entry.toISOString() });
    let candidates: Array<{ lot: Lot; d: number; walk: number }> = [];
    // Widen the search (up to 4×) rather than answer "nothing" in a busy or sparse area.
    for (let widen = 0; widen < 3 && candidates.length < limit; widen++, maxWalk *= 2) {
      candidates = [];
      for (const lot of cache.all()) {
        if (lot.free <= 0 || (req.query.kind && lot.kind !== req.query.kind)) continue;
        const walk = walkingMeters(lot, dest);
        if (walk > maxWalk) continue;
        candidates.push({ lot, d: distanceMeters(lot, dest), walk });
      }
    }
    const priced = candidates.map((c) => ({ ...c, price: priceEstimate?.(c.lot.id, entry, exit) ?? null }));
    const prices = priced.map((c) => c.price).filter((p): p is number => p !== null);
    const [lo, hi] = [Math.min(...prices), Math.max(...prices)];
    const cheapness = (p: number | null) => (p === null || prices.length === 0 ? null : hi === lo ? 1 : 1 - (p - lo) / (hi - lo));
    const ranked = priced
      .map((c) => ({ ...c, score: scoreLot(c.lot, c.walk, maxWalk, cheapness(c.price)) }))
      .sort((a, b) => b.score - a.score || a.walk - b.walk)
      .slice(0, limit);
    return {
      destination: dest,
      options: ranked.map((c) => ({
        lot: toLotBody(c.lot), distanceMeters: Math.round(c.d), walkingMeters: c.walk, score: c.score, priceFen: c.price,
        navigation: navigationLinks({ lat: c.lot.lat, lng: c.lot.lng, name: c.lot.name }),
      })),
    };
  });
}
