// The page's only door to the API: same origin, JSON, errors in the `{ error: { code, message } }` shape.
import type {
  Analytics,
  ArrearsPlate,
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
  PlateInvoicesResponse,
  RefundResponse,
  RemindersRunResponse,
  ResolveAction,
  ResolveResponse,
  ReviewQueue,
  SessionsResponse,
  TokenResponse,
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
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Operator bearer token (api/auth.ts); without one the driver's session cookie goes with the request. */
  token?: string;
  signal?: AbortSignal;
}

async function request<T>(path: string, { method = 'GET', body, token, signal }: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
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

export function addPlate(plate: string): Promise<DriverPlate> {
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

/** Outstanding invoices of a plate, masked; no account needed. */
export function fetchPlateInvoices(plate: string, signal?: AbortSignal): Promise<PlateInvoicesResponse> {
  return request(`/api/v1/invoices?plate=${encodeURIComponent(plate)}`, { signal });
}

/** One invoice of a presented plate (its status while a payment settles, then the receipt link). */
export function fetchPlateInvoice(id: number, plate: string, signal?: AbortSignal): Promise<Invoice> {
  return request(`/api/v1/invoices/${id}?plate=${encodeURIComponent(plate)}`, { signal });
}

/** Start paying: a one-off checkout token, or (signed in, no source) the default method. 202 pending. */
export function payInvoice(id: number, opts: { source?: string }): Promise<PayResponse> {
  return request(`/api/v1/invoices/${id}/pay`, { method: 'POST', body: opts.source ? { source: opts.source } : {} });
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
export function resolveException(token: string, id: number, action: ResolveAction, note?: string): Promise<ResolveResponse> {
  return request(`/api/v1/operator/exceptions/${id}/resolve`, { method: 'POST', token, body: note ? { action, note } : { action } });
}

/** Plates with overdue invoices, largest total first. */
export function fetchArrearsPlates(token: string, limit = 500, signal?: AbortSignal): Promise<{ plates: ArrearsPlate[] }> {
  return request(`/api/v1/operator/arrears/plates?limit=${limit}`, { token, signal });
}

export function fetchPlateArrears(token: string, plate: string, signal?: AbortSignal): Promise<PlateArrears> {
  return request(`/api/v1/operator/arrears?plate=${encodeURIComponent(plate)}&limit=100`, { token, signal });
}

/** Refund a paid invoice in full; 202, the provider confirms by webhook. 409 unless paid. */
export function refundInvoice(token: string, id: number): Promise<RefundResponse> {
  return request(`/api/v1/operator/invoices/${id}/refund`, { method: 'POST', token, body: {} });
}

/** Send overdue reminders now (normally on REMINDER_CRON). */
export function runReminders(token: string): Promise<RemindersRunResponse> {
  return request('/api/v1/operator/reminders/run', { method: 'POST', token, body: {} });
}

export function fetchAnalytics(token: string, q: { from: string; to: string; lotId?: string | null }, signal?: AbortSignal): Promise<Analytics> {
  const params = new URLSearchParams({ from: q.from, to: q.to });
  if (q.lotId) params.set('lotId', q.lotId);
  return request(`/api/v1/operator/analytics?${params}`, { token, signal });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
