// One-time SMS codes (migrations/016): six digits, 10 minutes, 5 wrong tries, stored only as an
// HMAC. Asking for a code answers the same whether or not the phone has an account — what differs
// is the SMS, which only the phone's owner reads (a sign-up code, or "you already have an account,
// sign in or reset your password"). So registration tells a stranger nothing.
import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Pool } from '../core/db/index.ts';
import type { SmsSender } from '../core/sms.ts';

export type CodePurpose = 'register' | 'reset';
const CODE_TTL_MIN = 10;
const MAX_ATTEMPTS = 5;

const hmac = (secret: string, phone: string, purpose: CodePurpose, code: string) =>
  createHmac('sha256', secret).update(`${purpose}:${phone}:${code}`).digest('base64url');

async function hasAccount(pool: Pool, phone: string): Promise<boolean> {
  return (await pool.query('SELECT 1 FROM drivers WHERE phone = $1', [phone])).rows.length > 0;
}

async function issueCode(pool: Pool, secret: string, phone: string, purpose: CodePurpose): Promise<string> {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await pool.query('DELETE FROM phone_codes WHERE expires_at < now()');
  await pool.query(
    `INSERT INTO phone_codes (phone, purpose, code_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(mins => $4))
     ON CONFLICT (phone, purpose) DO UPDATE SET code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at, attempts = 0, created_at = now()`,
    [phone, purpose, hmac(secret, phone, purpose, code), CODE_TTL_MIN]);
  return code;
}

/**
 * Send what the phone's owner should read for `purpose`: registering a new phone or resetting an
 * existing account gets a code; registering a phone that has an account gets a note saying so;
 * resetting a phone without one gets nothing. The caller answers the same in every case.
 */
export async function sendPhoneCode(pool: Pool, sms: SmsSender, secret: string, phone: string, purpose: CodePurpose): Promise<void> {
  const exists = await hasAccount(pool, phone);
  if (purpose === 'register' && exists) {
    await sms.send({ to: phone, template: 'account-exists', params: {}, idempotencyKey: randomUUID() });
  } else if (purpose === 'register' || exists) {
    const code = await issueCode(pool, secret, phone, purpose);
    await sms.send({ to: phone, template: purpose === 'register' ? 'register-code' : 'reset-code', params: { code, minutes: String(CODE_TTL_MIN) }, idempotencyKey: randomUUID() });
  }
}

/** True (and the code is used up) when `code` is the phone's live code for `purpose`; a wrong try counts. */
export async function consumePhoneCode(pool: Pool, secret: string, phone: string, purpose: CodePurpose, code: string): Promise<boolean> {
  const { rows } = await pool.query<{ code_hash: string }>(
    `UPDATE phone_codes SET attempts = attempts + 1 WHERE phone = $1 AND purpose = $2 AND expires_at > now() AND attempts < $3 RETURNING code_hash`,
    [phone, purpose, MAX_ATTEMPTS]);
  const stored = rows[0]?.code_hash;
  const given = hmac(secret, phone, purpose, code);
  if (!stored || stored.length !== given.length || !timingSafeEqual(Buffer.from(stored), Buffer.from(given))) return false;
  await pool.query('DELETE FROM phone_codes WHERE phone = $1 AND purpose = $2', [phone, purpose]);
  return true;
}
