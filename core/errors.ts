// The catalogue of OneLot errors: every HTTP error has one of these codes, a status, and a sentence
// that tells the caller what to do. docs/errors.md lists them; keep the two in step.
import { Type } from '@sinclair/typebox';

export const ERRORS = {
  ONELOT_ERR_VALIDATION: { status: 400, message: 'The request is not valid: %s. Fix the request and send it again.' },
  ONELOT_ERR_BAD_BBOX: { status: 400, message: 'bbox must be four numbers "minLng,minLat,maxLng,maxLat" with min < max (WGS-84 degrees).' },
  ONELOT_ERR_NOT_FOUND: { status: 404, message: '%s was not found. Check the id and try again.' },
  ONELOT_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'There is no %s route. See /docs for the API.' },
  ONELOT_ERR_UNAUTHORIZED: { status: 401, message: 'Log in first: send "Authorization: Bearer <token>" from POST /api/v1/auth/login.' },
  ONELOT_ERR_BAD_SIGNATURE: { status: 401, message: '%s. Sign the exact body with the shared secret (OneLot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>) and send it again.' },
  ONELOT_ERR_FORBIDDEN: { status: 403, message: '%s' },
  ONELOT_ERR_PASSWORD_SETUP: { status: 403, message: 'That was a one-time setup code: choose your own password with POST /api/v1/operator/password/setup {account, code, password} (the console asks for it).' },
  ONELOT_ERR_CSRF: { status: 403, message: 'This request carries the session cookie but not the X-OneLot-CSRF header equal to the onelot_csrf cookie. Send that header (the web app does), or authenticate with "Authorization: Bearer <token>" instead.' },
  ONELOT_ERR_BAD_CODE: { status: 400, message: 'The code is wrong or has expired. Check the SMS, or ask for a new code and try again.' },
  ONELOT_ERR_CONFLICT: { status: 409, message: '%s' },
  ONELOT_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request line and headers are larger than the server accepts (16 KB); send a shorter URL and smaller headers.' },
  ONELOT_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests%s; wait the seconds the Retry-After header gives, then try again.' },
  ONELOT_ERR_UNAVAILABLE: { status: 503, message: 'The service is starting or its database is unreachable; try again in a few seconds.' },
  ONELOT_ERR_INTERNAL: { status: 500, message: 'Something went wrong on our side; it has been logged. Try again, and report it if it persists.' },
} as const;
export type ErrorCode = keyof typeof ERRORS;

export class OneLotError extends Error {
  readonly statusCode: number;
  /** `detail` fills the message's %s; for a message without one, it replaces the whole sentence. */
  constructor(readonly code: ErrorCode, detail?: string) {
    const def = ERRORS[code];
    super(def.message.includes('%s') || detail === undefined ? def.message.replace('%s', detail ?? '') : detail);
    this.statusCode = def.status;
  }
}

/** The one error shape every route answers with. */
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
}, { $id: 'ErrorBody' });
