// Sessions behind bearer tokens (migrations/010 auth_sessions). Signing in opens one; a token
// (core/tokens.ts) names it; every authenticated request asks principalOf, which honours it only
// while it is unexpired, unrevoked and, for the console, its account active — so signing out, a
// password change or disabling an account takes effect on the next request, not 12 hours later.
// One primary-key lookup per request; kept in the database (not memory) so several API processes
// agree.
import { randomBytes } from 'node:crypto';
import type { Pool } from './db/index.ts';
import { issueToken, verifyToken, TOKEN_TTL_S } from './tokens.ts';

export type OperatorRole = 'city' | 'admin' | 'staff';

/** A signed-in console user: the account, its tenant (null for the city role) and role. */
export interface OperatorPrincipal {
  accountId: string;
  /** The tenant (operators.id) whose lots the account may touch; null for the city role. */
  operatorId: string | null;
  role: OperatorRole;
}

export type SessionSubject = { driverId: number } | { accountId: string };
export type Principal = { sessionId: string; driverId: number } | { sessionId: string; operator: OperatorPrincipal };

export interface OpenedSession { token: string; sessionId: string; expiresAt: string }

export async function openSession(pool: Pool, secret: string, who: SessionSubject, nowS = Math.floor(Date.now() / 1000), ttlS = TOKEN_TTL_S): Promise<OpenedSession> {
  const sessionId = randomBytes(16).toString('base64url');
  const expiresAt = new Date((nowS + ttlS) * 1000).toISOString();
  await pool.query('INSERT INTO auth_sessions (id, driver_id, account_id, created_at, expires_at) VALUES ($1, $2, $3, to_timestamp($4), $5)',
    [sessionId, 'driverId' in who ? who.driverId : null, 'accountId' in who ? who.accountId : null, nowS, expiresAt]);
  return { token: issueToken(secret, sessionId, nowS, ttlS), sessionId, expiresAt };
}

/** Who a token speaks for, or null when it is forged, expired, revoked or its account disabled. */
export async function principalOf(pool: Pool, secret: string, token: string): Promise<Principal | null> {
  const claims = verifyToken(secret, token);
  if (!claims) return null;
  const { rows } = await pool.query<{ driver_id: string | null; account_id: string | null; operator_id: string | null; role: OperatorRole | null; active: boolean | null }>(
    `SELECT s.driver_id, s.account_id, a.operator_id, a.role, a.active
       FROM auth_sessions s LEFT JOIN operator_accounts a ON a.id = s.account_id
      WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`, [claims.sid]);
  const r = rows[0];
  if (!r) return null;
  if (r.driver_id !== null) return { sessionId: claims.sid, driverId: Number(r.driver_id) };
  if (r.account_id === null || !r.active || r.role === null) return null;
  return { sessionId: claims.sid, operator: { accountId: r.account_id, operatorId: r.operator_id, role: r.role } };
}

/** Sign out: the session's token is refused from now on. */
export async function revokeSession(pool: Pool, sessionId: string): Promise<void> {
  await pool.query('UPDATE auth_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [sessionId]);
}

/** End every session of a driver or account (password changed, account disabled), but `keep`. */
export async function revokeSessionsOf(pool: Pool, who: SessionSubject, keep?: string): Promise<number> {
  const [col, id] = 'driverId' in who ? ['driver_id', who.driverId] : ['account_id', who.accountId];
  const r = await pool.query(`UPDATE auth_sessions SET revoked_at = now() WHERE ${col} = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2`, [id, keep ?? null]);
  return r.rowCount ?? 0;
}

/**
 * Delete sessions that can never be honoured again: expired, or revoked more than a day ago (kept
 * that long so a sign-out can still be looked up while someone asks "was that me?").
 */
export async function purgeDeadSessions(pool: Pool): Promise<number> {
  const r = await pool.query(`DELETE FROM auth_sessions WHERE expires_at < now() OR revoked_at < now() - interval '1 day'`);
  return r.rowCount ?? 0;
}
