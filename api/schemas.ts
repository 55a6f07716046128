// The shapes of the shell's routes (TypeBox: validation, types and OpenAPI at once); the web client
// imports their types (type-only), so the browser never re-declares them.
import { Type, type Static } from '@sinclair/typebox';

export const LotSchema = Type.Object({
  id: Type.String({ examples: ['ZZ-JS-0001'] }),
  name: Type.String({ description: 'Chinese name' }),
  nameEn: Type.String(),
  kind: Type.Union([Type.Literal('garage'), Type.Literal('street')]),
  district: Type.String(),
  address: Type.String(),
  lat: Type.Number({ description: 'WGS-84' }),
  lng: Type.Number({ description: 'WGS-84' }),
  capacity: Type.Integer(),
  free: Type.Integer(),
  occupied: Type.Integer(),
  unknown: Type.Integer({ description: 'bays no device has reported yet, or whose device fell silent (never counted free)' }),
  dataQuality: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
    description: 'share of the lot\'s bays whose state rests on fresh, consistent evidence (a sensor and camera that agree, no silent or stuck device, a garage\'s gate count matching its bays); null: no bays',
  }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  path: Type.Union([Type.Array(Type.Tuple([Type.Number(), Type.Number()])), Type.Null()], { description: 'street segment polyline [[lng,lat],…], WGS-84' }),
}, { $id: 'Lot' });
export type LotBody = Static<typeof LotSchema>;

export const BaySchema = Type.Object({
  code: Type.String({ examples: ['ZZ-JS-0005-03'] }),
  lat: Type.Number(),
  lng: Type.Number(),
  accessible: Type.Boolean(),
  evCharging: Type.Boolean(),
  occupied: Type.Union([Type.Boolean(), Type.Null()], { description: 'null: unknown' }),
  since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
}, { $id: 'Bay' });
export type BayBody = Static<typeof BaySchema>;

// References to the shared schemas above, typed (TypeBox 0.34 Refs are untyped by themselves).
const LotRef = Type.Unsafe<LotBody>(Type.Ref('Lot'));
const BayRef = Type.Unsafe<BayBody>(Type.Ref('Bay'));

export const LotList = Type.Object({ lots: Type.Array(LotRef) });
export type LotList = Static<typeof LotList>;
export const LotDetail = Type.Object({ lot: LotRef, bays: Type.Array(BayRef) });
export type LotDetail = Static<typeof LotDetail>;

export const GuidanceOption = Type.Object({
  lot: LotRef,
  distanceMeters: Type.Integer(),
  walkingMeters: Type.Integer({ description: 'estimated walk from the lot to the destination' }),
  score: Type.Number(),
  priceFen: Type.Union([Type.Integer(), Type.Null()], { description: 'what the expected stay would cost, in fen, from the lot\'s tariff; null when unknown' }),
  arrivalAt: Type.String({ format: 'date-time', description: 'estimated arrival: driving time from the driver (or 5 km) by time of day' }),
  chanceOfSpace: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: 'probability of at least one free bay at arrival, from the lot\'s forecast; null without enough history' }),
  navigation: Type.Object({
    amap: Type.String({ description: 'Amap hand-off, GCJ-02' }),
    baidu: Type.String({ description: 'Baidu Maps hand-off, BD-09' }),
    geo: Type.String({ description: 'geo: URI, WGS-84' }),
  }),
});
export type GuidanceOption = Static<typeof GuidanceOption>;
export const Guidance = Type.Object({ destination: Type.Object({ lat: Type.Number(), lng: Type.Number() }), options: Type.Array(GuidanceOption) });
export type Guidance = Static<typeof Guidance>;

export const MapConfig = Type.Object({ tileUrl: Type.String(), center: Type.Object({ lat: Type.Number(), lng: Type.Number() }), zoom: Type.Integer() });
export type MapConfig = Static<typeof MapConfig>;

export const LatLngQuery = {
  lat: Type.Number({ minimum: -90, maximum: 90, description: 'WGS-84 latitude' }),
  lng: Type.Number({ minimum: -180, maximum: 180, description: 'WGS-84 longitude' }),
};
