// Operators' console accounts (migrations/010 operator_accounts): an operator's admin or staff, or
// the city's platform team, signing in with a name and a password (scrypt, core/passwords.ts).
import type { Pool } from '../core/db/index.ts';
import { hashPassword, verifyAccountPassword, needsRehash } from '../core/passwords.ts';
import type { OperatorRole } from '../core/sessions.ts';

export interface ConsoleAccount { accountId: string; operatorId: string | null; role: OperatorRole; name: string }

const OPERATOR_ID = /^[a-z0-9][a-z0-9-]{1,39}$/;

/**
 * Create the operator (tenant) and its admin account named like it, or set the password (and name)
 * of an existing one. The hash is computed before the database is touched: the embedded pool has
 * one connection.
 */
export async function createOperator(pool: Pool, o: { id: string; name: string; password: string }): Promise<ConsoleAccount> {
  if (!OPERATOR_ID.test(o.id)) throw new Error(`operator id "${o.id}" must be 2–40 lowercase letters, digits or dashes, e.g. op-zzpark`);
  if (o.password.length < 10) throw new Error('an operator password needs at least 10 characters');
  const hash = await hashPassword(o.password);
  await pool.query('INSERT INTO operators (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name', [o.id, o.name]);
  return upsertAccount(pool, { accountId: o.id, operatorId: o.id, role: 'admin', name: o.name }, hash);
}

/** Create a city-role account (the platform team), or set its password. */
export async function createCityAccount(pool: Pool, a: { id: string; name: string; password: string }): Promise<ConsoleAccount> {
  if (a.password.length < 10) throw new Error('a console password needs at least 10 characters');
  return upsertAccount(pool, { accountId: a.id, operatorId: null, role: 'city', name: a.name }, await hashPassword(a.password));
}

async function upsertAccount(pool: Pool, a: ConsoleAccount, hash: string): Promise<ConsoleAccount> {
  await pool.query(
    `INSERT INTO operator_accounts (id, operator_id, role, name, password_hash) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, password_hash = EXCLUDED.password_hash, must_set_password = false`,
    [a.accountId, a.operatorId, a.role, a.name, hash]);
  return a;
}

/** The account when it is active and the password matches; null otherwise (one answer for every refusal). */
export async function verifyConsoleAccount(pool: Pool, id: string, password: string): Promise<ConsoleAccount | null> {
  const { rows } = await pool.query<{ id: string; operator_id: string | null; role: OperatorRole; name: string; password_hash: string | null; active: boolean }>(
    'SELECT id, operator_id, role, name, password_hash, active FROM operator_accounts WHERE id = $1', [id]);
  const a = rows[0];
  if (!(await verifyAccountPassword(password, a?.password_hash)) || !a.active) return null;
  if (needsRehash(a.password_hash!)) await pool.query('UPDATE operator_accounts SET password_hash = $2 WHERE id = $1', [id, await hashPassword(password)]);
  return { accountId: a.id, operatorId: a.operator_id, role: a.role, name: a.name };
}

/** A new password for an existing account (the caller checked the current one). */
export async function setConsolePassword(pool: Pool, id: string, password: string): Promise<void> {
  const hash = await hashPassword(password);
  await pool.query('UPDATE operator_accounts SET password_hash = $2, must_set_password = false WHERE id = $1', [id, hash]);
}
