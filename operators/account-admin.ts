// Managing console accounts (issue 11): the city onboards an operator with its first admin; an
// admin manages its own tenant's staff (create, disable/enable, refund limit, reset password);
// anyone changes their own password. A new or reset account gets a one-time setup code instead of
// a password: it is stored as the account's password hash with must_set_password, expires after
// SETUP_CODE_DAYS, and signing in with it only lets the person choose a password
// (operators/http/login.ts). Disabling, resetting and changing a password end sessions at once
// (core/sessions.ts). Every change is in the audit log (core/audit.ts), in the same transaction.
import { randomBytes } from 'node:crypto';
import { withTx } from '../core/db/tx.ts';
import type { Pool, PoolClient } from '../core/db/index.ts';
import { audit } from '../core/audit.ts';
import { OneLotError } from '../core/errors.ts';
import { hashPassword } from '../core/passwords.ts';
import { revokeSessionsOf, type OperatorRole } from '../core/sessions.ts';
import { hidden, type TenantScope } from '../core/tenancy.ts';

/** A setup code is a password handed over by someone else: short-lived. */
const SETUP_CODE_DAYS = 7;
const OPERATOR_ID = /^[a-z0-9][a-z0-9-]{1,39}$/;
const ACCOUNT_ID = /^[a-z0-9][a-z0-9.@_-]{1,79}$/;
export const MIN_PASSWORD = 10;

export interface AccountView {
  accountId: string; operatorId: string | null; role: OperatorRole; name: string; active: boolean;
  mustSetPassword: boolean; refundLimitFen: number | null; createdAt: string; lastSignInAt?: string | null;
}
export interface WithSetupCode { account: AccountView; setupCode: string; setupExpiresAt: string }

const COLUMNS = 'id, operator_id, role, name, active, must_set_password, refund_limit_fen, created_at';
function toView(r: any): AccountView {
  return {
    accountId: r.id, operatorId: r.operator_id, role: r.role, name: r.name, active: r.active, mustSetPassword: r.must_set_password,
    refundLimitFen: r.refund_limit_fen === null ? null : Number(r.refund_limit_fen), createdAt: new Date(r.created_at).toISOString(),
  };
}

/** 12 characters a person can read out and type: no 0/O, 1/l/I. */
function newSetupCode(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return [...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join('');
}

async function setupFields(): Promise<{ code: string; hash: string; expiresAt: string }> {
  const code = newSetupCode();
  // Hashed before any connection is held: the embedded pool has one.
  return { code, hash: await hashPassword(code), expiresAt: new Date(Date.now() + SETUP_CODE_DAYS * 86_400_000).toISOString() };
}

function checkAccountId(id: string): void {
  if (!ACCOUNT_ID.test(id)) throw new OneLotError('ONELOT_ERR_VALIDATION', `account "${id}" must be 2–80 lowercase letters, digits or . @ _ -, e.g. li.wei@zzpark`);
}

/** City role: a new operator (tenant) and its first admin, who sets a password with the code. */
export async function onboardOperator(pool: Pool, by: TenantScope, o: { operatorId: string; name: string; adminAccount: string; adminName: string }): Promise<WithSetupCode> {
  if (!OPERATOR_ID.test(o.operatorId)) throw new OneLotError('ONELOT_ERR_VALIDATION', `operatorId "${o.operatorId}" must be 2–40 lowercase letters, digits or dashes, e.g. op-zzpark`);
  checkAccountId(o.adminAccount);
  const s = await setupFields();
  return withTx(pool, async (c) => {
    const op = await c.query('INSERT INTO operators (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id', [o.operatorId, o.name]);
    if (op.rowCount === 0) throw new OneLotError('ONELOT_ERR_CONFLICT', `Operator ${o.operatorId} exists already; choose another id.`);
    const account = await insertAccount(c, { id: o.adminAccount, operatorId: o.operatorId, role: 'admin', name: o.adminName, refundLimitFen: null }, s);
    await audit(c, { by, operatorId: o.operatorId, action: 'operator.onboard', objectType: 'operator', objectId: o.operatorId, after: { name: o.name, admin: account } });
    return { account, setupCode: s.code, setupExpiresAt: s.expiresAt };
  });
}

async function insertAccount(c: PoolClient, a: { id: string; operatorId: string; role: OperatorRole; name: string; refundLimitFen: number | null }, s: { hash: string; expiresAt: string }): Promise<AccountView> {
  const r = await c.query(
    `INSERT INTO operator_accounts (id, operator_id, role, name, password_hash, must_set_password, setup_expires_at, refund_limit_fen)
     VALUES ($1, $2, $3, $4, $5, true, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
    [a.id, a.operatorId, a.role, a.name, s.hash, s.expiresAt, a.refundLimitFen]);
  if (r.rowCount === 0) throw new OneLotError('ONELOT_ERR_CONFLICT', `The account name ${a.id} is taken; choose another.`);
  return toView(r.rows[0]);
}

interface OperatorSummary {
  operatorId: string; name: string; lots: number; accounts: number; createdAt: string;
  admins: Array<{ accountId: string; active: boolean; mustSetPassword: boolean }>;
}

/** Operators (tenants) with their lot and account counts and their admins: the city's list. */
export async function listOperators(pool: Pool): Promise<OperatorSummary[]> {
  const { rows } = await pool.query(
    `SELECT o.id, o.name, o.created_at, (SELECT count(*) FROM lots l WHERE l.operator_id = o.id)::int AS lots,
            (SELECT count(*) FROM operator_accounts a WHERE a.operator_id = o.id)::int AS accounts,
            (SELECT coalesce(json_agg(json_build_object('accountId', a.id, 'active', a.active, 'mustSetPassword', a.must_set_password) ORDER BY a.id), '[]')
               FROM operator_accounts a WHERE a.operator_id = o.id AND a.role = 'admin') AS admins
       FROM operators o ORDER BY o.id`);
  return rows.map((r) => ({ operatorId: r.id, name: r.name, lots: r.lots, accounts: r.accounts, createdAt: new Date(r.created_at).toISOString(), admins: r.admins }));
}

/** The caller's tenant's accounts (the city: every account). */
export async function listAccounts(pool: Pool, by: TenantScope): Promise<AccountView[]> {
  // The last sign-in is read from the audit log (sessions are deleted a day after they end).
  const { rows } = await pool.query(
    `SELECT ${COLUMNS}, (SELECT max(at) FROM audit_log l WHERE l.action = 'sign-in' AND l.account_id = operator_accounts.id) AS last_sign_in
       FROM operator_accounts WHERE $1::text IS NULL OR operator_id = $1 ORDER BY operator_id NULLS FIRST, id`, [by.operatorId]);
  return rows.map((r) => ({ ...toView(r), lastSignInAt: r.last_sign_in ? new Date(r.last_sign_in).toISOString() : null }));
}

/** Admin: a staff (or admin) account in its own tenant, with a one-time setup code. */
export async function createAccount(pool: Pool, by: TenantScope, a: { accountId: string; name: string; role: 'admin' | 'staff'; refundLimitFen?: number }): Promise<WithSetupCode> {
  checkAccountId(a.accountId);
  const s = await setupFields();
  return withTx(pool, async (c) => {
    const account = await insertAccount(c, { id: a.accountId, operatorId: by.operatorId!, role: a.role, name: a.name, refundLimitFen: a.refundLimitFen ?? null }, s);
    await audit(c, { by, operatorId: by.operatorId, action: 'account.create', objectType: 'account', objectId: a.accountId, after: account });
    return { account, setupCode: s.code, setupExpiresAt: s.expiresAt };
  });
}

/** An account of the admin's own tenant, locked; another tenant's is not there (404). */
async function ownAccount(c: PoolClient, by: TenantScope, accountId: string): Promise<AccountView> {
  const r = await c.query(`SELECT ${COLUMNS} FROM operator_accounts WHERE id = $1 AND operator_id = $2 FOR UPDATE`, [accountId, by.operatorId]);
  if (!r.rows[0]) throw hidden(`Account ${accountId}`);
  return toView(r.rows[0]);
}

/** Admin: disable/enable, rename, or set the refund limit of an account of its tenant. Disabling ends its sessions. */
export async function updateAccount(pool: Pool, by: TenantScope, accountId: string, patch: { active?: boolean; name?: string; refundLimitFen?: number | null }): Promise<AccountView> {
  const after = await withTx(pool, async (c) => {
    const before = await ownAccount(c, by, accountId);
    if (accountId === by.accountId && patch.active === false) throw new OneLotError('ONELOT_ERR_CONFLICT', 'You cannot disable your own account; ask another admin of your operator.');
    const r = await c.query(
      `UPDATE operator_accounts SET active = COALESCE($2, active), name = COALESCE($3, name),
              refund_limit_fen = CASE WHEN $4::boolean THEN $5::bigint ELSE refund_limit_fen END
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [accountId, patch.active ?? null, patch.name ?? null, patch.refundLimitFen !== undefined, patch.refundLimitFen ?? null]);
    const view = toView(r.rows[0]);
    await audit(c, { by, operatorId: by.operatorId, action: 'account.update', objectType: 'account', objectId: accountId, before, after: view });
    return view;
  });
  if (!after.active) await revokeSessionsOf(pool, { accountId });
  return after;
}

/** Admin: a new one-time setup code for an account of its tenant; its password and sessions end now. */
export async function resetPassword(pool: Pool, by: TenantScope, accountId: string): Promise<WithSetupCode> {
  const s = await setupFields();
  const out = await withTx(pool, async (c) => {
    await ownAccount(c, by, accountId);
    const r = await c.query(`UPDATE operator_accounts SET password_hash = $2, must_set_password = true, setup_expires_at = $3 WHERE id = $1 RETURNING ${COLUMNS}`, [accountId, s.hash, s.expiresAt]);
    await audit(c, { by, operatorId: by.operatorId, action: 'account.reset-password', objectType: 'account', objectId: accountId });
    return { account: toView(r.rows[0]), setupCode: s.code, setupExpiresAt: s.expiresAt };
  });
  await revokeSessionsOf(pool, { accountId });
  return out;
}

/**
 * Set an account's own password (first sign-in with a setup code, or a change); every other
 * session of the account ends (`keep`: the caller's own, when changing while signed in).
 */
export async function setOwnPassword(pool: Pool, account: { accountId: string; operatorId: string | null }, password: string, keep?: string): Promise<void> {
  if (password.length < MIN_PASSWORD) throw new OneLotError('ONELOT_ERR_VALIDATION', `the new password needs at least ${MIN_PASSWORD} characters`);
  const hash = await hashPassword(password);
  await withTx(pool, async (c) => {
    await c.query('UPDATE operator_accounts SET password_hash = $2, must_set_password = false, setup_expires_at = NULL WHERE id = $1', [account.accountId, hash]);
    await audit(c, { by: account, operatorId: account.operatorId, action: 'account.set-password', objectType: 'account', objectId: account.accountId });
  });
  await revokeSessionsOf(pool, { accountId: account.accountId }, keep);
}
