// The operator's bearer token, kept in sessionStorage: it lives as long as the tab, so a reload stays
// signed in but a console left behind on a shared counter PC does not outlive its window (drivers
// are signed in by an HttpOnly cookie, auth.ts). An expired token is dropped here rather than sent.
import { ApiError, errorMessage } from './api.ts';
import { isLive } from './auth.ts';
import type { StringKey } from './i18n.ts';
import type { OperatorLoginResponse } from './types.ts';

export const OPERATOR_TOKEN_STORAGE_KEY = 'onelot.operatorToken';

export type OperatorSession = OperatorLoginResponse;

/** sessionStorage, or null where storage is blocked (sandboxed frames, some private modes). */
function defaultStorage(): Storage | null {
  try {
    return sessionStorage;
  } catch {
    return null;
  }
}

const isRole = (r: unknown): r is OperatorSession['role'] => r === 'city' || r === 'admin' || r === 'staff';

export function loadOperatorSession(now = Date.now(), storage = defaultStorage()): OperatorSession | null {
  try {
    const raw = storage?.getItem(OPERATOR_TOKEN_STORAGE_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Partial<OperatorSession>;
    if (typeof s.token !== 'string' || typeof s.expiresAt !== 'string' || typeof s.accountId !== 'string' || !isRole(s.role)) return null;
    const stored: OperatorSession = {
      token: s.token, expiresAt: s.expiresAt, accountId: s.accountId, role: s.role,
      operatorId: typeof s.operatorId === 'string' ? s.operatorId : null, name: typeof s.name === 'string' ? s.name : s.accountId,
    };
    return isLive(stored, now) ? stored : null;
  } catch {
    return null; // a corrupt value: signed out
  }
}

export function saveOperatorSession(s: OperatorSession | null, storage = defaultStorage()): void {
  try {
    if (s) storage?.setItem(OPERATOR_TOKEN_STORAGE_KEY, JSON.stringify(s));
    else storage?.removeItem(OPERATOR_TOKEN_STORAGE_KEY);
  } catch {
    // Not remembered across reloads, still signed in for this page.
  }
}

/**
 * A refused sign-in as the form shows it: a line in the page's language for the refusals we know
 * (401 wrong id or password, 429 locked after repeated failures), and the API's own message, which
 * says how long a lock lasts and who sets passwords.
 */
export function loginFailure(err: unknown): { lead: StringKey | null; detail: string } {
  if (err instanceof ApiError && err.status === 401) return { lead: 'opWrongCredentials', detail: err.message };
  if (err instanceof ApiError && err.status === 429) return { lead: 'opLocked', detail: err.message };
  return { lead: null, detail: errorMessage(err) };
}
