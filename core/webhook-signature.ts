// Webhook signatures, Stripe-style: the provider sends `OneLot-Signature: t=<unix seconds>,v1=<hex>`
// where v1 = HMAC-SHA256(secret, `${t}.${rawBody}`). Pure: no I/O; the clock is a parameter.
// Signing the timestamp with the body is what lets us refuse a replay of an old webhook: an
// attacker who captured one cannot change t without breaking v1, and an old t is outside the window.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'onelot-signature';
/** How old (or how far in the future) a signature may be: 5 minutes, Stripe's default tolerance. */
export const SIGNATURE_TOLERANCE_S = 300;

export function computeSignature(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

/** The header value for rawBody signed at `nowS` (unix seconds). */
export function signWebhook(secret: string, rawBody: string, nowS: number = Math.floor(Date.now() / 1000)): string {
  return `t=${nowS},v1=${computeSignature(secret, nowS, rawBody)}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Check a signature header against the raw body. Several v1 entries are accepted (a provider
 * rotating its secret signs with both); any one matching is enough.
 */
export function verifyWebhook(
  secret: string,
  rawBody: string,
  header: string | undefined | null,
  opts: { nowS?: number; toleranceS?: number } = {},
): VerifyResult {
  if (!header || header.trim() === '') return { ok: false, reason: 'the OneLot-Signature header is missing (unsigned webhook)' };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^[0-9]{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (timestamp === undefined) return { ok: false, reason: 'the OneLot-Signature header has no timestamp t=<unix seconds>' };
  if (candidates.length === 0) return { ok: false, reason: 'the OneLot-Signature header has no v1=<hex HMAC-SHA256> signature' };
  const nowS = opts.nowS ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceS ?? SIGNATURE_TOLERANCE_S;
  // Replay window: a signature older than the tolerance is refused even if it is genuine.
  if (Math.abs(nowS - timestamp) > tolerance) {
    return { ok: false, reason: `the signature timestamp is ${nowS - timestamp} s from now, outside the ${tolerance} s window (stale or replayed webhook)` };
  }
  const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), 'hex');
  // Constant-time: comparing byte by byte with === would leak how many leading bytes match.
  const match = candidates.some((c) => {
    const got = Buffer.from(c, 'hex');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
  return match ? { ok: true, timestamp } : { ok: false, reason: 'the signature does not match the body (wrong secret or tampered body)' };
}
