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

export const PasswordSetup = Type.Object({
  account: Type.String({ minLength: 1, maxLength: 80 }),
  code: Type.String({ minLength: 1, maxLength: 64, description: 'the one-time setup code the admin (or, for a new operator, the city) handed over' }),
  password: Type.String({ minLength: 10, maxLength: 128, description: 'the password chosen: at least 10 characters' }),
}, { additionalProperties: false });

const Iso = Type.String({ description: 'UTC ISO 8601 instant' });
const AccountName = Type.String({ minLength: 2, maxLength: 80, description: 'the sign-in name: lowercase letters, digits, . @ _ -', examples: ['li.wei@zzpark'] });

export const AccountView = Type.Object({
  accountId: Type.String(), operatorId: Type.Union([Type.String(), Type.Null()]), role: OperatorRole, name: Type.String(), active: Type.Boolean(),
  mustSetPassword: Type.Boolean({ description: 'true until the person has chosen a password with the setup code' }),
  refundLimitFen: Type.Union([Type.Integer(), Type.Null()], { description: 'staff: refunds above it are refused (null: none allowed)' }),
  createdAt: Iso,
});
export const WithSetupCode = Type.Object({
  account: AccountView,
  setupCode: Type.String({ description: 'one-time: hand it to the person, who signs in with it and chooses a password; shown only now' }),
  setupExpiresAt: Iso,
});
export const AccountList = Type.Object({ accounts: Type.Array(AccountView) });
export const AccountIdParam = Type.Object({ accountId: Type.String({ minLength: 1, maxLength: 80 }) });

export const NewOperator = Type.Object({
  operatorId: Type.String({ minLength: 2, maxLength: 40, description: 'lowercase letters, digits, dashes', examples: ['op-zzpark'] }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  adminAccount: AccountName,
  adminName: Type.String({ minLength: 1, maxLength: 200 }),
}, { additionalProperties: false });
export const OperatorList = Type.Object({
  operators: Type.Array(Type.Object({ operatorId: Type.String(), name: Type.String(), lots: Type.Integer(), accounts: Type.Integer(), createdAt: Iso })),
});

export const NewAccount = Type.Object({
  accountId: AccountName,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('staff')], { default: 'staff' }),
  refundLimitFen: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
}, { additionalProperties: false });
export const AccountPatch = Type.Object({
  active: Type.Optional(Type.Boolean({ description: 'false disables the account and ends its sessions at once' })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  refundLimitFen: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 100_000_000 }), Type.Null()])),
}, { additionalProperties: false, minProperties: 1 });
export const PasswordChange = Type.Object({
  current: Type.String({ minLength: 1, maxLength: 128 }),
  password: Type.String({ minLength: 10, maxLength: 128 }),
}, { additionalProperties: false });

export const AuditQuery = Type.Object({
  action: Type.Optional(Type.String({ maxLength: 80, description: 'exact action, or a prefix ending in "." (e.g. "account.")' })),
  accountId: Type.Optional(Type.String({ maxLength: 80, description: 'who acted' })),
  operatorId: Type.Optional(Type.String({ maxLength: 40, description: 'city role only: one tenant' })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
}, { additionalProperties: false });
export const AuditEntries = Type.Object({
  entries: Type.Array(Type.Object({
    id: Type.Integer(), at: Iso, accountId: Type.Union([Type.String(), Type.Null()]), operatorId: Type.Union([Type.String(), Type.Null()]),
    action: Type.String(), objectType: Type.Union([Type.String(), Type.Null()]), objectId: Type.Union([Type.String(), Type.Null()]),
    before: Type.Unknown(), after: Type.Unknown(),
  })),
});
