import { Type } from '@sinclair/typebox';
import type { App, ApiContext } from '../app.ts';
import { distanceMeters, walkingMeters, navigationLinks } from '../../core/geo.ts';
import { LatLngQuery } from '../schemas.ts';
import { toLotBody } from './lots.ts';
import type { Lot } from '../availability-cache.ts';

// Ranking rule: a driver wants the nearest lot that will still have a space on arrival.
// Walking distance dominates (a 1 km walk is worth little), free bays count with diminishing
// returns (5 free is nearly as safe as 50), and lots with mostly unknown bays are trusted less.
export function scoreLot(lot: Pick<Lot, 'free' | 'unknown' | 'capacity'>, walkM: number, maxWalkM: number): number {
  const near = Math.max(0, 1 - walkM / maxWalkM);
  const room = 1 - Math.exp(-lot.free / 5);
  const known = lot.capacity > 0 ? 1 - lot.unknown / lot.capacity : 0;
  return Math.round((0.6 * near + 0.3 * room + 0.1 * known) * 1000) / 1000;
}

export function guidanceRoutes(app: App, { cache }: ApiContext): void {
  app.get('/api/v1/guidance', {
    schema: {
      tags: ['guidance'],
      summary: 'The best lots to head for to reach a destination, with navigation hand-off links',
      querystring: Type.Object({
        ...LatLngQuery,
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5 })),
        maxWalk: Type.Optional(Type.Integer({ minimum: 100, maximum: 5000, default: 1500, description: 'longest acceptable walk, metres' })),
        kind: Type.Optional(Type.Union([Type.Literal('garage'), Type.Literal('street')])),
      }),
      response: {
        200: Type.Object({
          destination: Type.Object({ lat: Type.Number(), lng: Type.Number() }),
          options: Type.Array(Type.Object({
            lot: Type.Ref('Lot'),
            distanceMeters: Type.Integer(),
            walkingMeters: Type.Integer({ description: 'estimated walk from the lot to the destination' }),
            score: Type.Number(),
            navigation: Type.Object({
              amap: Type.String({ description: 'Amap hand-off, GCJ-02' }),
              baidu: Type.String({ description: 'Baidu Maps hand-off, BD-09' }),
              geo: Type.String({ description: 'geo: URI, WGS-84' }),
            }),
          })),
        }),
        400: Type.Ref('ErrorBody'),
      },
    },
  }, async (req) => {
    const dest = { lat: req.query.lat, lng: req.query.lng };
    const limit = req.query.limit ?? 5;
    let maxWalk = req.query.maxWalk ?? 1500;
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
    const ranked = candidates
      .map((c) => ({ ...c, score: scoreLot(c.lot, c.walk, maxWalk) }))
      .sort((a, b) => b.score - a.score || a.walk - b.walk)
      .slice(0, limit);
    return {
      destination: dest,
      options: ranked.map((c) => ({
        lot: toLotBody(c.lot), distanceMeters: Math.round(c.d), walkingMeters: c.walk, score: c.score,
        navigation: navigationLinks({ lat: c.lot.lat, lng: c.lot.lng, name: c.lot.name }),
      })),
    };
  });
}
