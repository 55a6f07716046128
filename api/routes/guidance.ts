import { Type } from '@sinclair/typebox';
import type { App } from '../../core/module.ts';
import type { ApiContext } from '../context.ts';
import { distanceMeters, drivingMinutes, walkingMeters, navigationLinks, type LatLng } from '../../core/geo.ts';
import { Guidance, LatLngQuery } from '../schemas.ts';
import { toLotBody } from '../lot-body.ts';
import type { Lot } from '../availability-cache.ts';
import { localAt, MINUTE_MS } from '../../core/local-time.ts';

// Ranking rule: a driver wants the nearest lot that will still have a space on arrival, at a fair
// price. Walking distance dominates (a 1 km walk is worth little); the chance of a space at the
// estimated arrival (the lot's forecast, issue 15) counts next — without a forecast, free bays now
// with diminishing returns (5 free is nearly as safe as 50); the cheapest candidate scores best on
// price, and lots with mostly unknown bays are trusted less. Without tariffs, price's weight goes to distance.
export function scoreLot(lot: Pick<Lot, 'free' | 'unknown' | 'capacity'>, walkM: number, maxWalkM: number, cheapness: number | null = null, chance: number | null = null): number {
  const near = Math.max(0, 1 - walkM / maxWalkM);
  const room = chance ?? 1 - Math.exp(-lot.free / 5);
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

/** Without the driver's position, the trip is taken as this far (a typical cross-district drive). */
const DEFAULT_TRIP_M = 5_000;
/** A lot full now is still offered when a space is at least this likely by the time the driver arrives. */
const OFFER_FULL_LOT_AT = 0.5;

/** Local clock hour (fractional, to the minute) in `timeZone`. */
const localHour = (timeZone: string, t: Date) => localAt(timeZone, Math.floor(t.getTime() / MINUTE_MS)).minuteOfDay / 60;

/** When a driver leaving `from` now (or from DEFAULT_TRIP_M away) reaches the lot, by distance and time of day. */
export function arrivalAt(lot: Pick<Lot, 'lat' | 'lng' | 'timeZone'>, from: LatLng | null, now: Date): Date {
  const meters = from ? distanceMeters(from, lot) : DEFAULT_TRIP_M;
  return new Date(now.getTime() + Math.round(drivingMinutes(meters, localHour(lot.timeZone, now)) * 60_000));
}

export function guidanceRoutes(app: App, { cache, priceEstimate, arrivalForecast, changes }: ApiContext): void {
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
        fromLat: Type.Optional(Type.Number({ minimum: -90, maximum: 90, description: 'where the driver is now (WGS-84), for the arrival time; without it the trip is taken as 5 km' })),
        fromLng: Type.Optional(Type.Number({ minimum: -180, maximum: 180, description: 'with fromLat' })),
      }),
      response: {
        200: Guidance,
        400: Type.Ref('ErrorBody'),
      },
    },
  }, async (req) => {
    const dest = { lat: req.query.lat, lng: req.query.lng };
    const from = req.query.fromLat !== undefined && req.query.fromLng !== undefined ? { lat: req.query.fromLat, lng: req.query.fromLng } : null;
    const now = new Date();
    const entry = now;
    const exit = new Date(entry.getTime() + (req.query.stay ?? 120) * 60_000);
    const limit = req.query.limit ?? 5;
    let maxWalk = req.query.maxWalk ?? 1500;
    const full = nearestFull(cache.all(), dest, req.query.kind, maxWalk);
    if (full) changes.emit('turnedAway', { lotId: full.id, at: entry.toISOString() });
    let candidates: Array<{ lot: Lot; d: number; walk: number; arrival: Date; chance: number | null }> = [];
    // Widen the search (up to 4×) rather than answer "nothing" in a busy or sparse area.
    for (let widen = 0; widen < 3 && candidates.length < limit; widen++, maxWalk *= 2) {
      candidates = [];
      for (const lot of cache.all()) {
        if (req.query.kind && lot.kind !== req.query.kind) continue;
        const walk = walkingMeters(lot, dest);
        if (walk > maxWalk) continue;
        const arrival = arrivalAt(lot, from, now);
        const chance = arrivalForecast?.chanceOfSpace(lot.id, arrival) ?? null;
        if (lot.free <= 0 && (chance === null || chance < OFFER_FULL_LOT_AT)) continue;
        candidates.push({ lot, d: distanceMeters(lot, dest), walk, arrival, chance });
      }
    }
    const priced = candidates.map((c) => ({ ...c, price: priceEstimate?.(c.lot.id, entry, exit) ?? null }));
    const prices = priced.map((c) => c.price).filter((p): p is number => p !== null);
    const [lo, hi] = [Math.min(...prices), Math.max(...prices)];
    const cheapness = (p: number | null) => (p === null || prices.length === 0 ? null : hi === lo ? 1 : 1 - (p - lo) / (hi - lo));
    const ranked = priced
      .map((c) => ({ ...c, score: scoreLot(c.lot, c.walk, maxWalk, cheapness(c.price), c.chance) }))
      .sort((a, b) => b.score - a.score || a.walk - b.walk)
      .slice(0, limit);
    // The forecast counts the driver as heading to the lot we put first.
    if (ranked[0]) arrivalForecast?.heading(ranked[0].lot.id, ranked[0].arrival);
    return {
      destination: dest,
      options: ranked.map((c) => ({
        lot: toLotBody(c.lot), distanceMeters: Math.round(c.d), walkingMeters: c.walk, score: c.score, priceFen: c.price,
        arrivalAt: c.arrival.toISOString(), chanceOfSpace: c.chance === null ? null : Math.round(c.chance * 100) / 100,
        navigation: navigationLinks({ lat: c.lot.lat, lng: c.lot.lng, name: c.lot.name }),
      })),
    };
  });
}
