// The payment provider client. Every call that moves money carries an idempotency key, and a
// retry (after a timeout, a dropped connection, a 5xx or a 429) reuses the SAME key: the provider
// then answers with the charge it already made instead of making a second one.
import { exchange, keptAliveAgent } from './http-exchange.ts';

export interface ProviderCharge {
  id: string;
  status: 'pending' | 'succeeded' | 'failed' | 'refunded';
  amount_fen: number;
  /** ISO 4217; ours are always CNY (payments/provider-outcomes.ts holds a charge reported otherwise). */
  currency: string;
  failure_code: string | null;
  metadata: Record<string, string>;
}

/** A refund as the provider reports it (in the create answer and in charge.refunded's data.refund). */
export interface ProviderRefund {
  id: string;
  charge?: string;
  amount_fen?: number;
  status: string;
  metadata?: Record<string, string>;
}

export interface CreateChargeRequest {
  amount_fen: number;
  currency: 'CNY';
  source: string;
  description: string;
  metadata: Record<string, string>;
}

export interface ProviderClient {
  readonly baseUrl: string;
  createCharge(req: CreateChargeRequest, idempotencyKey: string): Promise<ProviderCharge>;
  /** null when the provider has no such charge. */
  getCharge(id: string): Promise<ProviderCharge | null>;
  /**
   * Cancel a charge still waiting for its payer; answers the charge as it now stands (failed with
   * failure_code 'canceled', or its outcome if it settled first). Safe to repeat.
   */
  cancelCharge(id: string): Promise<ProviderCharge>;
  /** Refund (part of) a charge; its outcome arrives as charge.refunded with data.refund (metadata echoed). */
  createRefund(req: { charge: string; amount_fen: number; metadata?: Record<string, string> }, idempotencyKey: string): Promise<ProviderRefund>;
  createPaymentMethod(req: { kind: 'alipay' | 'wechat' | 'card'; account: string }): Promise<{ token: string; label: string }>;
}

/**
 * 'rejected': the provider understood and refused (4xx): retrying the same request will not help.
 * 'unavailable': no definite answer (timeouts, network, 5xx) after every retry: the outcome is
 * unknown, so the caller must keep the attempt open and reconcile later, never start a new one.
 */
export class ProviderError extends Error {
  constructor(readonly kind: 'rejected' | 'unavailable', message: string, readonly status?: number, readonly code?: string) {
    super(message);
  }
}

export interface ProviderClientOptions {
  baseUrl: string;
  /** Per-attempt timeout (ms). */
  timeoutMs?: number;
  /** Attempts in all, the first included. */
  attempts?: number;
  /** First backoff (ms), doubled after each failed attempt. */
  backoffMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createProviderClient(opts: ProviderClientOptions): ProviderClient {
  const baseUrl = opts.baseUrl.replace(/\/$/, '');
  const timeoutMs = opts.timeoutMs ?? 2000;
  const attempts = opts.attempts ?? 4;
  const backoffMs = opts.backoffMs ?? 200;
  // A request that meets a connection the provider just closed is retried, with the same key.
  const agent = keptAliveAgent(baseUrl);

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string, allow404 = false): Promise<T | null> {
    const url = new URL(baseUrl + path);
    const payload = body !== undefined ? JSON.stringify(body) : undefined;
    const headers: Record<string, string> = {
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
    };
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(backoffMs * 2 ** (attempt - 2));
      const res = await exchange(url, agent, method, headers, payload, timeoutMs);
      if ('failed' in res) {
        // Timeout or connection error: the request may or may not have reached the provider.
        // Safe to retry only because the key is the same.
        lastError = res.failed;
        continue;
      }
      let json: any = null;
      let parsed = true;
      try {
        json = res.text ? JSON.parse(res.text) : null;
      } catch {
        parsed = false;
      }
      if (res.status >= 200 && res.status < 300) {
        if (parsed) return json as T;
        // Not the provider's own answer (a proxy's page, say): ask again, with the same key.
        lastError = `HTTP ${res.status} with a body that is not JSON`;
        continue;
      }
      if (res.status === 404 && allow404) return null;
      if (res.status >= 500 || res.status === 429) {
        lastError = `HTTP ${res.status}`;
        continue;
      }
      throw new ProviderError('rejected', `the payment provider refused ${method} ${path}: ${json?.error?.message ?? `HTTP ${res.status}`}`, res.status, json?.error?.code);
    }
    throw new ProviderError('unavailable', `the payment provider did not answer ${method} ${path} after ${attempts} attempts (${lastError})`);
  }

  return {
    baseUrl,
    createCharge: async (req, key) => (await call<ProviderCharge>('POST', '/v1/charges', req, key))!,
    getCharge: (id) => call<ProviderCharge>('GET', `/v1/charges/${encodeURIComponent(id)}`, undefined, undefined, true),
    cancelCharge: async (id) => (await call<ProviderCharge>('POST', `/v1/charges/${encodeURIComponent(id)}/cancel`, {}))!,
    createRefund: async (req, key) => (await call<ProviderRefund>('POST', '/v1/refunds', req, key))!,
    createPaymentMethod: async (req) => (await call<{ token: string; label: string }>('POST', '/v1/payment_methods', req))!,
  };
}
