// One error shape everywhere — { error: { code, message } } with a code from docs/errors.md — and
// 5xx details kept in the log, never sent.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, OneLotError } from '../core/errors.ts';

export function errorHandler(err: FastifyError | OneLotError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof OneLotError) return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } });
  const e = err as FastifyError;
  if (e.validation) {
    const detail = `${e.validationContext ?? 'request'}${e.validation[0]?.instancePath ?? ''} ${e.validation[0]?.message ?? 'is invalid'}`.trim();
    return reply.status(400).send({ error: { code: 'ONELOT_ERR_VALIDATION', message: ERRORS.ONELOT_ERR_VALIDATION.message.replace('%s', detail) } });
  }
  const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
  if (status >= 500) {
    req.log.error({ err }, 'request failed');
    return reply.status(status).send({ error: { code: 'ONELOT_ERR_INTERNAL', message: ERRORS.ONELOT_ERR_INTERNAL.message } });
  }
  // fastify's own 4xx (a body that is not JSON, too large, …): its message already says what is wrong.
  return reply.status(status).send({ error: { code: e.code ?? 'ONELOT_ERR_VALIDATION', message: e.message } });
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({ error: { code: 'ONELOT_ERR_ROUTE_NOT_FOUND', message: ERRORS.ONELOT_ERR_ROUTE_NOT_FOUND.message.replace('%s', `${req.method} ${req.url.split('?')[0]}`) } });
}
