// The shapes of the operators' sign-in (TypeBox): validation, OpenAPI, and the console's types.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { REFUSAL_CODES } from '../bay-codes.ts';

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

// ---- the estate: lots, bays, devices an operator manages (operators/lots.ts, bays.ts, devices.ts) ----
// No `default`s in the inputs: the PATCH bodies are Partial of them, and a default would overwrite.

const LngLat = Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })], { description: '[lng, lat], WGS-84' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const LotKind = Type.Union([Type.Literal('garage'), Type.Literal('street')]);

const LotFields = {
  name: Type.String({ minLength: 1, maxLength: 100, description: 'Chinese name' }),
  nameEn: Type.String({ minLength: 1, maxLength: 100 }),
  district: Type.String({ minLength: 1, maxLength: 60 }),
  address: Type.String({ maxLength: 200 }),
  lat: Type.Number({ minimum: -90, maximum: 90, description: 'WGS-84; a street segment\'s is computed from its path when absent' }),
  lng: Type.Number({ minimum: -180, maximum: 180 }),
  path: Type.Array(LngLat, { minItems: 2, maxItems: 200, description: 'street segment polyline [[lng,lat],…]; required for a street, absent for a garage' }),
  timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone tariffs are read in; default Asia/Shanghai', examples: ['Asia/Shanghai'] }),
  capacity: Type.Integer({ minimum: 0, maximum: 100_000, description: 'bays counted on the map; raised to the number of bays when bays are added' }),
  accessibleBays: Type.Integer({ minimum: 0, maximum: 100_000 }),
  evBays: Type.Integer({ minimum: 0, maximum: 100_000 }),
  published: Type.Boolean({ description: 'live on the public map; a new lot is unpublished unless this says true' }),
};
export const LotInput = Type.Object({
  id: Type.Optional(Type.String({ pattern: '^[A-Z0-9][A-Z0-9-]{2,31}$', description: 'the lot code (capitals, digits, dashes); generated when absent', examples: ['ZZ-JS-0100'] })),
  kind: LotKind,
  ...LotFields,
  address: Type.Optional(LotFields.address), lat: Type.Optional(LotFields.lat), lng: Type.Optional(LotFields.lng), path: Type.Optional(LotFields.path),
  timeZone: Type.Optional(LotFields.timeZone), capacity: Type.Optional(LotFields.capacity), accessibleBays: Type.Optional(LotFields.accessibleBays),
  evBays: Type.Optional(LotFields.evBays), published: Type.Optional(LotFields.published),
}, { additionalProperties: false });
export type LotInput = Static<typeof LotInput>;
export const LotPatch = Type.Partial(Type.Object(LotFields), { additionalProperties: false, minProperties: 1 });
export type LotPatch = Static<typeof LotPatch>;

export const OperatorLot = Type.Object({
  id: Type.String(), operatorId: Type.String(), kind: LotKind,
  name: Type.String(), nameEn: Type.String(), district: Type.String(), address: Type.String(),
  lat: Type.Number(), lng: Type.Number(), path: Nullable(Type.Array(LngLat)), timeZone: Type.String(),
  capacity: Type.Integer(), accessibleBays: Type.Integer(), evBays: Type.Integer(),
  published: Type.Boolean(), retiredAt: Nullable(Type.String({ format: 'date-time' })),
  bays: Type.Integer({ description: 'bays in service' }), devices: Type.Integer({ description: 'devices registered to the lot' }),
});
export type OperatorLot = Static<typeof OperatorLot>;
export const OperatorLotList = Type.Object({ lots: Type.Array(OperatorLot) });
export type OperatorLotList = Static<typeof OperatorLotList>;
export const LotQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100, description: 'search id, names, district, address' })),
  retired: Type.Optional(Type.Boolean({ description: 'include retired lots (default false)' })),
});
export const LotIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const BayPatternInput = Type.Object({
  pattern: Type.String({ minLength: 1, maxLength: 80, description: 'a code pattern: `A-{001..120}` (a range, zero-padded like its start), or `A-{nnn}` with count', examples: ['A-{001..120}'] }),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000, description: 'how many, with a `{n…}` pattern' })),
  start: Type.Optional(Type.Integer({ minimum: 0, maximum: 999_999, description: 'first number, with a `{n…}` pattern (default 1)' })),
  accessible: Type.Optional(Type.Boolean()),
  evCharging: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type BayPatternInput = Static<typeof BayPatternInput>;
export const CsvInput = Type.Object({
  csv: Type.String({ minLength: 1, maxLength: 1_000_000, description: 'CSV text with a header row' }),
}, { additionalProperties: false });
const Refused = Type.Object({
  row: Type.Integer({ description: 'CSV line (the header is line 1), or position in the pattern from 1' }), code: Type.String(),
  why: Type.String({ description: `why, as a code the console words in zh or en: ${REFUSAL_CODES.join(', ')}, or the API's error code (ONELOT_ERR_…) for a registration it refused` }),
  field: Type.Optional(Type.String({ description: 'the column or field at fault (bad-flag, invalid-field)' })),
  reason: Type.String({ description: 'why, in English with the specifics' }),
});
export const BayReport = Type.Object({ created: Type.Array(Type.String()), refused: Type.Array(Refused) });
export type BayReport = Static<typeof BayReport>;
const SourceWord = Nullable(Type.Object({
  deviceId: Type.String(), occupied: Nullable(Type.Boolean()), at: Type.String({ format: 'date-time', description: 'event time of its last word (a sensor\'s heartbeat restating its reading: to the minute)' }),
}));
/** Why the platform believes the bay's state (ingest/belief.ts, stored in bay_state: migrations/024). */
export const BayEvidence = Type.Object({
  basis: Type.Union(['sensor+camera', 'sensor', 'camera', 'none'].map((b) => Type.Literal(b)), { description: 'the evidence the state rests on' }),
  doubt: Nullable(Type.String({ description: 'null: consistent; camera-pending (normal for seconds), sensor-disagrees, sensor-silent, sensor-stuck, camera-disagrees, camera-silent, no-evidence, gate-count (the garage\'s gates let in a car no sensor saw park)' })),
  believedAt: Nullable(Type.String({ format: 'date-time', description: 'when the platform last decided it (event time); heartbeats restating the sensor\'s reading move it every 30 minutes' })),
  sensor: SourceWord,
  camera: SourceWord,
});
export type BayEvidence = Static<typeof BayEvidence>;
export const OperatorBay = Type.Object({
  code: Type.String(), lotId: Type.String(), lat: Type.Number(), lng: Type.Number(),
  accessible: Type.Boolean(), evCharging: Type.Boolean(), retiredAt: Nullable(Type.String({ format: 'date-time' })),
  occupied: Nullable(Type.Boolean()), devices: Type.Array(Type.String(), { description: 'enabled devices watching the bay' }),
  evidence: BayEvidence,
});
export type OperatorBay = Static<typeof OperatorBay>;
export const OperatorBayList = Type.Object({
  bays: Type.Array(OperatorBay),
  next: Nullable(Type.String({ description: 'more bays follow: pass it as `after` for the next page; null on the last page' })),
});
export const BayQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000, description: 'bays per page (default 500)' })),
  after: Type.Optional(Type.String({ maxLength: 64, description: 'the bay code the previous page ended at (its `next`)' })),
});
export type OperatorBayList = Static<typeof OperatorBayList>;
export const BayPatch = Type.Object({ accessible: Type.Optional(Type.Boolean()), evCharging: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 });
export type BayPatch = Static<typeof BayPatch>;
export const BayCodeParams = Type.Object({ code: Type.String({ maxLength: 64 }) });

export const DeviceInput = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$', description: 'the device id, also its MQTT username', examples: ['sen-ZZ-JS-0100-001'] }),
  kind: Type.Union([Type.Literal('bay-sensor'), Type.Literal('bay-camera'), Type.Literal('gate-camera'), Type.Literal('gateway')]),
  lotId: Type.Optional(Type.String({ maxLength: 64, description: 'required for cameras; a sensor takes its bay\'s lot' })),
  bayCode: Type.Optional(Type.String({ maxLength: 64, description: 'bay-sensor: the bay it sits in' })),
  bays: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 64, description: 'bay-camera: the bays it watches' })),
  lane: Type.Optional(Type.String({ maxLength: 40, description: 'gate-camera: which lane' })),
  gatewayId: Type.Optional(Type.String({ maxLength: 64, description: 'the gateway that publishes for it, if any' })),
}, { additionalProperties: false });
export type DeviceInput = Static<typeof DeviceInput>;
export const OperatorDevice = Type.Object({
  id: Type.String(), kind: Type.String(), lotId: Nullable(Type.String()), bayCode: Nullable(Type.String()), bays: Type.Array(Type.String()),
  lane: Nullable(Type.String()), gatewayId: Nullable(Type.String()), enabled: Type.Boolean(),
  lastSeen: Nullable(Type.String({ format: 'date-time' })), battery: Nullable(Type.Number({ description: 'volts' })),
});
export type OperatorDevice = Static<typeof OperatorDevice>;
export const OperatorDeviceList = Type.Object({
  devices: Type.Array(OperatorDevice),
  next: Nullable(Type.String({ description: 'more devices follow: pass it as `after` for the next page; null on the last page' })),
});
export type OperatorDeviceList = Static<typeof OperatorDeviceList>;
export const DeviceQuery = Type.Object({
  lotId: Type.Optional(Type.String({ maxLength: 64 })), q: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'devices per page (default 200)' })),
  after: Type.Optional(Type.String({ maxLength: 64, description: 'the device id the previous page ended at (its `next`)' })),
});
export const DeviceSecret = Type.Object({ device: OperatorDevice, secret: Type.String({ description: 'shown this once: store it in the device now' }) });
export type DeviceSecret = Static<typeof DeviceSecret>;
export const DeviceImport = Type.Object({
  created: Type.Array(Type.Object({ id: Type.String(), secret: Type.String() }), { description: 'secrets shown this once' }),
  refused: Type.Array(Refused),
});
export type DeviceImport = Static<typeof DeviceImport>;
const DeviceEvent = Type.Object({ type: Type.String(), eventTime: Type.String({ format: 'date-time' }), receivedAt: Type.String({ format: 'date-time' }), bayCode: Nullable(Type.String()), payload: Type.Unknown() });
export const DeviceDetail = Type.Object({
  device: OperatorDevice,
  firmware: Nullable(Type.String({ description: 'as the device last reported it in a heartbeat (`firmware`), if it does' })),
  lastMessage: Nullable(DeviceEvent),
  events: Type.Array(DeviceEvent, { description: 'the last 20 stored messages of the past 7 days' }),
  deadLetters: Type.Array(Type.Object({
    receivedAt: Type.String({ format: 'date-time' }), topic: Type.String(),
    code: Nullable(Type.String({ description: 'why, as a code (core/protocol.ts REJECT_CODES) the console words in zh or en; null on messages refused before codes were kept' })),
    reason: Type.String({ description: 'why, in English with the specifics' }), payload: Type.String(),
  }), { description: 'the last 20 refused messages' }),
});
export type DeviceDetail = Static<typeof DeviceDetail>;
export const DeviceIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const AlertKindSchema = Type.Union([Type.Literal('silent'), Type.Literal('low-battery'), Type.Literal('stuck'), Type.Literal('low-confidence'), Type.Literal('ev-misuse')]);
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
  lastSignInAt: Type.Optional(Type.Union([Iso, Type.Null()], { description: 'in the list only: the last sign-in, from the audit log; null: never' })),
});
export const WithSetupCode = Type.Object({
  account: AccountView,
  setupCode: Type.String({ description: 'one-time: hand it to the person, who signs in with it and chooses a password; shown only now' }),
  setupExpiresAt: Iso,
});
export type AccountView = Static<typeof AccountView>;
export type WithSetupCode = Static<typeof WithSetupCode>;
export const AccountList = Type.Object({ accounts: Type.Array(AccountView) });
export const AccountIdParam = Type.Object({ accountId: Type.String({ minLength: 1, maxLength: 80 }) });

export const NewOperator = Type.Object({
  operatorId: Type.String({ minLength: 2, maxLength: 40, description: 'lowercase letters, digits, dashes', examples: ['op-zzpark'] }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  adminAccount: AccountName,
  adminName: Type.String({ minLength: 1, maxLength: 200 }),
}, { additionalProperties: false });
export const OperatorList = Type.Object({
  operators: Type.Array(Type.Object({
    operatorId: Type.String(), name: Type.String(), lots: Type.Integer(), accounts: Type.Integer(), createdAt: Iso,
    admins: Type.Array(Type.Object({ accountId: Type.String(), active: Type.Boolean(), mustSetPassword: Type.Boolean({ description: 'has not yet signed in with the setup code' }) })),
  })),
});
export type OperatorList = Static<typeof OperatorList>;
export type NewOperator = Static<typeof NewOperator>;

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
export type AccountPatch = Static<typeof AccountPatch>;
export const PasswordChange = Type.Object({
  current: Type.String({ minLength: 1, maxLength: 128 }),
  password: Type.String({ minLength: 10, maxLength: 128 }),
}, { additionalProperties: false });

export const AuditQuery = Type.Object({
  action: Type.Optional(Type.String({ maxLength: 80, description: 'exact action, or a prefix ending in "." (e.g. "account.")' })),
  accountId: Type.Optional(Type.String({ maxLength: 80, description: 'who acted' })),
  operatorId: Type.Optional(Type.String({ maxLength: 40, description: 'city role only: one tenant' })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  objectType: Type.Optional(Type.String({ maxLength: 40, description: 'what was acted on, e.g. account, operator, invoice, exception' })),
  objectId: Type.Optional(Type.String({ maxLength: 80, description: 'which one (its id), e.g. li.wei@zzpark' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'entries to skip: the next page starts at offset + limit' })),
}, { additionalProperties: false });
export type AuditQuery = Static<typeof AuditQuery>;
export const AuditEntries = Type.Object({
  entries: Type.Array(Type.Object({
    id: Type.Integer(), at: Iso, accountId: Type.Union([Type.String(), Type.Null()]), operatorId: Type.Union([Type.String(), Type.Null()]),
    action: Type.String(), objectType: Type.Union([Type.String(), Type.Null()]), objectId: Type.Union([Type.String(), Type.Null()]),
    before: Type.Unknown(), after: Type.Unknown(),
  })),
});
export type AuditEntries = Static<typeof AuditEntries>;
