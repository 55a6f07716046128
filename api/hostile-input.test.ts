// The hostile-input hooks on a bare fastify with the API's own error handler and Ajv settings:
// what `npm run fuzz` found reaching PostgreSQL (test/api-hostile.e2e.test.ts holds it end to end).
import Fastify from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { describe, expect, it } from 'vitest';
import { errorHandler } from './error-handler.ts';
import { frameworkErrors, refuseUnsafeNumbers, refuseUnstorableText } from './hostile-input.ts';

async function app() {
  const a = Fastify({ ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } }, frameworkErrors }).withTypeProvider<TypeBoxTypeProvider>();
  a.setErrorHandler(errorHandler);
  a.addHook('preValidation', refuseUnstorableText);
  a.addHook('preHandler', refuseUnsafeNumbers);
  a.get('/items/:id', { schema: { params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })), q: Type.Optional(Type.String()) }) } }, async (req) => ({ id: req.params.id }));
  a.post('/items', { schema: { body: Type.Object({ name: Type.String(), n: Type.Optional(Type.Number()) }) } }, async () => ({ ok: true }));
  await a.ready();
  return a;
}

describe('hostile input hooks', () => {
  it.each([
    ['/items/4e59', /path holds a number .* beyond 2\^53/],
    ['/items/1?limit=1e309', /query holds a number that is not finite/],
    ['/items/1?limit=99999999999999999999999', /limit must be <= 5000|query holds a number/],
    ['/items/1?limit=1e309&limit=1e309', /.+/],
    ['/items/%00', /.+/],
    ['/items/1?q=%00', /query holds a NUL character/],
    ['/items/%', /broken %-escape/],
  ])('GET %s is a 400 in the error shape', async (url, message) => {
    const a = await app();
    const r = await a.inject({ url });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'ONELOT_ERR_VALIDATION', message: expect.stringMatching(message) });
    await a.close();
  });

  it('refuses NUL and unpaired surrogates in a JSON body, and 1e400 (Infinity once parsed)', async () => {
    const a = await app();
    for (const payload of ['{"name":"a\\u0000b"}', '{"name":"\\ud800"}', '{"name":"x","n":1e400}']) {
      const r = await a.inject({ method: 'POST', url: '/items', headers: { 'content-type': 'application/json' }, payload });
      expect(r.statusCode, payload).toBe(400);
      expect(r.json().error.code).toBe('ONELOT_ERR_VALIDATION');
    }
    await a.close();
  });

  it('lets ordinary input through', async () => {
    const a = await app();
    expect((await a.inject({ url: '/items/42?limit=5000&q=%E8%B1%AB%F0%9F%93%A1' })).json()).toEqual({ id: 42 });
    expect((await a.inject({ method: 'POST', url: '/items', payload: { name: '豫A12345 📡', n: -123.456 } })).statusCode).toBe(200);
    await a.close();
  });
});
