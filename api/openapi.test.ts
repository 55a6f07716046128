// Who may call a route, as the OpenAPI document says it, comes from the checks the route makes.
import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../core/module.ts';
import { createAuth } from './auth.ts';
import { registerOpenApi, securityFromGuards } from './openapi.ts';

const auth = createAuth({ resolve: async () => null, revoke: async () => {} });
let app: FastifyInstance;
afterEach(async () => { await app?.close(); });

async function build(routes: (app: FastifyInstance) => void | Promise<void>) {
  app = Fastify();
  await registerOpenApi(app as unknown as App);
  app.addHook('onRoute', securityFromGuards(auth, 'public'));
  await routes(app);
  await app.ready();
  return app.swagger() as { paths: Record<string, Record<string, { security?: unknown }>> };
}

describe('securityFromGuards', () => {
  it('writes anyone, driver, optional driver and operator from the preHandlers and the scope', async () => {
    const doc = await build(async (a) => {
      a.get('/open', async () => 'ok');
      a.get('/mine', { preHandler: auth.requireDriver }, async () => 'ok');
      a.post('/pay', { preHandler: [auth.optionalDriver] }, async () => 'ok');
      await a.register(async (op) => {
        op.addHook('onRequest', auth.requireOperator);
        op.addHook('onRoute', securityFromGuards(auth, 'operator'));
        op.get('/review', { config: { roles: ['admin', 'staff'] } }, async () => 'ok');
      }, { prefix: '/operator' });
    });
    expect(doc.paths['/open'].get.security).toBeUndefined();
    expect(doc.paths['/mine'].get.security).toEqual([{ driverToken: [] }]);
    expect(doc.paths['/pay'].post.security).toEqual([{}, { driverToken: [] }]);
    expect(doc.paths['/operator/review'].get.security).toEqual([{ operatorToken: [] }]);
    expect((doc.paths['/operator/review'].get as Record<string, unknown>)['x-roles']).toEqual(['admin', 'staff']);
  });

  it('refuses an operator route that does not say which roles may call it (core/tenancy.ts)', async () => {
    await expect(build(async (a) => {
      await a.register(async (op) => {
        op.addHook('onRoute', securityFromGuards(auth, 'operator'));
        op.get('/anyone-signed-in', async () => 'ok');
      }, { prefix: '/operator' });
    })).rejects.toThrow(/must declare config\.roles/);
  });

  it('refuses a route that writes its own security, which the server might not check', async () => {
    await expect(build((a) => {
      a.get('/claims', { schema: { security: [{ operatorToken: [] }] } }, async () => 'ok');
    })).rejects.toThrow(/GET \/claims declares schema\.security: leave it out/);
  });
});
