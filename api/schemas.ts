// Response and request schemas shared by the routes (TypeBox: validation, types and OpenAPI at once).
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
  unknown: Type.Integer({ description: 'bays no device has reported yet' }),
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

export const LatLngQuery = {
  lat: Type.Number({ minimum: -90, maximum: 90, description: 'WGS-84 latitude' }),
  lng: Type.Number({ minimum: -180, maximum: 180, description: 'WGS-84 longitude' }),
};
