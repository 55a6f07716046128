// NGSI-LD entities (ETSI GS CIM 009) following the FIWARE Smart Data Models for parking
// (smart-data-models/dataModel.Parking): a garage is an OffStreetParking, a street segment an
// OnStreetParking, a bay a ParkingSpot. Normalised form by default (each attribute a Property,
// GeoProperty or Relationship with its value, live counts with observedAt); `options=keyValues`
// gives the simplified form the models' JSON schemas describe. Coordinates are GeoJSON, WGS-84,
// [longitude, latitude]. Nothing about who parks: no plates, no sessions.
import type { Lot } from '../availability-cache.ts';
import { siteStatus } from './datex2.ts';

/** The contexts the Smart Data Models' own NGSI-LD examples name, in that order. */
export const NGSI_LD_CONTEXT = ['https://smartdatamodels.org/context.jsonld', 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld'];

export type ParkingType = 'OffStreetParking' | 'OnStreetParking' | 'ParkingSpot';
export const PARKING_TYPES: readonly ParkingType[] = ['OffStreetParking', 'OnStreetParking', 'ParkingSpot'];

export const lotType = (lot: Pick<Lot, 'kind'>): ParkingType => (lot.kind === 'street' ? 'OnStreetParking' : 'OffStreetParking');
export const lotUrn = (lot: Pick<Lot, 'kind' | 'id'>) => `urn:ngsi-ld:${lotType(lot)}:${lot.id}`;
export const spotUrn = (code: string) => `urn:ngsi-ld:ParkingSpot:${code}`;

/** A bay as the ParkingSpot entity needs it (no session, no plate: only whether it is taken). */
export interface SpotRow { code: string; lat: number; lng: number; occupied: boolean | null; since: string | null; lot: Pick<Lot, 'id' | 'kind'> }

type Geometry = { type: 'Point'; coordinates: [number, number] } | { type: 'LineString'; coordinates: Array<[number, number]> };
/** A flat attribute list; `observedAt` marks the live ones. `rel` attributes are Relationships. */
type Attr = { name: string; value: unknown; geo?: true; rel?: true; observedAt?: string | null };
export type Entity = { id: string; type: ParkingType; [attr: string]: unknown };

function render(id: string, type: ParkingType, attrs: Attr[], keyValues: boolean): Entity {
  const e: Entity = { id, type };
  for (const a of attrs) {
    if (keyValues) { e[a.name] = a.value; continue; }
    if (a.rel) e[a.name] = { type: 'Relationship', object: a.value };
    else e[a.name] = { type: a.geo ? 'GeoProperty' : 'Property', value: a.value, ...(a.observedAt ? { observedAt: a.observedAt } : {}) };
  }
  return e;
}

function lotGeometry(lot: Lot): Geometry {
  // A street segment is a line along the kerb; a garage a point at its entrance.
  if (lot.kind === 'street' && lot.path && lot.path.length >= 2) return { type: 'LineString', coordinates: lot.path.map(([lng, lat]) => [lng, lat]) };
  return { type: 'Point', coordinates: [lot.lng, lot.lat] };
}

export function lotEntity(lot: Lot, keyValues: boolean): Entity {
  const street = lot.kind === 'street';
  // Counts only when some bay's state is known: "0 available" of a lot of silent devices would read "full".
  const live = lot.free + lot.occupied > 0 ? lot.updatedAt : null;
  const attrs: Attr[] = [
    { name: 'name', value: lot.name },
    { name: 'alternateName', value: lot.nameEn },
    { name: 'address', value: { streetAddress: lot.address, district: lot.district, addressLocality: '郑州市', addressCountry: 'CN' } },
    { name: 'location', value: lotGeometry(lot), geo: true },
    // OnStreetParking allows one vehicle type (a string), OffStreetParking a list (the first the principal).
    { name: 'allowedVehicleType', value: street ? 'car' : ['car'] },
    { name: 'category', value: street ? ['feeCharged'] : ['public', 'feeCharged'] },
    { name: 'occupancyDetectionType', value: street ? ['singleSpaceDetection'] : ['balancing'] },
  ];
  // OffStreetParking's schema asks totalSpotNumber ≥ 1: a lot without bays leaves it out.
  if (lot.capacity > 0) attrs.push({ name: 'totalSpotNumber', value: lot.capacity });
  if (live) {
    attrs.push(
      { name: 'availableSpotNumber', value: lot.free, observedAt: live },
      { name: 'occupiedSpotNumber', value: lot.occupied, observedAt: live },
      { name: 'status', value: [siteStatus(lot)].filter((s) => s !== 'unknown'), observedAt: live },
      { name: 'dateModified', value: live },
    );
    const known = lot.free + lot.occupied;
    if (known > 0) attrs.push({ name: 'occupancy', value: Math.round((lot.occupied / known) * 10000) / 10000, observedAt: live });
  }
  return render(lotUrn(lot), lotType(lot), attrs.filter((a) => !(Array.isArray(a.value) && a.value.length === 0)), keyValues);
}

export function spotEntity(spot: SpotRow, keyValues: boolean): Entity {
  const status = spot.occupied === null ? 'unknown' : spot.occupied ? 'occupied' : 'free';
  return render(spotUrn(spot.code), 'ParkingSpot', [
    { name: 'name', value: spot.code },
    { name: 'location', value: { type: 'Point', coordinates: [spot.lng, spot.lat] }, geo: true },
    { name: 'status', value: status, observedAt: spot.since },
    { name: 'category', value: [spot.lot.kind === 'street' ? 'onStreet' : 'offStreet'] },
    { name: 'refParkingSite', value: lotUrn(spot.lot), rel: true },
  ], keyValues);
}

/** `urn:ngsi-ld:<Type>:<local id>` → its parts; null for anything else. */
export function parseUrn(urn: string): { type: ParkingType; localId: string } | null {
  const m = /^urn:ngsi-ld:(OffStreetParking|OnStreetParking|ParkingSpot):(.+)$/.exec(urn);
  return m ? { type: m[1] as ParkingType, localId: m[2] } : null;
}
