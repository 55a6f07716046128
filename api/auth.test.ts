// The shell's preHandlers on a bare fastify app (inject: no socket needed to prove header parsing).
// Which sessions are live is the database's business (core/sessions.ts, test/auth-sessions.e2e.test.ts);
// here a table of live sessions stands in for it, so only parsing and the principal's kind are tested.
import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Principal } from '../core/sessions.ts';
import { issueToken, verifyToken } from '../core/tokens.ts';
import { createAuth } from './auth.ts';
import { errorHandler } from './error-handler.ts';

const SECRET = 'auth-test-secret-0123456789';
const live = new Map<string, Principal>([
  ['s-driver', { sessionId: 's-driver', driverId: 42 }],
  ['s-operator', { sessionId: 's-operator', operator: { accountId: 'op-zzpark', operatorId: 'op-zzpark', role: 'admin' } }],
]);
const auth = createAuth({ resolve: async (token) => live.get(verifyToken(SECRET, token)?.sid ?? '') ?? null, revoke: async (sid) => { live.delete(sid); } });
let app: FastifyInstance;

async function appWith(preHandler: typeof auth.requireDriver) {
  app = Fastify();
  app.setErrorHandler(errorHandler);
  app.get('/who', { preHandler }, async (req) => ({ driverId: req.driverId ?? null, operatorId: req.operator?.accountId ?? null }));
  await app.ready();
  return app;
}
const call = (authorization?: string) => app.inject({ method: 'GET', url: '/who', headers: authorization ? { authorization } : {} });
const driver = `Bearer ${issueToken(SECRET, 's-driver')}`;
const operator = `Bearer ${issueToken(SECRET, 's-operator')}`;

afterEach(async () => { await app?.close(); });

describe('requireDriver', () => {
  it('puts the driver on the request', async () => {
    await appWith(auth.requireDriver);
    const r = await call(driver);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ driverId: 42, operatorId: null });
  });

  it('answers 401 with the error shape for no, malformed, foreign, expired and operator tokens', async () => {
    await appWith(auth.requireDriver);
    const expired = `Bearer ${issueToken(SECRET, 's-driver', Math.floor(Date.now() / 1000) - 13 * 3600)}`;
    const foreign = `Bearer ${issueToken('another-secret-0123456789', 's-driver')}`;
    const revoked = `Bearer ${issueToken(SECRET, 's-signed-out')}`;
    for (const h of [undefined, 'Bearer', 'Basic abc', 'Bearer a.b', foreign, expired, revoked, operator]) {
      const r = await call(h);
      expect(r.statusCode, String(h)).toBe(401);
      expect(r.json().error.code).toBe('ONELOT_ERR_UNAUTHORIZED');
      expect(r.json().error.message).toMatch(/Authorization: Bearer/);
    }
  });

  it('reads the scheme case-insensitively', async () => {
    await appWith(auth.requireDriver);
    expect((await call(driver.replace('Bearer', 'bearer'))).statusCode).toBe(200);
  });
});

describe('optionalDriver', () => {
  it('lets anonymous callers through and recognises drivers', async () => {
    await appWith(auth.optionalDriver);
    expect((await call()).json()).toEqual({ driverId: null, operatorId: null });
    expect((await call(driver)).json()).toEqual({ driverId: 42, operatorId: null });
  });

  it('never downgrades a bad token to anonymous', async () => {
    await appWith(auth.optionalDriver);
    expect((await call('Bearer not-a-token')).statusCode).toBe(401);
    expect((await call(operator)).statusCode).toBe(401);
  });
});

describe('requireOperator', () => {
  it('puts the operator on the request and refuses driver tokens', async () => {
    await appWith(auth.requireOperator);
    expect((await call(operator)).json()).toEqual({ driverId: null, operatorId: 'op-zzpark' });
    expect((await call(driver)).statusCode).toBe(401);
    expect((await call()).statusCode).toBe(401);
  });
});
