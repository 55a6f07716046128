// Operator console accounts: an operator (migrations/001 `operators`, the company that runs lots or
// the city's platform team) signs in with its id and a password (scrypt, core/passwords.ts).
import type { Pool } from '../core/db/index.ts';
import { hashPassword, verifyAccountPassword, needsRehash } from '../core/passwords.ts';

export interface OperatorAccount { id: string; name: string }

const OPERATOR_ID = /^[a-z0-9][a-z0-9-]{1,39}$/;

/**
 * Create the operator, or set the password (and name) of an existing one. The hash is computed
 * before the database is touched: the embedded pool has one connection.
 */
export async function createOperator(pool: Pool, o: { id: string; name: string; password: string }): Promise<OperatorAccount> {
  if (!OPERATOR_ID.test(o.id)) throw new Error(`operator id "${o.id}" must be 2–40 lowercase letters, digits or dashes, e.g. op-zzpark`);
  if (o.password.length < 10) throw new Error('an operator password needs at least 10 characters');
  const hash = await hashPassword(o.password);
  const { rows } = await pool.query<OperatorAccount>(
    `INSERT INTO operators (id, name, password_hash) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, password_hash = EXCLUDED.password_hash
     RETURNING id, name`, [o.id, o.name, hash]);
  return rows[0];
}

/** The operator when the password matches; null otherwise (unknown id, no login, wrong password). */
export async function verifyOperator(pool: Pool, id: string, password: string): Promise<OperatorAccount | null> {
  const { rows } = await pool.query<{ id: string; name: string; password_hash: string | null }>(
    'SELECT id, name, password_hash FROM operators WHERE id = $1', [id]);
  if (!(await verifyAccountPassword(password, rows[0]?.password_hash))) return null;
  if (needsRehash(rows[0].password_hash!)) await pool.query('UPDATE operators SET password_hash = $2 WHERE id = $1', [id, await hashPassword(password)]);
  return { id: rows[0].id, name: rows[0].name };
}
