// Drivers' accounts: sign-up and sign-in by phone, their plates (contactless on or off) and their
// payment methods (tokens from the provider; the account number itself is never stored).
import type { Pool } from '../core/db/index.ts';
import { withTx } from '../core/db/tx.ts';
import { OneLotError } from '../core/errors.ts';
import { hashPassword, needsRehash, verifyAccountPassword } from '../core/passwords.ts';
import type { ProviderClient } from './client.ts';
import { claimsOf, toPlate } from './plate-claims.ts';
import type { Driver, DriverPlate, Me, PaymentMethod } from './http/schemas.ts';

/** A new account, or null when the phone has one (the caller answers as for a wrong code). */
export async function registerDriver(pool: Pool, a: { phone: string; password: string; name?: string }): Promise<Driver | null> {
  // Hash before touching the pool: never hold the one connection through ~50 ms of scrypt.
  const hash = await hashPassword(a.password);
  const { rows } = await pool.query<Driver>(
    `INSERT INTO drivers (phone, password_hash, name) VALUES ($1, $2, $3) ON CONFLICT (phone) DO NOTHING RETURNING id, phone, name`,
    [a.phone, hash, a.name ?? null]);
  return rows[0] ?? null;
}

/** Set a driver's password (reset by SMS code, or a change after the current one was checked); null when no such phone. */
export async function setDriverPassword(pool: Pool, phone: string, password: string): Promise<Driver | null> {
  const hash = await hashPassword(password);
  const { rows } = await pool.query<Driver>('UPDATE drivers SET password_hash = $2 WHERE phone = $1 RETURNING id, phone, name', [phone, hash]);
  return rows[0] ?? null;
}

/** The driver when the password matches; null otherwise (unknown phone and wrong password alike). */
export async function verifyDriver(pool: Pool, phone: string, password: string): Promise<Driver | null> {
  const { rows } = await pool.query<Driver & { password_hash: string }>(
    'SELECT id, phone, name, password_hash FROM drivers WHERE phone = $1', [phone]);
  const d = rows[0];
  if (!(await verifyAccountPassword(password, d?.password_hash))) return null;
  if (needsRehash(d.password_hash)) await pool.query('UPDATE drivers SET password_hash = $2 WHERE id = $1', [d.id, await hashPassword(password)]);
  return { id: d.id, phone: d.phone, name: d.name };
}

export async function driverProfile(pool: Pool, driverId: number): Promise<Me> {
  const d = (await pool.query<Driver>('SELECT id, phone, name FROM drivers WHERE id = $1', [driverId])).rows[0];
  // A valid token for an account that no longer exists.
  if (!d) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
  return { driver: d, plates: await platesOf(pool, driverId), claims: await claimsOf(pool, driverId), paymentMethods: await methodsOf(pool, driverId) };
}

async function platesOf(pool: Pool, driverId: number): Promise<DriverPlate[]> {
  const { rows } = await pool.query<{ plate: string; contactless: boolean; added_at: Date; claimed_at: Date }>(
    'SELECT plate, contactless, added_at, claimed_at FROM driver_plates WHERE driver_id = $1 ORDER BY added_at, plate', [driverId]);
  return rows.map(toPlate);
}

async function methodsOf(pool: Pool, driverId: number): Promise<PaymentMethod[]> {
  const { rows } = await pool.query<{ id: number; label: string; is_default: boolean }>(
    'SELECT id, label, is_default FROM payment_methods WHERE driver_id = $1 ORDER BY created_at DESC, id DESC', [driverId]);
  return rows.map((r) => ({ id: r.id, label: r.label, isDefault: r.is_default }));
}

export async function removePlate(pool: Pool, driverId: number, plate: string): Promise<void> {
  const r = await pool.query('DELETE FROM driver_plates WHERE plate = $1 AND driver_id = $2', [plate, driverId]);
  if (r.rowCount === 0) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `The plate ${plate} on your account`);
}

/** Contactless ("leave and go") on or off; on needs a default payment method. */
export async function setContactless(pool: Pool, driverId: number, plate: string, enabled: boolean): Promise<DriverPlate> {
  if (enabled) {
    const { rows } = await pool.query('SELECT 1 FROM payment_methods WHERE driver_id = $1 AND is_default', [driverId]);
    if (!rows[0]) throw new OneLotError('ONELOT_ERR_CONFLICT', 'Contactless payment needs a payment method: add one with POST /api/v1/me/payment-methods first.');
  }
  const { rows } = await pool.query<{ plate: string; contactless: boolean; added_at: Date; claimed_at: Date }>(
    'UPDATE driver_plates SET contactless = $3 WHERE plate = $1 AND driver_id = $2 RETURNING plate, contactless, added_at, claimed_at', [plate, driverId, enabled]);
  if (!rows[0]) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `The plate ${plate} on your account (add it with POST /api/v1/me/plates)`);
  return toPlate(rows[0]);
}

/** Tokenise the method at the provider and make it the account's default. */
export async function addPaymentMethod(pool: Pool, client: ProviderClient, driverId: number, method: { kind: 'alipay' | 'wechat' | 'card'; account: string }): Promise<PaymentMethod> {
  const pm = await client.createPaymentMethod(method).catch((err) => {
    throw new OneLotError('ONELOT_ERR_VALIDATION', `the payment provider did not accept the method: ${(err as Error).message}`);
  });
  return withTx(pool, async (c) => {
    await c.query('UPDATE payment_methods SET is_default = false WHERE driver_id = $1 AND is_default', [driverId]);
    const { rows } = await c.query<{ id: number }>(
      `INSERT INTO payment_methods (driver_id, provider, token, label, is_default) VALUES ($1, 'simpay', $2, $3, true) RETURNING id`,
      [driverId, pm.token, pm.label]);
    return { id: rows[0].id, label: pm.label, isDefault: true };
  });
}

/** The token of the driver's default method for paying invoice `invoiceId`, which must be of one of their plates, from a stay since the claim. */
export async function defaultSourceFor(pool: Pool, driverId: number, invoiceId: number): Promise<string> {
  const { rows } = await pool.query<{ token: string; owns: boolean }>(
    `SELECT m.token, EXISTS (SELECT 1 FROM invoices i JOIN sessions s ON s.id = i.session_id
                    JOIN driver_plates dp ON dp.plate = i.plate AND s.entry_time >= dp.claimed_at WHERE i.id = $2 AND dp.driver_id = $1) AS owns
       FROM payment_methods m WHERE m.driver_id = $1 AND m.is_default ORDER BY m.created_at DESC, m.id DESC LIMIT 1`, [driverId, invoiceId]);
  if (!rows[0]) throw new OneLotError('ONELOT_ERR_CONFLICT', 'You have no payment method: add one with POST /api/v1/me/payment-methods, or send a one-off "source".');
  // A saved method pays only the account's own plates; anyone may pay any invoice with a one-off token.
  if (!rows[0].owns) throw new OneLotError('ONELOT_ERR_FORBIDDEN', 'Your saved payment method pays only invoices of your own plates; pay this one with a one-off "source".');
  return rows[0].token;
}
