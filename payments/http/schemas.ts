// The shapes of the drivers' and payments' routes (TypeBox): they validate and document the routes,
// and the web client imports their types (type-only), so the browser never re-declares them.
import { Type, type Static } from '@sinclair/typebox';
import { AdjustmentReason, EvidenceEvent, EvidenceIds, ReasonCode } from '../../billing/index.ts';

const IsoTime = Type.String({ description: 'ISO 8601 instant' });

export const Phone = Type.String({ pattern: '^1[3-9][0-9]{9}$', description: 'Chinese mobile number, 11 digits starting with 1', examples: ['13800138000'] });
export const PlateInput = Type.String({ minLength: 2, maxLength: 20 });

export const Driver = Type.Object({ id: Type.Integer(), phone: Type.String(), name: Type.Union([Type.String(), Type.Null()]) });
export type Driver = Static<typeof Driver>;
export const DriverToken = Type.Object({ token: Type.String(), expiresAt: IsoTime, driver: Driver });
export type DriverToken = Static<typeof DriverToken>;
export const DriverPlate = Type.Object({
  plate: Type.String(), contactless: Type.Boolean(), addedAt: IsoTime,
  claimedAt: Type.String({ description: 'ISO 8601 instant: stays that began before it are not shown to this account' }),
});
export type DriverPlate = Static<typeof DriverPlate>;
const ClaimStatus = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]);
export const MyClaim = Type.Object({
  id: Type.Integer(), plate: Type.String(), status: ClaimStatus, createdAt: IsoTime, decidedAt: Type.Union([IsoTime, Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()], { description: "the operator's note once decided" }),
}, { description: "a claim of a plate another account holds, waiting for (or decided by) the operators' review" });
export type MyClaim = Static<typeof MyClaim>;
export const ClaimPending = Type.Object({ status: Type.Literal('pending'), message: Type.String(), claim: MyClaim });
export type ClaimPending = Static<typeof ClaimPending>;
export type PlateClaimResult = { kind: 'created' | 'existing'; plate: DriverPlate } | { kind: 'pending'; claim: MyClaim };
export const PlateClaim = Type.Intersect([MyClaim, Type.Object({
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  claimant: Type.Object({ driverId: Type.Integer(), phone: Type.String() }),
  holder: Type.Union([Type.Object({ driverId: Type.Integer(), phone: Type.String(), claimedAt: IsoTime }), Type.Null()], { description: 'the account holding the plate now (null: nobody)' }),
})]);
export type PlateClaim = Static<typeof PlateClaim>;
export const ClaimDecision = Type.Object({
  id: Type.Integer(), plate: Type.String(), status: ClaimStatus,
  owner: Type.Union([Type.Intersect([Type.Object({ driverId: Type.Integer() }), DriverPlate]), Type.Null()], { description: 'approved: the plate as now on the claimant\'s account' }),
});
export type ClaimDecision = Static<typeof ClaimDecision>;
export const PaymentMethod = Type.Object({ id: Type.Integer(), label: Type.String(), isDefault: Type.Boolean() });
export type PaymentMethod = Static<typeof PaymentMethod>;
export const Me = Type.Object({ driver: Driver, plates: Type.Array(DriverPlate), claims: Type.Array(MyClaim), paymentMethods: Type.Array(PaymentMethod) });
export type Me = Static<typeof Me>;

export const InvoiceLine = Type.Object({ kind: Type.String(), name: Type.String(), nameZh: Type.String(), from: Type.String(), to: Type.String(), minutes: Type.Number(), amountFen: Type.Integer(), description: Type.String() });
export type InvoiceLine = Static<typeof InvoiceLine>;
export const ReceiptRef = Type.Object({ number: Type.String(), url: Type.String({ description: 'download link (includes its access key)' }) });
export type ReceiptRef = Static<typeof ReceiptRef>;
const RefundLine = Type.Object({ amountFen: Type.Integer(), amount: Type.String(), at: IsoTime, reasonCode: Type.String() });
const InvoiceRef = Type.String({ pattern: '^[A-Za-z0-9_-]{32}$', description: 'public reference: random, unguessable; the only way to reach an invoice without an account' });
export const Invoice = Type.Object({
  id: Type.Integer(),
  ref: InvoiceRef,
  lotId: Type.String(),
  lotName: Type.String(),
  lotNameEn: Type.String(),
  plate: Type.String({ description: 'masked unless you are its owner' }),
  entryTime: Type.Union([IsoTime, Type.Null()]),
  exitTime: Type.Union([IsoTime, Type.Null()]),
  amountFen: Type.Integer(),
  amount: Type.String({ examples: ['¥12.50'] }),
  lines: Type.Array(InvoiceLine),
  status: Type.String({ description: 'outstanding | paying | paid | void | refunded | held (a payment the provider reported differently, for an operator to settle)' }),
  overdue: Type.Boolean(),
  issuedAt: IsoTime,
  dueAt: IsoTime,
  paidAt: Type.Union([IsoTime, Type.Null()]),
  lastFailure: Type.Union([Type.String(), Type.Null()], { description: 'why the last payment attempt failed, e.g. card_declined' }),
  receipt: Type.Union([ReceiptRef, Type.Null()]),
  refundedFen: Type.Integer({ description: 'refunded so far (the provider confirmed); the status stays paid until all of it is' }),
  refunds: Type.Array(RefundLine, { description: 'each refund the provider confirmed, line by line' }),
});
export type Invoice = Static<typeof Invoice>;
export const InvoiceId = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const InvoiceRefParam = Type.Object({ ref: InvoiceRef });

/** What anyone presenting a plate may see of an unpaid invoice: enough to pay it, nothing of the stay's times. */
export const PublicInvoice = Type.Object({
  ref: InvoiceRef,
  lotId: Type.String(), lotName: Type.String(), lotNameEn: Type.String(),
  date: Type.String({ description: "the stay's local date in the lot's time zone, YYYY-MM-DD" }),
  amountFen: Type.Integer(), amount: Type.String({ examples: ['¥12.50'] }),
  status: Type.String({ description: 'outstanding | paying; paid, refunded and the rest only to the payer holding the payment key' }),
  overdue: Type.Boolean(),
  dueDate: Type.String({ description: "the last day to pay (lot's time zone), YYYY-MM-DD: a date, not an instant, which would date the stay to the minute" }),
  lastFailure: Type.Union([Type.String(), Type.Null()], { description: 'why the last payment attempt failed, e.g. card_declined' }),
  receipt: Type.Union([ReceiptRef, Type.Null()], { description: 'once paid, to the payer holding the payment key' }),
  refundedFen: Type.Optional(Type.Integer({ description: 'to the payer holding the payment key: refunded so far' })),
  refunds: Type.Optional(Type.Array(RefundLine, { description: 'to the payer holding the payment key: each refund, line by line' })),
});
export type PublicInvoice = Static<typeof PublicInvoice>;

export const OpenSession = Type.Object({
  sessionId: Type.Integer(), lotId: Type.String(), lotName: Type.String(), lotNameEn: Type.String(), plate: Type.String(), entryTime: IsoTime,
  runningFeeFen: Type.Union([Type.Integer(), Type.Null()], { description: 'what leaving now would cost; null when the lot has no tariff' }),
  runningFee: Type.Union([Type.String(), Type.Null()]),
});
export type OpenSession = Static<typeof OpenSession>;
export const PastSession = Type.Object({
  sessionId: Type.Integer(), lotId: Type.String(), lotName: Type.String(), lotNameEn: Type.String(), plate: Type.String(), entryTime: IsoTime,
  exitTime: Type.Union([IsoTime, Type.Null()]), status: Type.String(), invoice: Type.Union([Invoice, Type.Null()]),
});
export type PastSession = Static<typeof PastSession>;
export const MySessions = Type.Object({ open: Type.Array(OpenSession), past: Type.Array(PastSession) });
export type MySessions = Static<typeof MySessions>;

export const PresentedPlateInvoices = Type.Object({ plate: Type.String(), invoices: Type.Array(PublicInvoice), totalOutstandingFen: Type.Integer(), totalOutstanding: Type.String() });
export type PresentedPlateInvoices = Static<typeof PresentedPlateInvoices>;
export const PaymentStarted = Type.Object({
  chargeId: Type.Integer(), invoiceRef: InvoiceRef, status: Type.Literal('pending'),
  paymentKey: Type.String({ description: "the payer's key: GET /api/v1/invoices/{ref}?payment=<key> shows this payment's outcome and receipt" }),
});
export type PaymentStarted = Static<typeof PaymentStarted>;

export const ArrearsInvoice = Type.Intersect([Invoice, Type.Object({ remindersSent: Type.Integer() })]);
export type ArrearsInvoice = Static<typeof ArrearsInvoice>;
export const PlateArrears = Type.Object({ plate: Type.String(), overdueFen: Type.Integer(), outstandingFen: Type.Integer(), overdue: Type.String(), invoices: Type.Array(ArrearsInvoice) });
export type PlateArrears = Static<typeof PlateArrears>;
/** A reminder's message status (payments/reminders.ts, migrations/019). */
export const ReminderStatus = Type.Union([Type.Literal('queued'), Type.Literal('deferred_quiet_hours'), Type.Literal('sent'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('no_recipient')], {
  description: 'queued (to be sent), deferred_quiet_hours (waits for the end of REMINDER_QUIET_HOURS in the lot\'s zone), sent (the provider accepted it), delivered (the handset got it), failed (see error), no_recipient (the plate has no account)',
});
const When = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
export const ReminderMessage = Type.Object({
  id: Type.Integer(), invoiceId: Type.Integer(), plate: Type.String(), amountFen: Type.Integer(),
  recipient: Type.Union([Type.String(), Type.Null()], { description: 'the masked phone (138****8000), or null when the plate has no account' }),
  status: ReminderStatus, error: Type.Union([Type.String(), Type.Null()]), attempts: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }), sentAt: When, deliveredAt: When, failedAt: When,
});
export type ReminderMessage = Static<typeof ReminderMessage>;
export const RemindersRun = Type.Object({
  created: Type.Integer({ description: 'reminders this run decided (at most one per overdue invoice a day)' }),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'all of the run\'s messages by status' }),
  messages: Type.Array(ReminderMessage, { description: 'this run\'s reminders and earlier ones it sent, plates masked: the first 500' }),
});
export type RemindersRun = Static<typeof RemindersRun>;
export const PlateReminders = Type.Object({ plate: Type.String(), messages: Type.Array(ReminderMessage) });
export type PlateReminders = Static<typeof PlateReminders>;
export const PlateParam = Type.Object({ plate: PlateInput });

/** A refund: how much (fen; omitted: all that remains refundable), why, and evidence of the stay. */
export const RefundBody = Type.Object({
  amountFen: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'fen; at most what remains refundable (paid less refunded, requested or waiting); omitted: all of it' })),
  reason: AdjustmentReason,
  evidence: Type.Optional(EvidenceIds),
}, { additionalProperties: false });

// ---------------------------------------------------------------------------------------------
// Refunds (issue 11: partial, with a reason and evidence, staff above their limit wait for an admin).

const RefundStatus = Type.Union(['pending_approval', 'requested', 'succeeded', 'failed', 'rejected'].map((s) => Type.Literal(s)), {
  description: 'pending_approval: above the staff member\'s limit, waiting for an admin (no money moves); requested: sent to the provider; succeeded: the provider confirmed (charge.refunded); failed: the provider refused; rejected: an admin said no',
});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const RefundView = Type.Object({
  id: Type.Integer(), invoiceId: Type.Integer(), chargeId: Type.Integer(), lotId: Type.String(), plate: Type.String(),
  amountFen: Type.Integer(), amount: Type.String({ examples: ['¥3.00'] }),
  reasonCode: ReasonCode, note: Nullable(Type.String()), status: RefundStatus,
  requestedBy: Type.String(), approvedBy: Nullable(Type.String({ description: 'the admin who approved or rejected it' })),
  decisionNote: Nullable(Type.String()), decidedAt: Nullable(IsoTime),
  providerRefundId: Nullable(Type.String()), failureReason: Nullable(Type.String()),
  createdAt: IsoTime, updatedAt: IsoTime, evidence: Type.Array(EvidenceEvent),
});
export type RefundView = Static<typeof RefundView>;
export const InvoiceRefunds = Type.Object({
  invoiceId: Type.Integer(), status: Type.String(), amountFen: Type.Integer(),
  refundedFen: Type.Integer({ description: 'confirmed by the provider' }),
  refundableFen: Type.Integer({ description: 'paid less what is refunded, requested or waiting for approval: the most a new refund may be' }),
  refunds: Type.Array(RefundView),
});
export type InvoiceRefunds = Static<typeof InvoiceRefunds>;
export const RefundList = Type.Object({ refunds: Type.Array(RefundView) });
export type RefundList = Static<typeof RefundList>;
export const RefundDecisionBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export const RefundRejectBody = Type.Object({ note: Type.String({ minLength: 1, maxLength: 500, description: 'why not: the requester reads it' }) }, { additionalProperties: false });
