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
