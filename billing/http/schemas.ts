// The shapes of billing's routes (TypeBox): they validate and document the routes, and the web
// client imports their types (type-only), so the browser never re-declares them.
import { REVIEW_REASON_CODES } from '../review-reasons.ts';
import { ADJUSTMENT_REASON_CODES, AdjustmentReason } from '../adjustment-reasons.ts';
import { ExceptionDetail } from '../exception-details.ts';
import { Type, type Static } from '@sinclair/typebox';
import { TariffSchema } from '../tariff.ts';

const Iso = Type.String({ description: 'UTC ISO 8601 instant' });
const Explanation = Type.Object({ zh: Type.Array(Type.String()), en: Type.Array(Type.String()) });

export const PublicInvoice = Type.Object({
  ref: Type.String({ description: 'public reference (random, unguessable): pay with POST /api/v1/invoices/{ref}/pay' }),
  plate: Type.String({ description: 'masked, e.g. 豫A·***45' }),
  lotId: Type.String(),
  lotName: Type.String(),
  lotNameEn: Type.String(),
  date: Type.String({ description: "the stay's local date in the lot's time zone, YYYY-MM-DD (no times: plates are personal data)" }),
  amountFen: Type.Integer(),
  status: Type.String({ description: 'outstanding | paying (nothing paid, refunded or void is shown)' }),
  overdue: Type.Boolean(),
  dueDate: Type.String({ description: "the last day to pay (lot's time zone), YYYY-MM-DD" }),
  tariff: Type.Object({ id: Type.String(), version: Type.Integer() }, { description: 'the tariff that priced it: GET /api/v1/lots/{lotId}/tariff' }),
});
export type PublicInvoice = Static<typeof PublicInvoice>;

export const PlateInvoices = Type.Object({ plate: Type.String(), invoices: Type.Array(PublicInvoice), totalFen: Type.Integer(), overdueFen: Type.Integer() });
export type PlateInvoices = Static<typeof PlateInvoices>;

// The tariff as stored, without its $id so it can sit inside a route's response schema.
const { $id: _tariffId, ...TariffBody } = TariffSchema;


export const ReviewSession = Type.Object({
  id: Type.Integer(), lotId: Type.String(), bayCode: Type.Union([Type.String(), Type.Null()]), plate: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(), entryTime: Iso, exitTime: Type.Union([Iso, Type.Null()]),
  entryConfidence: Type.Union([Type.Number(), Type.Null()]), exitConfidence: Type.Union([Type.Number(), Type.Null()]),
  exitPlateRead: Type.Union([Type.String(), Type.Null()]), matchMethod: Type.Union([Type.String(), Type.Null()]),
  reviewReason: Type.Union([Type.String(), Type.Null()], { description: 'the stored reason, in English (for the log)' }),
  reviewReasons: Type.Array(Type.Union(REVIEW_REASON_CODES.map((c) => Type.Literal(c))), { description: 'the same as codes, which the console shows in zh or en' }),
  invoice: Type.Union([Type.Object({ id: Type.Integer(), amountFen: Type.Integer(), status: Type.String() }), Type.Null()]),
  plateCertainty: Type.Union([Type.Literal('certain'), Type.Literal('uncertain'), Type.Literal('pending'), Type.Literal('confirmed')], {
    description: 'uncertain: the invoice is nobody\'s bill until approved (docs/plates.md); confirmed: an operator approved the plate',
  }),
  plateEvidence: Type.Union([Type.Object({
    rule: Type.String({ description: 'the plate rule that decided (docs/plates.md)' }),
    reads: Type.Array(Type.Object({
      role: Type.String({ description: 'entry, sighting or exit' }), deviceId: Type.String(), seq: Type.Integer(), at: Iso,
      read: Type.String(), confidence: Type.Union([Type.Number(), Type.Null()]), color: Type.Union([Type.String(), Type.Null()]),
    })),
    candidates: Type.Array(Type.String(), { description: 'the plates the reads could name, the best first' }),
    confusableInLot: Type.Array(Type.String(), { description: 'other cars open at the lot with confusable plates' }),
  }), Type.Null()], { description: 'every read of the vehicle and the rule that judged its plate; null on stays closed before reads were kept' }),
});
export type ReviewSession = Static<typeof ReviewSession>;

export const SessionException = Type.Object({
  id: Type.Integer(), kind: Type.String(), lotId: Type.String(), plate: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.Integer(), Type.Null()]), deviceId: Type.Union([Type.String(), Type.Null()]), seq: Type.Union([Type.Integer(), Type.Null()]),
  eventTime: Iso,
  detail: Type.String({ description: 'what happened, in English (for the log and the database reader); resolutions are appended' }),
  detailCoded: Type.Union([ExceptionDetail, Type.Null()], { description: 'the same as a code and parameters, which the console words in zh or en; null on exceptions written before codes' }),
  timeZone: Type.String({ description: 'the lot\'s time zone: the console shows the times of the detail in it' }),
  resolvedAt: Type.Union([Iso, Type.Null()]), createdAt: Iso,
});
export type SessionException = Static<typeof SessionException>;

export const ReviewQueue = Type.Object({ sessions: Type.Array(ReviewSession), exceptions: Type.Array(SessionException) });
export type ReviewQueue = Static<typeof ReviewQueue>;

export const ResolveAction = Type.Union([Type.Literal('dismiss'), Type.Literal('approve'), Type.Literal('void')], {
  description: 'dismiss: nothing else changes; approve: a session in review becomes closed (chargeable); void: its outstanding (or held) invoice is voided',
});
export type ResolveAction = Static<typeof ResolveAction>;
export const ResolveBody = Type.Object({
  action: ResolveAction, note: Type.Optional(Type.String({ maxLength: 500 })),
  reason: Type.Optional(AdjustmentReason), // required to void (review.ts): why the stay is owed no more
});
export const Resolution = Type.Object({ exception: SessionException, session: Type.Union([ReviewSession, Type.Null()]) });
export type Resolution = Static<typeof Resolution>;

export const ArrearsPlate = Type.Object({ plate: Type.String(), count: Type.Integer(), totalFen: Type.Integer(), oldestDueAt: Iso });
export type ArrearsPlate = Static<typeof ArrearsPlate>;
export const ArrearsPlates = Type.Object({ plates: Type.Array(ArrearsPlate) });

// ---------------------------------------------------------------------------------------------
// Tariff versions in the console (billing/http/tariffs.ts) and on the lot's public page.

const { id: _id, lotId: _lotId, version: _version, validFrom, ...draftFields } = TariffBody.properties;
/** A tariff as the composer sends it: the server assigns id, lotId and version; validFrom is set when scheduling. */
export const TariffDraft = Type.Object({ ...draftFields, validFrom: Type.Optional(validFrom) }, { additionalProperties: false });
export type TariffDraft = Static<typeof TariffDraft>;
const Lang = Type.Object({ zh: Type.String(), en: Type.String() });
export const PricedStay = Type.Object({
  label: Lang, entry: Iso, exit: Iso, plateKind: Type.String(), stayMinutes: Type.Integer(), totalFen: Type.Integer(), explanation: Explanation,
});
export const VersionStatus = Type.Union(['draft', 'pending', 'rejected', 'scheduled', 'in-force', 'past'].map((s) => Type.Literal(s)), {
  description: 'draft: editable; pending: scheduled at a street lot, waiting for the city; rejected: see rejection; scheduled: approved, from validFrom; in-force: prices stays entering now; past: superseded',
});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const TariffVersion = Type.Object({
  tariffId: Type.String(), version: Type.Integer(), status: VersionStatus,
  shared: Type.Boolean({ description: 'a version of the family the lot shares (read-only here)' }),
  validFrom: Iso, tariff: TariffBody,
  createdBy: Nullable(Type.String()), scheduledAt: Nullable(Iso), decidedAt: Nullable(Iso), decidedBy: Nullable(Type.String()), rejection: Nullable(Type.String()),
});
export type TariffVersion = Static<typeof TariffVersion>;
export const LotRefSchema = Type.Object({ id: Type.String(), kind: Type.String(), name: Type.String(), nameEn: Type.String(), timeZone: Type.String(), approvalBy: Type.String({ description: 'city: street prices need its approval; operator: a garage publishes on scheduling' }) });
export const LotVersions = Type.Object({ lot: LotRefSchema, versions: Type.Array(TariffVersion) });
export type LotVersions = Static<typeof LotVersions>;
export const StayInput = Type.Object({
  entry: validFrom, exit: validFrom,
  plateKind: Type.Optional(Type.Union([Type.Literal('standard'), Type.Literal('new-energy')])),
}, { additionalProperties: false });
export const PreviewBody = Type.Object({
  tariff: TariffDraft,
  stays: Type.Optional(Type.Array(StayInput, { maxItems: 20, description: 'stays of your own; typical stays are always priced' })),
}, { additionalProperties: false });
export const TariffPreview = Type.Object({ tariff: TariffBody, description: Explanation, examples: Type.Array(PricedStay), stays: Type.Array(PricedStay) });
export type TariffPreview = Static<typeof TariffPreview>;
export const ScheduleBody = Type.Object({ effectiveFrom: validFrom }, { additionalProperties: false });
export const RejectBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });
export const PendingApproval = Type.Object({
  lotId: Type.String(), lotName: Type.String(), lotNameEn: Type.String(), operatorId: Type.String(), version: Type.Integer(),
  validFrom: Iso, scheduledAt: Iso, tariff: TariffBody, description: Explanation,
});
export const PendingApprovals = Type.Object({ versions: Type.Array(PendingApproval) });
export type PendingApprovals = Static<typeof PendingApprovals>;

/** A version as the lot's public page shows it: the rules in words and typical stays explained. */
export const PublicVersion = Type.Object({ version: Type.Integer(), validFrom: Iso, tariff: TariffBody, description: Explanation, examples: Type.Array(PricedStay) });

/** GET /api/v1/lots/:id/tariff: the fees are public (transparent), the one in force and the next. */
export const LotTariff = Type.Object({
  lotId: Type.String(), tariffId: Type.String(), tariff: TariffBody,
  examples: Type.Array(Type.Object({ stayMinutes: Type.Integer(), entry: Iso, totalFen: Type.Integer(), explanation: Explanation })),
  current: PublicVersion,
  next: Type.Union([PublicVersion, Type.Null()], { description: 'the next approved version, from its validFrom; null when none is scheduled' }),
  approvedBy: Type.String({ description: 'city (street parking: public prices set by the city) or operator (a garage)' }),
});
export type LotTariff = Static<typeof LotTariff>;

// ---------------------------------------------------------------------------------------------
// Passes and free lists (billing/http/passes.ts).

const PassKind = Type.Union([Type.Literal('monthly'), Type.Literal('staff'), Type.Literal('resident'), Type.Literal('emergency')], {
  description: 'monthly: a pass (月卡) for one lot, paid; staff, resident, emergency: free lists, for one lot or every lot of the operator',
});
export const PassInput = Type.Object({
  kind: PassKind,
  lotId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'required for a monthly pass; omit for a list covering every lot of the operator' })),
  name: Type.String({ minLength: 1, maxLength: 80, description: 'e.g. the holder, or 物业员工' }),
  plates: Type.Array(Type.String({ minLength: 2, maxLength: 32 }), { minItems: 1, maxItems: 500 }),
  validFrom: validFrom, validTo: validFrom,
  priceFen: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'what the driver paid (monthly passes), fen' })),
  paidVia: Type.Optional(Type.Union([Type.Literal('counter'), Type.Literal('online')])),
  note: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
export const Pass = Type.Object({
  id: Type.Integer(), operatorId: Type.String(), lotId: Nullable(Type.String()), kind: PassKind, name: Type.String(), plates: Type.Array(Type.String()),
  validFrom: Iso, validTo: Iso, priceFen: Nullable(Type.Integer()), paidVia: Nullable(Type.String()), note: Nullable(Type.String()),
  createdBy: Nullable(Type.String()), createdAt: Iso, revokedAt: Nullable(Iso),
});
export type Pass = Static<typeof Pass>;
export const Passes = Type.Object({ passes: Type.Array(Pass) });

// ---------------------------------------------------------------------------------------------
// Voids, evidence and the reason codes of refunds and voids (billing/voids.ts, evidence.ts).

export const ReasonCode = Type.Union(ADJUSTMENT_REASON_CODES.map((c) => Type.Literal(c)));
export const AdjustmentReasons = Type.Object({
  reasons: Type.Array(Type.Object({ code: ReasonCode, zh: Type.String(), en: Type.String(), noteRequired: Type.Boolean() })),
}, { description: 'why an invoice is refunded or voided, with the texts the console shows' });
export type AdjustmentReasons = Static<typeof AdjustmentReasons>;
export const EvidenceEvent = Type.Object({
  id: Type.String({ description: 'deviceId:seq, what a refund or void attaches' }),
  deviceId: Type.String(), seq: Type.Integer(), eventTime: Iso, type: Type.String({ description: 'occupancy | bay | gate' }), bayCode: Nullable(Type.String()),
  plate: Nullable(Type.String()), occupied: Nullable(Type.Boolean()), direction: Nullable(Type.String()), confidence: Nullable(Type.Number()),
  image: Nullable(Type.String({ description: "the image reference the device sent with the event (core/protocol.ts), if any" })),
});
export type EvidenceEvent = Static<typeof EvidenceEvent>;
export const EvidenceList = Type.Object({ invoiceId: Type.Integer(), events: Type.Array(EvidenceEvent) });
export type EvidenceList = Static<typeof EvidenceList>;
export const EvidenceIds = Type.Array(Type.String({ minLength: 3, maxLength: 200 }), { maxItems: 50, description: 'ids from GET /operator/invoices/{id}/evidence' });
export const VoidBody = Type.Object({ reason: AdjustmentReason, evidence: Type.Optional(EvidenceIds) }, { additionalProperties: false });
export const VoidResult = Type.Object({
  invoiceId: Type.Integer(), status: Type.Literal('void'), reasonCode: ReasonCode, note: Nullable(Type.String()), evidence: Type.Array(EvidenceEvent),
});
export type VoidResult = Static<typeof VoidResult>;

// ---------------------------------------------------------------------------------------------
// Price steps that keep a space free (billing/http/pricing.ts, billing/price-steps.ts).

const Share = Type.Number({ minimum: 0, maximum: 1, description: 'occupied share, 0..1' });
const FenPerHour = Type.Integer({ minimum: 0, maximum: 100_000, description: 'fen per hour' });
export const PricingPolicySchema = Type.Object({
  targetLow: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'below this occupancy the price steps down (default 0.6)' }),
  targetHigh: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'above this occupancy the price steps up (default 0.8)' }),
  stepFenPerHour: Type.Integer({ minimum: 1, maximum: 10_000, description: 'one step in fen per hour (default 50 = ¥0.50/h)' }),
  floorFenPerHour: FenPerHour,
  ceilingFenPerHour: FenPerHour,
  lookbackWeeks: Type.Integer({ minimum: 1, maximum: 26, description: 'weeks of occupancy compared (default 4)' }),
}, { additionalProperties: false });
export const PricingPolicyView = Type.Object({ ...PricingPolicySchema.properties, updatedBy: Nullable(Type.String()), updatedAt: Iso });
export type PricingPolicyView = Static<typeof PricingPolicyView>;
const Direction = Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('hold')]);
export const BandStepSchema = Type.Object({
  band: Type.String(), bandZh: Type.String(), from: Type.String(), to: Type.String(), hours: Type.Array(Type.Integer()),
  occupancy: Nullable(Share), direction: Direction,
  reason: Type.Union(['above-target', 'below-target', 'in-target', 'no-data', 'at-ceiling', 'at-floor', 'per-visit'].map((s) => Type.Literal(s))),
  beforeFenPerHour: Nullable(Type.Integer()), afterFenPerHour: Nullable(Type.Integer()),
});
const HourOccupancySchema = Type.Object({ hour: Type.Integer({ minimum: 0, maximum: 23 }), occupancy: Share, buckets: Type.Integer() });
const EarlierStepSchema = Type.Object({
  recommendationId: Type.Integer(), validFrom: Iso, tariffVersion: Nullable(Type.Integer()),
  bands: Type.Array(Type.Object({
    band: Type.String(), bandZh: Type.String(), direction: Direction, beforeFenPerHour: Nullable(Type.Integer()), afterFenPerHour: Nullable(Type.Integer()),
    occupancyBefore: Nullable(Share), occupancyAfter: Nullable(Share),
  })),
});
export const PriceRecommendation = Type.Object({
  id: Type.Integer(), lotId: Type.String(), lotName: Type.String(), lotNameEn: Type.String(), lotKind: Type.Union([Type.Literal('garage'), Type.Literal('street')]),
  approvalBy: Type.Union([Type.Literal('city'), Type.Literal('operator')], { description: 'city: a street step takes effect once the city approves the version' }),
  createdAt: Iso, validFrom: Iso, baseTariffId: Type.String(), baseVersion: Type.Integer(),
  steps: Type.Array(BandStepSchema),
  evidence: Type.Object({
    from: Iso, to: Iso, lookbackWeeks: Type.Integer(), targetLow: Type.Number(), targetHigh: Type.Number(),
    hourly: Type.Array(HourOccupancySchema, { description: 'occupancy by local hour of day over the window' }),
    earlier: Type.Array(EarlierStepSchema, { description: 'accepted steps, newest first: occupancy before and since' }),
  }),
  proposal: TariffDraft,
  status: Type.Union(['proposed', 'accepted', 'rejected', 'superseded'].map((s) => Type.Literal(s))),
  tariffVersion: Nullable(Type.Integer({ description: 'the tariff version created on accept' })),
  decidedAt: Nullable(Iso), decidedBy: Nullable(Type.String()), reason: Nullable(Type.String()),
});
export type PriceRecommendation = Static<typeof PriceRecommendation>;
export const PriceRecommendations = Type.Object({ recommendations: Type.Array(PriceRecommendation) });
export const PricingRunReport = Type.Object({ lots: Type.Integer(), recommended: Type.Integer(), held: Type.Integer(), skipped: Type.Integer() });
