// The shapes of the operators' sign-in (TypeBox): validation, OpenAPI, and the console's types.
import { Type, type Static } from '@sinclair/typebox';

export const OperatorLogin = Type.Object({
  operatorId: Type.String({ minLength: 1, maxLength: 40, examples: ['op-zzpark'] }),
  password: Type.String({ minLength: 1, maxLength: 128 }),
}, { additionalProperties: false });

export const OperatorToken = Type.Object({ token: Type.String(), operatorId: Type.String(), name: Type.String(), expiresAt: Type.String({ description: 'UTC ISO 8601 instant' }) });
export type OperatorToken = Static<typeof OperatorToken>;
