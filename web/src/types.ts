// The API's JSON as the page sees it. Every shape comes from the TypeBox schema the server validates
// and documents the route with (type-only imports: nothing of the server reaches the bundle), so a
// contract change is one edit, on the server, and the type checker shows the page what moved.
// Names here are the page's; only shapes the API has no schema for (LatLng, PaymentKind) are declared.
import type { Guidance, GuidanceOption as GuidanceOptionSchema, LotBody, BayBody, LotDetail, LotList, MapConfig as MapConfigSchema } from '../../api/schemas.ts';
import type { AvailabilityChange } from '../../core/changes.ts';
import type {
  ClaimDecision as ClaimDecisionSchema, ClaimPending as ClaimPendingSchema, DriverPlate as DriverPlateSchema, DriverToken, MyClaim as MyClaimSchema,
  PlateClaim as PlateClaimSchema, PublicInvoice as PublicInvoiceSchema, Invoice as InvoiceSchema, Me, MySessions,
  OpenSession as OpenSessionSchema, PastSession as PastSessionSchema, PaymentMethod as PaymentMethodSchema, PaymentStarted,
  PlateArrears as PlateArrearsSchema, PresentedPlateInvoices, RemindersRun, RefundView, InvoiceRefunds as InvoiceRefundsSchema,
  ReminderMessage as ReminderMessageSchema, PlateReminders as PlateRemindersSchema,
} from '../../payments/http/schemas.ts';
import type {
  ArrearsPlate as ArrearsPlateSchema, Resolution, ResolveAction as ResolveActionSchema, ReviewQueue as ReviewQueueSchema,
  ReviewSession as ReviewSessionSchema, SessionException as SessionExceptionSchema,
  LotTariff as LotTariffSchema, LotVersions as LotVersionsSchema, TariffVersion as TariffVersionSchema, TariffPreview as TariffPreviewSchema,
  PendingApprovals as PendingApprovalsSchema, Pass as PassSchema, TariffDraft as TariffDraftSchema,
  AdjustmentReasons, EvidenceEvent as EvidenceEventSchema, VoidResult as VoidResultSchema,
  PriceRecommendation as PriceRecommendationSchema, PricingPolicyView as PricingPolicyViewSchema,
} from '../../billing/http/schemas.ts';
import type { AnalyticsReport, CityViewReport } from '../../analytics/http/schemas.ts';
import type {
  BayReport as BayReportSchema, DeviceDetail as DeviceDetailSchema, DeviceImport as DeviceImportSchema, DeviceInput as DeviceInputSchema,
  DeviceSecret as DeviceSecretSchema, LotInput as LotInputSchema, LotPatch as LotPatchSchema, OperatorBay as OperatorBaySchema,
  OperatorDevice as OperatorDeviceSchema, OperatorLot as OperatorLotSchema, OperatorToken, AlertCountsBody, AlertKindBody, DeviceAlertBody,
  AccountView as AccountViewSchema, WithSetupCode as WithSetupCodeSchema, OperatorList, NewOperator as NewOperatorSchema,
  AccountPatch as AccountPatchSchema, AuditQuery as AuditQuerySchema, AuditEntries,
} from '../../operators/http/schemas.ts';

export interface LatLng {
  lat: number;
  lng: number;
}

// ---- availability and guidance (api/schemas.ts) ----
export type MapConfig = MapConfigSchema;
export type Lot = LotBody;
export type Bay = BayBody;
export type LotsResponse = LotList;
export type LotDetailResponse = LotDetail;
export type GuidanceOption = GuidanceOptionSchema;
export type GuidanceResponse = Guidance;
/** `availability` event on /api/v1/stream (core/changes.ts): only what changed. */
export type AvailabilityEvent = AvailabilityChange;

// ---- drivers and payments (payments/http/schemas.ts) ----
export type TokenResponse = DriverToken;
export type DriverPlate = DriverPlateSchema;
export type PaymentMethod = PaymentMethodSchema;
export type PaymentKind = 'alipay' | 'wechat' | 'card';
export type MeResponse = Me;
export type Invoice = InvoiceSchema;
export type OpenSession = OpenSessionSchema;
export type PastSession = PastSessionSchema;
export type SessionsResponse = MySessions;
export type PlateInvoicesResponse = PresentedPlateInvoices;
export type PublicInvoice = PublicInvoiceSchema;
export type MyClaim = MyClaimSchema;
export type ClaimPending = ClaimPendingSchema;
export type PayResponse = PaymentStarted;

// ---- operators' console (billing/, payments/, analytics/, operators/ http/schemas.ts) ----
export type OperatorLoginResponse = OperatorToken;
export type DeviceAlert = DeviceAlertBody;
export type AlertKind = AlertKindBody;
export type AlertCounts = AlertCountsBody;
export type ReviewSession = ReviewSessionSchema;
export type SessionException = SessionExceptionSchema;
export type ReviewQueue = ReviewQueueSchema;
export type ResolveAction = ResolveActionSchema;
export type ResolveResponse = Resolution;
export type ArrearsPlate = ArrearsPlateSchema;
export type PlateArrears = PlateArrearsSchema;
export type Refund = RefundView;
export type InvoiceRefunds = InvoiceRefundsSchema;
export type AdjustmentReason = AdjustmentReasons['reasons'][number];
export type AdjustmentReasonCode = AdjustmentReason['code'];
export interface AdjustmentReasonInput { code: AdjustmentReasonCode; note?: string }
export type EvidenceEvent = EvidenceEventSchema;
export type VoidResult = VoidResultSchema;
export type PlateClaim = PlateClaimSchema;
export type ClaimDecision = ClaimDecisionSchema;
export type RemindersRunResponse = RemindersRun;
export type ReminderMessage = ReminderMessageSchema;
export type PlateReminders = PlateRemindersSchema;
export type Analytics = AnalyticsReport;
export type CityView = CityViewReport;
export type CityLot = CityView['lots'][number];
export type AnalyticsTotals = Analytics['totals'];
export type LotAnalytics = Analytics['byLot'][number];
export type HourAnalytics = Analytics['hourly'][number];
export type DayAnalytics = Analytics['daily'][number];

// ---- the operators' estate: lots, bays, devices (operators/http/schemas.ts) ----
export type OperatorLot = OperatorLotSchema;
export type LotInput = LotInputSchema;
export type LotPatch = LotPatchSchema;
export type OperatorBay = OperatorBaySchema;
export type BayReport = BayReportSchema;
export type OperatorDevice = OperatorDeviceSchema;
export type DeviceInput = DeviceInputSchema;
export type DeviceSecret = DeviceSecretSchema;
export type DeviceImport = DeviceImportSchema;
export type DeviceDetail = DeviceDetailSchema;
// ---- tariffs and passes (billing/http/schemas.ts) ----
export type LotTariff = LotTariffSchema;
export type PublicTariffVersion = LotTariff['current'];
export type PricedStay = PublicTariffVersion['examples'][number];
export type LotVersions = LotVersionsSchema;
export type TariffVersion = TariffVersionSchema;
export type TariffPreview = TariffPreviewSchema;
export type PendingApprovals = PendingApprovalsSchema;
export type Pass = PassSchema;
/** A tariff as the composer edits it: what the server assigns left out. */
export type TariffDraft = TariffDraftSchema;
export type TariffBand = TariffDraft['bands'][number];
// ---- price steps (billing/http/schemas.ts) ----
export type PriceRecommendation = PriceRecommendationSchema;
export type PricingPolicyView = PricingPolicyViewSchema;
export type PricingPolicy = Omit<PricingPolicyView, 'updatedBy' | 'updatedAt'>;
// ---- console accounts and the audit log (operators/http/schemas.ts) ----
export type ConsoleAccount = AccountViewSchema;
export type WithSetupCode = WithSetupCodeSchema;
export type OperatorSummary = OperatorList['operators'][number];
export type NewOperator = NewOperatorSchema;
export type AccountPatch = AccountPatchSchema;
export type AuditQuery = AuditQuerySchema;
export type AuditEntry = AuditEntries['entries'][number];
