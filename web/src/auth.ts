// The driver's bearer token, kept in localStorage so a reload stays logged in (tokens last 12 h;
// an expired one is dropped here rather than sent).
export const TOKEN_STORAGE_KEY = 'onelot.driverToken';

export interface StoredToken {
  token: string;
  expiresAt: string;
}

export function isLive(t: StoredToken, now = Date.now()): boolean {
  const exp = Date.parse(t.expiresAt);
  return t.token.length > 0 && Number.isFinite(exp) && exp > now;
}

export function loadToken(now = Date.now()): StoredToken | null {
  try {
    const raw = localStorage.getItem(TOKEN_STORAGE_KEY);
    if (!raw) return null;
    const t = JSON.parse(raw) as Partial<StoredToken>;
    if (typeof t.token !== 'string' || typeof t.expiresAt !== 'string') return null;
    const stored = { token: t.token, expiresAt: t.expiresAt };
    return isLive(stored, now) ? stored : null;
  } catch {
    return null; // storage blocked or a corrupt value: logged out
  }
}

export function saveToken(t: StoredToken | null): void {
  try {
    if (t) localStorage.setItem(TOKEN_STORAGE_KEY, JSON.stringify(t));
    else localStorage.removeItem(TOKEN_STORAGE_KEY);
  } catch {
    // Not remembered across reloads, still logged in for this page.
  }
}
