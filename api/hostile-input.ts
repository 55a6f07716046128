// Requests that never reach a route's schema, or pass it with text the database refuses, still get
// the one error shape of docs/errors.md: { error: { code, message } }. Each case here was found by
// `npm run fuzz` answering otherwise (fastify's own shape, or a 500).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, OneLotError } from '../core/errors.ts';

const body = (code: string, message: string) => JSON.stringify({ error: { code, message } });

/**
 * Node's HTTP parser refuses a request before fastify sees it (headers over 16 KB, broken HTTP):
 * fastify's default answer is its own JSON shape. Answered here in ours, then the socket is closed
 * as Node requires after a parse error.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, text] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, body('ONELOT_ERR_HEADERS_TOO_LARGE', ERRORS.ONELOT_ERR_HEADERS_TOO_LARGE.message)]
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, body('ONELOT_ERR_VALIDATION', 'The request took too long to arrive; send it again.')]
    : [400, body('ONELOT_ERR_VALIDATION', ERRORS.ONELOT_ERR_VALIDATION.message.replace('%s', 'it is not well-formed HTTP/1.1'))];
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/** fastify's framework errors (a URL with a broken %-escape, FST_ERR_BAD_URL): a 400 in our shape. */
export function frameworkErrors(err: Error, req: FastifyRequest, reply: FastifyReply): void {
  req.log.info({ err: err.message }, 'request refused before routing');
  void reply.status(400).send({ error: { code: 'ONELOT_ERR_VALIDATION', message: ERRORS.ONELOT_ERR_VALIDATION.message.replace('%s', `the URL ${err.message.includes('valid url') ? 'has a broken %-escape' : 'cannot be read'}`) } });
}

/** A NUL or an unpaired surrogate anywhere in a value or key: PostgreSQL text and jsonb refuse both. */
function unstorable(root: unknown): boolean {
  const bad = (s: string) => s.includes('\u0000') || !(s as string & { isWellFormed(): boolean }).isWellFormed();
  const stack = [root];
  while (stack.length) {
    const v = stack.pop();
    // A raw body (the payments webhook keeps its bytes to check the signature) is not walked byte by byte.
    if (Buffer.isBuffer(v)) continue;
    if (typeof v === 'string') { if (bad(v)) return true; } else if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { if (bad(k)) return true; stack.push(x); }
  }
  return false;
}

/**
 * preValidation, on every route: a path parameter, query value or body string holding text no
 * database column can store is refused as a 400 naming where it is. It reached SQL as a parameter
 * and came back as a 500 (`GET /api/v1/lots/%00/tariff`).
 */
export async function refuseUnstorableText(req: FastifyRequest): Promise<void> {
  for (const [where, value] of [['path', req.params], ['query', req.query], ['body', req.body]] as const) {
    if (unstorable(value)) throw new OneLotError('ONELOT_ERR_VALIDATION', `the ${where} holds a NUL character (%00, \\u0000) or an unpaired UTF-16 surrogate, which is not text we can store`);
  }
}

/** A number no SQL column takes: not finite (1e309 in a query string), or past ±2^53 (every double that large is an integer). */
function unsafeNumber(root: unknown): boolean {
  const stack = [root];
  while (stack.length) {
    const v = stack.pop();
    if (Buffer.isBuffer(v)) continue;
    if (typeof v === 'number') { if (!Number.isFinite(v) || (Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER)) return true; } else if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') stack.push(...Object.values(v));
  }
  return false;
}

/**
 * preHandler, on every route (after validation): a number that is infinite or an integer beyond
 * 2^53 is refused as a 400. Ajv, coercing query strings, takes "1e309" as an integer (Infinity)
 * even under a maximum, and an id of 4e59 as an integer; both reached PostgreSQL as a bigint and
 * came back as a 500 (`GET /api/v1/operator/arrears/plates?limit=1e309`).
 */
export async function refuseUnsafeNumbers(req: FastifyRequest): Promise<void> {
  for (const [where, value] of [['path', req.params], ['query', req.query], ['body', req.body]] as const) {
    if (unsafeNumber(value)) throw new OneLotError('ONELOT_ERR_VALIDATION', `the ${where} holds a number that is not finite or is an integer beyond 2^53 (${Number.MAX_SAFE_INTEGER})`);
  }
}
