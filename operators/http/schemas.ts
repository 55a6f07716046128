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
