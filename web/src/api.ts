// The page's only door to the API: same origin, JSON, errors in the `{ error: { code, message } }` shape.
import { storedLang, type Lang } from './i18n.ts';
import { apiErrorText } from './server-texts.ts';
import type {
  AlertCounts,
  Analytics,
  BayReport,
  DeviceDetail,
  DeviceImport,
  DeviceInput,
  DeviceSecret,
  LotInput,
  LotPatch,
  OperatorBay,
  OperatorDevice,
  OperatorLot,
  ArrearsPlate,
  DeviceAlert,
  ClaimDecision,
  CityView,
  ClaimPending,
  DriverPlate,
  GuidanceResponse,
  Invoice,
  LatLng,
  LotDetailResponse,
  LotsResponse,
  MapConfig,
  MeResponse,
  OperatorLoginResponse,
  PaymentKind,
  PaymentMethod,
  PayResponse,
  PlateArrears,
  PlateClaim,
  PlateInvoicesResponse,
  PublicInvoice,
  RemindersRunResponse,
  PlateReminders,
  ResolveAction,
  ResolveResponse,
  ReviewQueue,
  SessionsResponse,
  TokenResponse,
  LotTariff,
  LotVersions,
  Pass,
  PendingApprovals,
  TariffDraft,
  TariffPreview,
  TariffVersion,
  AdjustmentReasonInput,
  PriceRecommendation, PricingPolicy, PricingPolicyView,
} from './types.ts';
import { CSRF_HEADER, csrfToken } from './auth.ts';

export const STREAM_URL = '/api/v1/stream';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(body: unknown): body is { error: { code: string; message: string } } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const err = (body as { error: unknown }).error;
  return typeof err === 'object' && err !== null && 'code' in err && 'message' in err;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Operator bearer token (api/auth.ts); without one the driver's session cookie goes with the request. */
  token?: string;
  signal?: AbortSignal;
  /** Extra headers, e.g. Idempotency-Key on a refund. */
  headers?: Record<string, string>;
}

/** One call to the API; a non-2xx answer throws ApiError with the API's code and message. */
export async function request<T>(path: string, { method = 'GET', body, token, signal, headers: extra }: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...extra };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  // Double submit (api/auth.ts): a request made by the cookie must repeat the CSRF cookie in a header.
  const csrf = method === 'GET' ? null : csrfToken();
  if (csrf) headers[CSRF_HEADER] = csrf;
  let res: Response;
  try {
    res = await fetch(path, { method, signal, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    if (signal?.aborted) throw err;
    // A network failure has no status; 0 keeps the error type uniform for the UI.
    throw new ApiError(0, 'ONELOT_ERR_NETWORK', err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    let code = `ONELOT_ERR_HTTP_${res.status}`;
    let message = res.statusText || `HTTP ${res.status}`;
    try {
      const body: unknown = await res.json();
      if (isErrorBody(body)) ({ code, message } = body.error);
    } catch {
      // Not JSON (a proxy's error page, say): keep the status line.
    }
    throw new ApiError(res.status, code, message);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>(path, { signal });
}

export function fetchConfig(signal?: AbortSignal): Promise<MapConfig> {
  return getJson<MapConfig>('/api/v1/config', signal);
}

export function fetchLots(query: { q?: string; limit?: number } = {}, signal?: AbortSignal): Promise<LotsResponse> {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.limit) params.set('limit', String(query.limit));
  const qs = params.toString();
  return getJson<LotsResponse>(`/api/v1/lots${qs ? `?${qs}` : ''}`, signal);
}

export function fetchLot(id: string, signal?: AbortSignal): Promise<LotDetailResponse> {
  return getJson<LotDetailResponse>(`/api/v1/lots/${encodeURIComponent(id)}`, signal);
}

export function fetchGuidance(destination: LatLng, limit: number, signal?: AbortSignal): Promise<GuidanceResponse> {
  const params = new URLSearchParams({
    lat: destination.lat.toFixed(6),
    lng: destination.lng.toFixed(6),
    limit: String(limit),
  });
  return getJson<GuidanceResponse>(`/api/v1/guidance?${params}`, signal);
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

// ---- drivers and payments (api/routes/drivers.ts) ----

const plateSeg = (plate: string) => encodeURIComponent(plate);

/** Sign-up step 1: a code by SMS (the answer never says whether the phone has an account). */
export function requestSignupCode(phone: string): Promise<{ message: string }> {
  return request('/api/v1/auth/register/code', { method: 'POST', body: { phone } });
}

/** Sign-up step 2: sets the session cookie. */
export function register(phone: string, code: string, password: string): Promise<TokenResponse> {
  return request('/api/v1/auth/register', { method: 'POST', body: { phone, code, password } });
}

export function logout(): Promise<void> {
  return request('/api/v1/auth/logout', { method: 'POST' });
}

export function login(phone: string, password: string): Promise<TokenResponse> {
  return request('/api/v1/auth/login', { method: 'POST', body: { phone, password } });
}

export function fetchMe(signal?: AbortSignal): Promise<MeResponse> {
  return request('/api/v1/me', { signal });
}

/** 201/200 the plate; 202 a contested claim gone to the operators' review. */
export function addPlate(plate: string): Promise<DriverPlate | ClaimPending> {
  return request('/api/v1/me/plates', { method: 'POST', body: { plate } });
}

export function removePlate(plate: string): Promise<void> {
  return request(`/api/v1/me/plates/${plateSeg(plate)}`, { method: 'DELETE' });
}

export function setContactless(plate: string, enabled: boolean): Promise<DriverPlate> {
  return request(`/api/v1/me/plates/${plateSeg(plate)}/contactless`, { method: 'PUT', body: { enabled } });
}

export function addPaymentMethod(kind: PaymentKind, account: string): Promise<PaymentMethod> {
  return request('/api/v1/me/payment-methods', { method: 'POST', body: { kind, account } });
}

export function fetchMySessions(signal?: AbortSignal): Promise<SessionsResponse> {
  return request('/api/v1/me/sessions', { signal });
}

export function fetchMyInvoices(signal?: AbortSignal): Promise<{ invoices: Invoice[] }> {
  return request('/api/v1/me/invoices', { signal });
}

/** What a plate owes now (amount, lot, date, reference; plate masked); no account needed. */
export function fetchPlateInvoices(plate: string, signal?: AbortSignal): Promise<PlateInvoicesResponse> {
  return request(`/api/v1/invoices?plate=${encodeURIComponent(plate)}`, { signal });
}

/** One invoice by its public reference; once settled, only with the payment key from paying it (then with the receipt link). */
export function fetchInvoiceByRef(ref: string, paymentKey?: string, signal?: AbortSignal): Promise<PublicInvoice> {
  return request(`/api/v1/invoices/${encodeURIComponent(ref)}${paymentKey ? `?payment=${encodeURIComponent(paymentKey)}` : ''}`, { signal });
}

/** Start paying by reference: a one-off checkout token, or (signed in, no source) the default method. 202 pending. */
export function payInvoice(ref: string, opts: { source?: string }): Promise<PayResponse> {
  return request(`/api/v1/invoices/${encodeURIComponent(ref)}/pay`, { method: 'POST', body: opts.source ? { source: opts.source } : {} });
}

// ---- operators' console (api/routes/operators.ts, sessions.ts, drivers.ts) ----

export function operatorLogin(account: string, password: string): Promise<OperatorLoginResponse> {
  return request('/api/v1/operator/login', { method: 'POST', body: { account, password } });
}

/** Sessions in review and unresolved exceptions, newest first, full plates. */
export function fetchReviewQueue(token: string, limit = 200, signal?: AbortSignal): Promise<ReviewQueue> {
  return request(`/api/v1/operator/review?limit=${limit}`, { token, signal });
}

/** 409 when already resolved, or approve/void of an exception that concerns no session. */
/** `reason`: required to void (a code; 'other' needs a note). */
export function resolveException(token: string, id: number, action: ResolveAction, note?: string, reason?: AdjustmentReasonInput): Promise<ResolveResponse> {
  return request(`/api/v1/operator/exceptions/${id}/resolve`, { method: 'POST', token, body: { action, ...(note ? { note } : {}), ...(reason ? { reason } : {}) } });
}

/** Plates with overdue invoices, largest total first. */
export function fetchArrearsPlates(token: string, limit = 500, signal?: AbortSignal): Promise<{ plates: ArrearsPlate[] }> {
  return request(`/api/v1/operator/arrears/plates?limit=${limit}`, { token, signal });
}

export function fetchPlateArrears(token: string, plate: string, signal?: AbortSignal): Promise<PlateArrears> {
  return request(`/api/v1/operator/arrears?plate=${encodeURIComponent(plate)}&limit=100`, { token, signal });
}

/** Device health alerts of the operator's lots (the city's team: every lot), newest first. */
export function fetchAlerts(token: string, q: { status?: 'active' | 'resolved'; lotId?: string | null }, signal?: AbortSignal): Promise<{ alerts: DeviceAlert[] }> {
  const qs = new URLSearchParams({ limit: '200', ...(q.status ? { status: q.status } : {}), ...(q.lotId ? { lotId: q.lotId } : {}) });
  return request(`/api/v1/operator/alerts?${qs}`, { token, signal });
}

export function fetchAlertCounts(token: string, signal?: AbortSignal): Promise<AlertCounts> {
  return request('/api/v1/operator/alerts/counts', { token, signal });
}

/** 403 for the city's team (it reads only), 409 when already resolved. */
export function actOnAlert(token: string, id: number, action: 'acknowledge' | 'resolve', note: string): Promise<DeviceAlert> {
  return request(`/api/v1/operator/alerts/${id}/${action}`, { method: 'POST', token, body: { note } });
}

/** Contested plate claims: pending oldest first, or decided newest first. */
export function fetchPlateClaims(token: string, status: 'pending' | 'approved' | 'rejected' = 'pending', signal?: AbortSignal): Promise<{ claims: PlateClaim[] }> {
  return request(`/api/v1/operator/plate-claims?status=${status}`, { token, signal });
}

/** Approve (the plate moves to the claimant) or reject a pending claim, with a note; 409 when already decided. */
export function decidePlateClaim(token: string, id: number, action: 'approve' | 'reject', note: string): Promise<ClaimDecision> {
  return request(`/api/v1/operator/plate-claims/${id}/${action}`, { method: 'POST', token, body: { note } });
}

/** Send overdue reminders now (normally on REMINDER_CRON). */
export function runReminders(token: string): Promise<RemindersRunResponse> {
  return request('/api/v1/operator/reminders/run', { method: 'POST', token, body: {} });
}

/** A plate's reminder messages at the operator's lots, newest first; 404 when the plate has no bill there. */
export function fetchPlateReminders(token: string, plate: string, signal?: AbortSignal): Promise<PlateReminders> {
  return request(`/api/v1/operator/plates/${encodeURIComponent(plate)}/reminders`, { token, signal });
}

export function fetchAnalytics(token: string, q: { from: string; to: string; lotId?: string | null }, signal?: AbortSignal): Promise<Analytics> {
  const params = new URLSearchParams({ from: q.from, to: q.to });
  if (q.lotId) params.set('lotId', q.lotId);
  return request(`/api/v1/operator/analytics?${params}`, { token, signal });
}

export function fetchCityView(token: string, days: number, signal?: AbortSignal): Promise<CityView> {
  return request(`/api/v1/operator/analytics/city?days=${days}`, { token, signal });
}

// ---- the operators' estate (operators/http/lots.ts, bays.ts, devices.ts) ----
const OP = '/api/v1/operator';

export function fetchOperatorLots(token: string, q: string, signal?: AbortSignal): Promise<{ lots: OperatorLot[] }> {
  return request(`${OP}/lots${q ? `?q=${encodeURIComponent(q)}` : ''}`, { token, signal });
}

export function createLot(token: string, body: LotInput): Promise<OperatorLot> {
  return request(`${OP}/lots`, { method: 'POST', token, body });
}

export function updateLot(token: string, id: string, body: LotPatch): Promise<OperatorLot> {
  return request(`${OP}/lots/${encodeURIComponent(id)}`, { method: 'PATCH', token, body });
}

export function retireLot(token: string, id: string): Promise<{ lot: OperatorLot; disabledDevices: string[] }> {
  return request(`${OP}/lots/${encodeURIComponent(id)}/retire`, { method: 'POST', token, body: {} });
}

/** A page of a lot's bays; `after` is the previous page's `next`. */
export function fetchLotBays(token: string, lotId: string, after: string | null, signal?: AbortSignal): Promise<{ bays: OperatorBay[]; next: string | null }> {
  return request(`${OP}/lots/${encodeURIComponent(lotId)}/bays${after ? `?after=${encodeURIComponent(after)}` : ''}`, { token, signal });
}

/** By a pattern ({pattern, count?}) or from CSV text ({csv}). */
export function addBays(token: string, lotId: string, body: { pattern: string; count?: number } | { csv: string }): Promise<BayReport> {
  const path = 'csv' in body ? 'bays/csv' : 'bays';
  return request(`${OP}/lots/${encodeURIComponent(lotId)}/${path}`, { method: 'POST', token, body });
}

export function updateBay(token: string, code: string, body: { accessible?: boolean; evCharging?: boolean }): Promise<OperatorBay> {
  return request(`${OP}/bays/${encodeURIComponent(code)}`, { method: 'PATCH', token, body });
}

export function retireBay(token: string, code: string): Promise<OperatorBay> {
  return request(`${OP}/bays/${encodeURIComponent(code)}/retire`, { method: 'POST', token, body: {} });
}

/** A page of the operator's devices (200); `after` is the previous page's `next`. */
export function fetchDevices(token: string, q: string, after: string | null, signal?: AbortSignal): Promise<{ devices: OperatorDevice[]; next: string | null }> {
  const params = new URLSearchParams({ ...(q ? { q } : {}), ...(after ? { after } : {}) });
  return request(`${OP}/devices${params.size ? `?${params}` : ''}`, { token, signal });
}

export function registerDevice(token: string, body: DeviceInput): Promise<DeviceSecret> {
  return request(`${OP}/devices`, { method: 'POST', token, body });
}

export function importDevices(token: string, csv: string): Promise<DeviceImport> {
  return request(`${OP}/devices/csv`, { method: 'POST', token, body: { csv } });
}

export function fetchDeviceDetail(token: string, id: string, signal?: AbortSignal): Promise<DeviceDetail> {
  return request(`${OP}/devices/${encodeURIComponent(id)}`, { token, signal });
}

/** rotate-secret answers the new secret, once; disable/enable the device. */
export function deviceAction(token: string, id: string, action: 'rotate-secret'): Promise<DeviceSecret>;
export function deviceAction(token: string, id: string, action: 'disable' | 'enable'): Promise<OperatorDevice>;
export function deviceAction(token: string, id: string, action: string): Promise<unknown> {
  return request(`${OP}/devices/${encodeURIComponent(id)}/${action}`, { method: 'POST', token, body: {} });
}

// ---- tariffs (billing/http/tariffs.ts, public.ts) and passes (billing/http/passes.ts) ----

/** The tariff in force at a lot and the next approved one: public. */
export function fetchLotTariff(lotId: string, signal?: AbortSignal): Promise<LotTariff> {
  return request(`/api/v1/lots/${encodeURIComponent(lotId)}/tariff`, { signal });
}

const lotTariffs = (lotId: string) => `/api/v1/operator/lots/${encodeURIComponent(lotId)}/tariffs`;

export function fetchTariffVersions(token: string, lotId: string, signal?: AbortSignal): Promise<LotVersions> {
  return request(lotTariffs(lotId), { token, signal });
}

/** A new draft (no version given) or a rewrite of one not yet in force. */
export function saveTariffDraft(token: string, lotId: string, draft: TariffDraft, version?: number): Promise<TariffVersion> {
  return version === undefined
    ? request(lotTariffs(lotId), { method: 'POST', token, body: draft })
    : request(`${lotTariffs(lotId)}/${version}`, { method: 'PUT', token, body: draft });
}

export function deleteTariffVersion(token: string, lotId: string, version: number): Promise<null> {
  return request(`${lotTariffs(lotId)}/${version}`, { method: 'DELETE', token });
}

export function previewTariff(token: string, lotId: string, tariff: TariffDraft, signal?: AbortSignal, stays?: { entry: string; exit: string }[]): Promise<TariffPreview> {
  return request(`${lotTariffs(lotId)}/preview`, { method: 'POST', token, signal, body: stays?.length ? { tariff, stays } : { tariff } });
}

export function scheduleTariff(token: string, lotId: string, version: number, effectiveFrom: string): Promise<TariffVersion> {
  return request(`${lotTariffs(lotId)}/${version}/schedule`, { method: 'POST', token, body: { effectiveFrom } });
}

export function fetchTariffApprovals(token: string, signal?: AbortSignal): Promise<PendingApprovals> {
  return request('/api/v1/operator/tariff-approvals', { token, signal });
}

export function decideTariff(token: string, lotId: string, version: number, reason?: string): Promise<TariffVersion> {
  return reason === undefined
    ? request(`${lotTariffs(lotId)}/${version}/approve`, { method: 'POST', token })
    : request(`${lotTariffs(lotId)}/${version}/reject`, { method: 'POST', token, body: { reason } });
}

/** Price steps of the caller's lots (the city: every lot), newest first. */
export function fetchPriceRecommendations(token: string, status: PriceRecommendation['status'], signal?: AbortSignal): Promise<{ recommendations: PriceRecommendation[] }> {
  return request(`/api/v1/operator/pricing/recommendations?status=${status}`, { token, signal });
}

export function runPriceRecommendations(token: string): Promise<{ lots: number; recommended: number; held: number; skipped: number }> {
  return request('/api/v1/operator/pricing/recommendations/run', { method: 'POST', token, body: {} });
}

/** Accept (a tariff version from next Monday) or reject with a reason; 409 once decided. */
export function decidePriceRecommendation(token: string, id: number, reason?: string): Promise<PriceRecommendation> {
  return reason === undefined
    ? request(`/api/v1/operator/pricing/recommendations/${id}/accept`, { method: 'POST', token })
    : request(`/api/v1/operator/pricing/recommendations/${id}/reject`, { method: 'POST', token, body: { reason } });
}

export function fetchPricingPolicy(token: string, signal?: AbortSignal): Promise<PricingPolicyView> {
  return request('/api/v1/operator/pricing/policy', { token, signal });
}

/** The city sets it; 403 for anyone else. */
export function savePricingPolicy(token: string, policy: PricingPolicy): Promise<PricingPolicyView> {
  return request('/api/v1/operator/pricing/policy', { method: 'PUT', token, body: policy });
}

export function fetchPasses(token: string, lotId: string | null, signal?: AbortSignal): Promise<{ passes: Pass[] }> {
  return request(`/api/v1/operator/passes${lotId ? `?lotId=${encodeURIComponent(lotId)}` : ''}`, { token, signal });
}

export function createPass(token: string, body: Record<string, unknown>): Promise<Pass> {
  return request('/api/v1/operator/passes', { method: 'POST', token, body });
}

export function revokePass(token: string, id: number): Promise<Pass> {
  return request(`/api/v1/operator/passes/${id}/revoke`, { method: 'POST', token });
}

/**
 * A failed call as the page shows it: in Chinese, the sentence of its error code (server-texts.ts;
 * the API's English message when the code is unknown); in English, the API's own message. The
 * language defaults to the one the page stored, so hooks outside React need not be handed it.
 */
export function errorMessage(err: unknown, lang: Lang = storedLang()): string {
  if (err instanceof ApiError) return apiErrorText(err.code, err.message, lang);
  return err instanceof Error ? err.message : String(err);
}
