// ParkAPI v3 "parking sites" (ParkenDD/park-api-v3, the schema of its public `/v3/parking-sites`
// and of the sources it reads: ParkenDD/ParkAPI2-sources docs/schema/parking-site.json): one site
// per published lot, its static capacity and its realtime free capacity. Coordinates are WGS-84
// decimal strings (the schema's pattern allows at most 7 decimals: ~1 cm). No plates, no sessions.
import { Type, type Static } from '@sinclair/typebox';
import type { Lot } from '../availability-cache.ts';

/** OneLot is the one source of its own feed (ParkAPI numbers sources from 1). */
const SOURCE_ID = 1;

const Count = Type.Integer({ minimum: 0 });
const Instant = Type.String({ format: 'date-time' });
export const ParkApiSite = Type.Object({
  source_id: Type.Integer({ minimum: 1 }),
  original_uid: Type.String({ maxLength: 256, description: 'the lot id' }),
  name: Type.String({ maxLength: 256 }),
  address: Type.String({ maxLength: 512 }),
  type: Type.Union([Type.Literal('CAR_PARK'), Type.Literal('ON_STREET')]),
  purpose: Type.Literal('CAR'),
  lat: Type.String({ description: 'WGS-84 latitude, decimal string' }),
  lon: Type.String({ description: 'WGS-84 longitude, decimal string' }),
  capacity: Count,
  has_realtime_data: Type.Boolean(),
  static_data_updated_at: Instant,
  realtime_opening_status: Type.Optional(Type.Union([Type.Literal('OPEN'), Type.Literal('CLOSED'), Type.Literal('UNKNOWN')])),
  realtime_capacity: Type.Optional(Count),
  realtime_free_capacity: Type.Optional(Count),
  realtime_data_updated_at: Type.Optional(Instant),
});
export type ParkApiSite = Static<typeof ParkApiSite>;
export const ParkApiSites = Type.Object({ items: Type.Array(ParkApiSite) });

/** ParkAPI's lat/lon pattern: `^[+-]?[0-9]{0,3}\.?[0-9]{0,7}$`. */
export const decimal7 = (x: number): string => x.toFixed(7);

export function parkApiSite(lot: Lot, lang: 'zh' | 'en', staticUpdatedAt: Date): ParkApiSite {
  const site: ParkApiSite = {
    source_id: SOURCE_ID,
    original_uid: lot.id,
    name: lang === 'en' ? lot.nameEn : lot.name,
    address: lot.address,
    type: lot.kind === 'street' ? 'ON_STREET' : 'CAR_PARK',
    purpose: 'CAR',
    lat: decimal7(lot.lat),
    lon: decimal7(lot.lng),
    capacity: lot.capacity,
    // Every bay has a sensor or the garage a gate camera: live counts, once a device has reported.
    has_realtime_data: lot.updatedAt !== null,
    static_data_updated_at: staticUpdatedAt.toISOString(),
  };
  if (lot.updatedAt === null) return site;
  // No bay's state is known (every device silent): say so rather than "0 free", which reads "full".
  if (lot.free + lot.occupied === 0) return { ...site, realtime_opening_status: 'UNKNOWN', realtime_data_updated_at: lot.updatedAt };
  // Bays whose device is silent are neither free nor counted as capacity one can use right now.
  return {
    ...site,
    realtime_opening_status: 'OPEN',
    realtime_capacity: lot.free + lot.occupied,
    realtime_free_capacity: lot.free,
    realtime_data_updated_at: lot.updatedAt,
  };
}
