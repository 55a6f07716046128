// The shapes of the operators' sign-in (TypeBox): validation, OpenAPI, and the console's types.
import { Type, type Static } from '@sinclair/typebox';

export const OperatorLogin = Type.Object({
  account: Type.String({ minLength: 1, maxLength: 80, description: 'the console account\'s sign-in name', examples: ['op-zzpark'] }),
  password: Type.String({ minLength: 1, maxLength: 128 }),
}, { additionalProperties: false });

export const OperatorRole = Type.Union([Type.Literal('city'), Type.Literal('admin'), Type.Literal('staff')], {
  description: 'city: the platform team, every lot read-only; admin: everything in its operator; staff: day-to-day work of its operator',
});

export const OperatorToken = Type.Object({
  token: Type.String(),
  accountId: Type.String(),
  operatorId: Type.Union([Type.String(), Type.Null()], { description: 'the operator (tenant) the account belongs to; null for the city role' }),
  role: OperatorRole,
  name: Type.String(),
  expiresAt: Type.String({ description: 'UTC ISO 8601 instant' }),
});
export type OperatorToken = Static<typeof OperatorToken>;

export const AlertKindSchema = Type.Union([Type.Literal('silent'), Type.Literal('low-battery'), Type.Literal('stuck'), Type.Literal('low-confidence')]);
export const AlertAction = Type.Union([Type.Literal('acknowledge'), Type.Literal('resolve')]);
const When = Type.Union([Type.String({ description: 'UTC ISO 8601 instant' }), Type.Null()]);
export const DeviceAlertSchema = Type.Object({
  id: Type.Integer(), deviceId: Type.String(), deviceKind: Type.String(), lotId: Type.Union([Type.String(), Type.Null()]), lotName: Type.Union([Type.String(), Type.Null()]),
  kind: AlertKindSchema, status: Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]),
  details: Type.Record(Type.String(), Type.Unknown(), { description: 'the figures that raised it, e.g. lastSeen, batteryV, since, lastHour' }),
  openedAt: Type.String(), acknowledgedAt: When, acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: When, resolvedBy: Type.Union([Type.String(), Type.Null(), ], { description: 'null on a resolved alert: the condition cleared by itself' }), note: Type.Union([Type.String(), Type.Null()]),
});
export const DeviceAlertList = Type.Object({ alerts: Type.Array(DeviceAlertSchema) });
export const AlertCountsSchema = Type.Object({
  open: Type.Integer(), acknowledged: Type.Integer(),
  byLot: Type.Array(Type.Object({ lotId: Type.String(), lotName: Type.String(), open: Type.Integer(), acknowledged: Type.Integer() })),
});
export type DeviceAlertBody = Static<typeof DeviceAlertSchema>;
export type AlertKindBody = Static<typeof AlertKindSchema>;
export type AlertCountsBody = Static<typeof AlertCountsSchema>;
