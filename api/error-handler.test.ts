// The one error shape: every failure a caller can meet, on a bare fastify app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { OneLotError } from '../core/errors.ts';
import { errorHandler, notFoundHandler } from './error-handler.ts';

let app: FastifyInstance;
const logged: unknown[] = [];

beforeAll(async () => {
  app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => { logged.push(JSON.parse(line)); } } } });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  const t = app.withTypeProvider<TypeBoxTypeProvider>();
  t.get('/conflict', async () => { throw new OneLotError('ONELOT_ERR_CONFLICT', 'The plate belongs to another account.'); });
  t.get('/missing', async () => { throw new OneLotError('ONELOT_ERR_NOT_FOUND', 'Lot ZZ-1'); });
  t.get('/crash', async () => { throw new Error('secret connection string postgres://u:p@host'); });
  t.get('/teapot', async () => { throw Object.assign(new Error('I am a teapot'), { statusCode: 418, code: 'FST_TEAPOT' }); });
  t.get('/limit', { schema: { querystring: Type.Object({ limit: Type.Integer({ minimum: 1 }) }) } }, async () => ({ ok: true }));
  t.post('/json', async (req) => req.body);
  await app.ready();
});
afterAll(async () => { await app.close(); });

const get = async (url: string) => {
  const r = await app.inject({ method: 'GET', url });
  return { status: r.statusCode, body: r.json() };
};

describe('error handler', () => {
  it('sends a OneLotError as its status, code and sentence', async () => {
    expect(await get('/conflict')).toEqual({ status: 409, body: { error: { code: 'ONELOT_ERR_CONFLICT', message: 'The plate belongs to another account.' } } });
    expect(await get('/missing')).toEqual({ status: 404, body: { error: { code: 'ONELOT_ERR_NOT_FOUND', message: 'Lot ZZ-1 was not found. Check the id and try again.' } } });
  });

  it('turns a schema failure into a 400 naming the field and what is wrong', async () => {
    const r = await get('/limit?limit=0');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('ONELOT_ERR_VALIDATION');
    expect(r.body.error.message).toMatch(/^The request is not valid: querystring\/limit must be >= 1\. Fix the request/);
    expect((await get('/limit')).body.error.message).toMatch(/must have required property 'limit'/);
  });

  it('hides a 5xx from the caller and logs it', async () => {
    const r = await get('/crash');
    expect(r.status).toBe(500);
    expect(r.body.error.code).toBe('ONELOT_ERR_INTERNAL');
    expect(JSON.stringify(r.body)).not.toContain('postgres://');
    expect(JSON.stringify(logged)).toContain('postgres://');
  });

  it("keeps fastify's own 4xx with their message", async () => {
    expect(await get('/teapot')).toEqual({ status: 418, body: { error: { code: 'FST_TEAPOT', message: 'I am a teapot' } } });
    const bad = await app.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/JSON/i);
  });

  it('names the method and path of a route that does not exist', async () => {
    expect(await get('/api/v1/nothing?x=1')).toEqual({ status: 404, body: { error: { code: 'ONELOT_ERR_ROUTE_NOT_FOUND', message: 'There is no GET /api/v1/nothing route. See /docs for the API.' } } });
  });
});
