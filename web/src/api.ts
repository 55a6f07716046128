// The page's only door to the API: same origin, JSON, errors in the `{ error: { code, message } }` shape.
import type { GuidanceResponse, LatLng, LotDetailResponse, LotsResponse, MapConfig } from './types.ts';

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

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { signal, headers: { accept: 'application/json' } });
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
  return (await res.json()) as T;
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
