// Shapes of the API's JSON (see the API contract); kept in one place so a contract change is one edit.

export interface LatLng {
  lat: number;
  lng: number;
}

export interface MapConfig {
  tileUrl: string;
  center: LatLng;
  zoom: number;
}

export type LotKind = 'garage' | 'street';

export interface Lot {
  id: string;
  name: string;
  nameEn: string;
  kind: LotKind;
  district: string;
  address: string;
  lat: number;
  lng: number;
  capacity: number;
  free: number;
  occupied: number;
  unknown: number;
  updatedAt: string | null;
  /** Street segment polyline, [lng, lat] pairs (WGS-84); null for garages. */
  path: [number, number][] | null;
}

export interface Bay {
  code: string;
  lat: number;
  lng: number;
  accessible: boolean;
  evCharging: boolean;
  /** null: the sensor has not reported (or went silent). */
  occupied: boolean | null;
  since: string | null;
}

export interface LotsResponse {
  lots: Lot[];
}

export interface LotDetailResponse {
  lot: Lot;
  bays: Bay[];
}

export interface NavigationLinks {
  amap: string;
  baidu: string;
  geo: string;
}

export interface GuidanceOption {
  lot: Lot;
  distanceMeters: number;
  walkingMeters: number;
  /** Estimated fee for the expected stay (fen); null when the lot has no tariff. */
  priceFen?: number | null;
  score: number;
  navigation: NavigationLinks;
}

export interface GuidanceResponse {
  destination: LatLng;
  options: GuidanceOption[];
}

/** `availability` event on /api/v1/stream: only what changed. */
export interface LotPatch {
  id: string;
  free: number;
  occupied: number;
  unknown: number;
  updatedAt: string | null;
}

export interface BayPatch {
  code: string;
  lotId: string;
  occupied: boolean | null;
  since: string | null;
}

export interface AvailabilityEvent {
  lots: LotPatch[];
  bays: BayPatch[];
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

// ---- drivers and payments (api/routes/drivers.ts) ----

export interface Driver {
  id: number;
  phone: string;
  name: string | null;
}

export interface TokenResponse {
  token: string;
  expiresAt: string;
  driver: Driver;
}

export interface DriverPlate {
  plate: string;
  contactless: boolean;
  addedAt: string;
}

export interface PaymentMethod {
  id: number;
  label: string;
  isDefault: boolean;
}

export type PaymentKind = 'alipay' | 'wechat' | 'card';

export interface MeResponse {
  driver: Driver;
  plates: DriverPlate[];
  paymentMethods: PaymentMethod[];
}

export interface FeeLine {
  kind: string;
  name: string;
  nameZh: string;
  from: string;
  to: string;
  minutes: number;
  amountFen: number;
  description: string;
}

/** outstanding | paying | paid | void | refunded */
export type InvoiceStatus = string;

export interface Invoice {
  id: number;
  lotId: string;
  lotName: string;
  lotNameEn: string;
  /** Masked unless the caller owns the plate. */
  plate: string;
  entryTime: string | null;
  exitTime: string | null;
  amountFen: number;
  lines: FeeLine[];
  status: InvoiceStatus;
  overdue: boolean;
  issuedAt: string;
  dueAt: string;
  paidAt: string | null;
  lastFailure: string | null;
  receipt: { number: string; url: string } | null;
}

export interface OpenSession {
  sessionId: number;
  lotId: string;
  lotName: string;
  lotNameEn: string;
  plate: string;
  entryTime: string;
  runningFeeFen: number | null;
}

export interface PastSession {
  sessionId: number;
  lotId: string;
  lotName: string;
  lotNameEn: string;
  plate: string;
  entryTime: string;
  exitTime: string | null;
  status: string;
  invoice: Invoice | null;
}

export interface SessionsResponse {
  open: OpenSession[];
  past: PastSession[];
}

export interface PlateInvoicesResponse {
  plate: string;
  invoices: Invoice[];
  totalOutstandingFen: number;
}

export interface PayResponse {
  chargeId: number;
  invoiceId: number;
  status: 'pending';
}

// ---- operators' console (api/routes/operators.ts, sessions.ts, drivers.ts) ----

/** POST /api/v1/operator/login. */
export interface OperatorLoginResponse {
  token: string;
  operatorId: string;
  name: string;
  expiresAt: string;
}

/** A session in the review queue (full plate: operators only). */
export interface ReviewSession {
  id: number;
  lotId: string;
  bayCode: string | null;
  plate: string | null;
  status: string;
  entryTime: string;
  exitTime: string | null;
  entryConfidence: number | null;
  exitConfidence: number | null;
  /** The plate as the exit camera read it (may differ from `plate`). */
  exitPlateRead: string | null;
  /** exact | confusable | bay | manual */
  matchMethod: string | null;
  reviewReason: string | null;
  invoice: { id: number; amountFen: number; status: InvoiceStatus } | null;
}

/** exit-without-entry | overstay | double-entry | low-confidence | unreadable-plate | bay-handover | no-tariff */
export type ExceptionKind = string;

export interface SessionException {
  id: number;
  kind: ExceptionKind;
  lotId: string;
  plate: string | null;
  sessionId: number | null;
  deviceId: string | null;
  seq: number | null;
  eventTime: string;
  detail: string;
  resolvedAt: string | null;
  createdAt: string;
}

export interface ReviewQueue {
  sessions: ReviewSession[];
  exceptions: SessionException[];
}

export type ResolveAction = 'dismiss' | 'approve' | 'void';

export interface ResolveResponse {
  exception: SessionException;
  session: ReviewSession | null;
}

export interface ArrearsPlate {
  plate: string;
  count: number;
  totalFen: number;
  oldestDueAt: string;
}

/** GET /api/v1/operator/arrears?plate=: the plate's outstanding and paying invoices, plate unmasked. */
export interface PlateArrears {
  plate: string;
  overdueFen: number;
  outstandingFen: number;
  invoices: (Invoice & { remindersSent: number })[];
}

/** 202: the refund's result arrives by the provider's webhook. */
export interface RefundResponse {
  invoiceId: number;
  chargeId: number;
  refundId: string;
  status: string;
}

export interface RemindersRunResponse {
  sent: { invoiceId: number; plate: string; amountFen: number; remindersSent: number; recipient: string | null }[];
}

export interface AnalyticsTotals {
  lots: number;
  bays: number;
  sessions: number;
  closed: number;
  avgStayMinutes: number | null;
  invoicedFen: number;
  paidFen: number;
  outstandingFen: number;
  overdueFen: number;
  inReview: number;
  openExceptions: number;
}

export interface LotAnalytics {
  lotId: string;
  name: string;
  /** Not in every version of the API: fall back to `name`. */
  nameEn?: string;
  kind: LotKind;
  bays: number;
  sessions: number;
  avgStayMinutes: number | null;
  /** Sessions per bay per day. */
  turnover: number;
  invoicedFen: number;
  paidFen: number;
  /** Occupied share of the bays, 0..1; null without samples. */
  avgOccupancy: number | null;
  peakOccupancy: number | null;
}

export interface HourAnalytics {
  /** Lot-local hour of day, 0..23. */
  hour: number;
  entries: number;
  avgOccupancy: number | null;
}

export interface DayAnalytics {
  /** YYYY-MM-DD, lot-local. */
  day: string;
  sessions: number;
  invoicedFen: number;
  paidFen: number;
}

export interface Analytics {
  from: string;
  to: string;
  lotId: string | null;
  timeZone: string;
  totals: AnalyticsTotals;
  byLot: LotAnalytics[];
  hourly: HourAnalytics[];
  daily: DayAnalytics[];
}
