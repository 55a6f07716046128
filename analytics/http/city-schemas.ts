// The shapes of the city view's route (TypeBox): validation, OpenAPI, and the web console's types.
import { Type, type Static } from '@sinclair/typebox';

const Share = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: '0..1; null without samples' });
const ByHour = Type.Array(Share, { minItems: 24, maxItems: 24, description: 'by local hour of day, 0..23' });

export const CityViewQuery = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 7, maximum: 92, default: 28, description: 'how many days back the typical weekday and weekend are drawn from' })),
}, { additionalProperties: false });

export const CityView = Type.Object({
  from: Type.String({ description: 'UTC ISO 8601' }),
  to: Type.String({ description: 'UTC ISO 8601' }),
  timeZone: Type.String({ description: 'the zone hours are counted in (each lot\'s own)' }),
  lots: Type.Array(Type.Object({
    lotId: Type.String(), name: Type.String(), nameEn: Type.String(), kind: Type.Union([Type.Literal('street'), Type.Literal('garage')]),
    district: Type.String(), lat: Type.Number({ description: 'WGS-84' }), lng: Type.Number({ description: 'WGS-84' }), capacity: Type.Integer(),
    weekday: ByHour, weekend: ByHour,
    fullShare: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: 'share of its 15-minute periods in which it was full at some moment' }),
  })),
  turnedAway: Type.Array(Type.Object({
    district: Type.String(),
    arrivals: Type.Integer({ description: 'guidance requests whose nearest lot (in this district) was full' }),
  })),
});
export type CityViewReport = Static<typeof CityView>;
