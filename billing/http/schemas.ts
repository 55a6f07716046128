// The shapes of billing's routes (TypeBox): they validate and document the routes, and the web
// client imports their types (type-only), so the browser never re-declares them.
import { REVIEW_REASON_CODES } from '../review-reasons.ts';
import { Type, type Static } from '@sinclair/typebox';
import { TariffSchema } from '../tariff.ts';

const Iso = Type.String({ description: 'UTC ISO 8601 instant' });
const Explanation = Type.Object({ zh: Type.Array(Type.String()), en: Type.Array(Type.String()) });

export const PublicInvoice = Type.Object({
  id: Type.Integer(),
  plate: Type.String({ description: 'masked, e.g. 豫A·***45' }),
  lotId: Type.String(),
  lotName: Type.String(),
  lotNameEn: Type.String(),
  entryTime: Iso,
  exitTime: Iso,
  amountFen: Type.Integer(),
  status: Type.String({ description: 'outstanding | paying | paid | void | refunded' }),
  overdue: Type.Boolean(),
  issuedAt: Iso,
  dueAt: Iso,
  tariff: Type.Object({ id: Type.String(), version: Type.Integer() }),
  lines: Type.Array(Type.Object({ kind: Type.String(), description: Type.String(), amountFen: Type.Integer(), from: Iso, to: Type.String() })),
  explanation: Explanation,
});
export type PublicInvoice = Static<typeof PublicInvoice>;

export const PlateInvoices = Type.Object({ plate: Type.String(), invoices: Type.Array(PublicInvoice), totalFen: Type.Integer(), overdueFen: Type.Integer() });
export type PlateInvoices = Static<typeof PlateInvoices>;

// The tariff as stored, without its $id so it can sit inside a route's response schema.
const { $id: _tariffId, ...TariffBody } = TariffSchema;
export const LotTariff = Type.Object({
  lotId: Type.String(), tariffId: Type.String(), tariff: TariffBody,
  examples: Type.Array(Type.Object({ stayMinutes: Type.Integer(), entry: Iso, totalFen: Type.Integer(), explanation: Explanation })),
});
export type LotTariff = Static<typeof LotTariff>;

export const ReviewSession = Type.Object({
  id: Type.Integer(), lotId: Type.String(), bayCode: Type.Union([Type.String(), Type.Null()]), plate: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(), entryTime: Iso, exitTime: Type.Union([Iso, Type.Null()]),
  entryConfidence: Type.Union([Type.Number(), Type.Null()]), exitConfidence: Type.Union([Type.Number(), Type.Null()]),
  exitPlateRead: Type.Union([Type.String(), Type.Null()]), matchMethod: Type.Union([Type.String(), Type.Null()]),
  reviewReason: Type.Union([Type.String(), Type.Null()], { description: 'the stored reason, in English (for the log)' }),
  reviewReasons: Type.Array(Type.Union(REVIEW_REASON_CODES.map((c) => Type.Literal(c))), { description: 'the same as codes, which the console shows in zh or en' }),
  invoice: Type.Union([Type.Object({ id: Type.Integer(), amountFen: Type.Integer(), status: Type.String() }), Type.Null()]),
});
export type ReviewSession = Static<typeof ReviewSession>;

export const SessionException = Type.Object({
  id: Type.Integer(), kind: Type.String(), lotId: Type.String(), plate: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.Integer(), Type.Null()]), deviceId: Type.Union([Type.String(), Type.Null()]), seq: Type.Union([Type.Integer(), Type.Null()]),
  eventTime: Iso, detail: Type.String(), resolvedAt: Type.Union([Iso, Type.Null()]), createdAt: Iso,
});
export type SessionException = Static<typeof SessionException>;

export const ReviewQueue = Type.Object({ sessions: Type.Array(ReviewSession), exceptions: Type.Array(SessionException) });
export type ReviewQueue = Static<typeof ReviewQueue>;

export const ResolveAction = Type.Union([Type.Literal('dismiss'), Type.Literal('approve'), Type.Literal('void')], {
  description: 'dismiss: nothing else changes; approve: a session in review becomes closed (chargeable); void: its outstanding (or held) invoice is voided',
});
export type ResolveAction = Static<typeof ResolveAction>;
export const ResolveBody = Type.Object({ action: ResolveAction, note: Type.Optional(Type.String({ maxLength: 500 })) });
export const Resolution = Type.Object({ exception: SessionException, session: Type.Union([ReviewSession, Type.Null()]) });
export type Resolution = Static<typeof Resolution>;

export const ArrearsPlate = Type.Object({ plate: Type.String(), count: Type.Integer(), totalFen: Type.Integer(), oldestDueAt: Iso });
export type ArrearsPlate = Static<typeof ArrearsPlate>;
export const ArrearsPlates = Type.Object({ plates: Type.Array(ArrearsPlate) });
