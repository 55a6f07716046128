// The shapes of the operators' analytics route (TypeBox): validation, OpenAPI, and the web console's types.
import { Type, type Static } from '@sinclair/typebox';

const Iso = Type.String({ description: 'UTC ISO 8601 instant' });
const Fen = Type.Integer({ description: 'integer fen (CNY cents)' });
const Ratio = Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'occupied share of the bays, 0..1; null without samples' });
const Minutes = Type.Union([Type.Number(), Type.Null()]);

export const AnalyticsQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'start (inclusive); default: 7 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'end (exclusive); default: now' })),
  lotId: Type.Optional(Type.String({ maxLength: 40, description: 'one lot only' })),
}, { additionalProperties: false });
export const Analytics = Type.Object({
  from: Iso,
  to: Iso,
  lotId: Type.Union([Type.String(), Type.Null()]),
  timeZone: Type.String({ description: 'the zone hours and days are counted in (each lot\'s own)' }),
  totals: Type.Object({
    lots: Type.Integer(), bays: Type.Integer(),
    sessions: Type.Integer({ description: 'parking periods that began in the range (anonymous sensor-only ones included)' }),
    closed: Type.Integer({ description: 'parking periods that ended in the range' }),
    avgStayMinutes: Minutes,
    invoicedFen: Fen, paidFen: Fen,
    outstandingFen: Type.Integer({ description: 'of the invoices issued in the range, what is still owed' }),
    overdueFen: Type.Integer({ description: 'of that, what is past its due date' }),
    inReview: Type.Integer({ description: 'sessions waiting for an operator now' }),
    openExceptions: Type.Integer({ description: 'unresolved exceptions now' }),
  }),
  byLot: Type.Array(Type.Object({
    lotId: Type.String(), name: Type.String(), nameEn: Type.String(), kind: Type.Union([Type.Literal('street'), Type.Literal('garage')]),
    bays: Type.Integer(), sessions: Type.Integer(), avgStayMinutes: Minutes,
    turnover: Type.Number({ description: 'parking periods per bay per day' }),
    invoicedFen: Fen, paidFen: Fen, avgOccupancy: Ratio, peakOccupancy: Ratio,
  })),
  hourly: Type.Array(Type.Object({ hour: Type.Integer({ minimum: 0, maximum: 23 }), entries: Type.Integer(), avgOccupancy: Ratio })),
  daily: Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD, local' }), sessions: Type.Integer(), invoicedFen: Fen, paidFen: Fen })),
});

export type AnalyticsReport = Static<typeof Analytics>;

// The city view (analytics/city-view.ts): the city's picture by hour of a typical weekday and weekend.

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

// ---- free bays at arrival (issue 15): GET /api/v1/lots/:id/forecast ----
export const LotForecast = Type.Object({
  lotId: Type.String(),
  computedAt: Type.String({ format: 'date-time', description: 'when the curve was computed (every 2 minutes)' }),
  free: Type.Integer({ description: 'free bays when it was computed' }),
  historyDays: Type.Union([Type.Number(), Type.Null()], { description: 'days of the lot\'s own history the model was fitted on; null: under a week, no forecast yet (steps is empty)' }),
  steps: Type.Array(Type.Object({
    at: Type.String({ format: 'date-time' }),
    free: Type.Number({ description: 'expected free bays' }),
    typical: Type.Number({ description: 'free bays at this time of the week on average (the profile alone)' }),
    chance: Type.Number({ minimum: 0, maximum: 1, description: 'probability of at least one free bay, calibrated on the lot\'s own history' }),
  }), { description: 'the next 2 hours in 15-minute steps' }),
});
export type LotForecast = Static<typeof LotForecast>;
