// The driver's session lives in an HttpOnly cookie the API sets at sign-in (api/auth.ts): the page
// never holds the token, so a script injected into it cannot carry the session off (it sat in
// localStorage before). The page learns whether it is signed in from GET /api/v1/me, and echoes the
// readable onelot_csrf cookie in the X-OneLot-CSRF header of every state-changing request (api.ts).
export const CSRF_COOKIE = 'onelot_csrf';
export const CSRF_HEADER = 'x-onelot-csrf';

/** The double-submit CSRF value from document.cookie, or null when not signed in. */
export function csrfToken(cookies: string = typeof document === 'undefined' ? '' : document.cookie): string | null {
  for (const part of cookies.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('=')) || null;
  }
  return null;
}

export interface StoredToken {
  token: string;
  expiresAt: string;
}

/** Operators' console (operator-auth.ts) still keeps a bearer token in sessionStorage. */
export function isLive(t: StoredToken, now = Date.now()): boolean {
  const exp = Date.parse(t.expiresAt);
  return t.token.length > 0 && Number.isFinite(exp) && exp > now;
}
