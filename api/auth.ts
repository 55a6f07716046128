// The API shell's authentication: preHandlers that resolve a token (core/tokens.ts) to its live
// session (core/sessions.ts) and put who is calling on the request. Modules get them through their
// route context (core/module.ts); every /api/v1/operator route but the sign-in sits behind
// requireOperator in one scope (api/app.ts).
//
// Where the token comes from (docs/security.md, "Sessions in the browser"):
// - `Authorization: Bearer <token>`: API clients and scripts. A browser never adds it by itself,
//   so no CSRF check is needed.
// - the HttpOnly cookie a sign-in sets (onelot_session for drivers, onelot_console for the
//   console): the web pages. Script cannot read it, so an XSS cannot carry it off. SameSite=Strict
//   keeps other sites' requests from carrying it; on top of that a state-changing request must
//   repeat the non-HttpOnly onelot_csrf cookie in the X-OneLot-CSRF header (double submit), which a
//   page on another origin cannot read — this still holds for a sibling subdomain, which counts as
//   "same site" to SameSite.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OneLotError } from '../core/errors.ts';
import type { HttpAuth, SessionKind } from '../core/module.ts';
import type { Principal } from '../core/sessions.ts';

export const SESSION_COOKIES: Record<SessionKind, string> = { driver: 'onelot_session', console: 'onelot_console' };
export const CSRF_COOKIE = 'onelot_csrf';
export const CSRF_HEADER = 'x-onelot-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

function csrfMatches(req: FastifyRequest): boolean {
  const header = req.headers[CSRF_HEADER];
  const cookie = req.cookies?.[CSRF_COOKIE];
  if (typeof header !== 'string' || !cookie || header.length !== cookie.length) return false;
  return timingSafeEqual(Buffer.from(header), Buffer.from(cookie));
}

/** The token the request carries: the bearer header first, else the kind's cookie (CSRF-checked). */
function tokenOf(req: FastifyRequest, kind: SessionKind): string | undefined {
  const b = bearer(req);
  if (b !== undefined) return b;
  const cookie = req.cookies?.[SESSION_COOKIES[kind]];
  if (!cookie) return undefined;
  if (!SAFE_METHODS.has(req.method) && !csrfMatches(req)) {
    throw new OneLotError('ONELOT_ERR_CSRF');
  }
  return cookie;
}

export interface AuthDeps {
  /** A token's live principal, or null (core/sessions.ts principalOf in the platform). */
  resolve(token: string): Promise<Principal | null>;
  /** Sign-out (core/sessions.ts revokeSession). */
  revoke(sessionId: string): Promise<void>;
}

export function createAuth({ resolve, revoke }: AuthDeps): HttpAuth {
  /** undefined: no token sent; null: a token that is not (or no longer) good. */
  const principal = async (req: FastifyRequest, kind: SessionKind): Promise<Principal | null | undefined> => {
    const token = tokenOf(req, kind);
    if (token === undefined) return undefined;
    return resolve(token);
  };
  const asDriver = (req: FastifyRequest, p: Principal | null | undefined): void => {
    if (!p || !('driverId' in p)) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
    req.driverId = p.driverId;
    req.sessionId = p.sessionId;
  };
  return {
    async requireDriver(req) {
      asDriver(req, await principal(req, 'driver'));
    },
    async optionalDriver(req) {
      const p = await principal(req, 'driver');
      // A token that was sent but is bad must not silently downgrade to anonymous.
      if (p !== undefined) asDriver(req, p);
    },
    async requireOperator(req) {
      const p = await principal(req, 'console');
      if (!p || !('operator' in p)) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
      req.operator = p.operator;
      req.sessionId = p.sessionId;
    },
    startSession(reply, kind, session) {
      setSessionCookies(reply, kind, session);
    },
    async endSession(req, reply, kind) {
      if (req.sessionId) await revoke(req.sessionId);
      clearSessionCookies(reply, kind);
    },
  };
}

// Secure 'auto': set when the request came over HTTPS (behind a proxy: with TRUST_PROXY, from
// X-Forwarded-Proto), so the cookie never travels in clear once TLS is in front, and the demo on
// http://127.0.0.1 still works. The session cookie is scoped to /api: the pages and assets never carry it.
function setSessionCookies(reply: FastifyReply, kind: SessionKind, session: { token: string; expiresAt: string }): void {
  const expires = new Date(session.expiresAt);
  reply.setCookie(SESSION_COOKIES[kind], session.token, { httpOnly: true, sameSite: 'strict', secure: 'auto', path: '/api', expires });
  // Readable by the page (it echoes it in X-OneLot-CSRF); worthless without the session cookie.
  // New at every sign-in, so a value planted before it is never the one honoured.
  reply.setCookie(CSRF_COOKIE, randomBytes(18).toString('base64url'), { httpOnly: false, sameSite: 'strict', secure: 'auto', path: '/', expires });
}

function clearSessionCookies(reply: FastifyReply, kind: SessionKind): void {
  reply.clearCookie(SESSION_COOKIES[kind], { path: '/api', sameSite: 'strict', httpOnly: true, secure: 'auto' });
}
