// Drivers' accounts over HTTP: sign in, sign out, change the password, my account. Sign-up and
// reset by SMS code are in signup.ts. Every route that takes a password is limited per address
// and per phone (RouteContext.limits, api/rate-limits.ts); a session goes in the browser's HttpOnly
// cookie as well as in the answer (for API clients).
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { OneLotError } from '../../core/errors.ts';
import type { App, RouteContext } from '../../core/module.ts';
import { prepareAccountPasswords } from '../../core/passwords.ts';
import { openSession, revokeSessionsOf } from '../../core/sessions.ts';
import { driverProfile, setDriverPassword, verifyDriver } from '../accounts.ts';
import { DriverToken, Me, type Driver } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
export const Password = Type.String({ minLength: 8, maxLength: 128 });

/** Open a session for the driver: cookie for the web app, token in the body for API clients. */
export function sessionStarter({ pool, config, auth }: RouteContext) {
  return async (reply: FastifyReply, driver: Driver): Promise<DriverToken> => {
    const { token, expiresAt } = await openSession(pool, config.AUTH_TOKEN_SECRET, { driverId: driver.id });
    auth.startSession(reply, 'driver', { token, expiresAt });
    return { token, expiresAt, driver };
  };
}

export function accountRoutes(app: App, ctx: RouteContext): void {
  const { pool, auth, limits } = ctx;
  prepareAccountPasswords();
  const startSession = sessionStarter(ctx);
  const perPhone = limits.byAccount((req) => `phone:${(req.body as { phone?: string }).phone ?? ''}`);

  app.post('/api/v1/auth/login', {
    onRequest: limits.byAddress, preHandler: perPhone,
    schema: {
      tags: ['drivers'], summary: 'Log in; returns a bearer token valid for 12 hours and sets the session cookie',
      body: Type.Object({ phone: Type.String({ maxLength: 20 }), password: Type.String({ maxLength: 128 }) }, { additionalProperties: false }),
      response: { 200: DriverToken, 401: Err, 429: Err },
    },
  }, async (req, reply) => {
    const { phone, password } = req.body;
    // One answer, in the same time (verifyAccountPassword), for an unknown phone and a wrong password.
    const driver = await verifyDriver(pool, phone, password);
    if (!driver) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED', 'The phone number or password is wrong. Check both and try again, or reset the password by SMS (POST /api/v1/auth/reset/code).');
    return reply.send(await startSession(reply, driver));
  });

  app.post('/api/v1/auth/logout', {
    preHandler: auth.requireDriver,
    schema: { tags: ['drivers'], summary: 'Sign out: this session\'s token stops working and the cookie is cleared', response: { 204: Type.Null(), 401: Err } },
  }, async (req, reply) => {
    await auth.endSession(req, reply, 'driver');
    return reply.status(204).send(null);
  });

  app.put('/api/v1/me/password', {
    onRequest: limits.byAddress, preHandler: auth.requireDriver,
    schema: {
      tags: ['drivers'], summary: 'Change my password (the current one required); every other session of mine ends',
      body: Type.Object({ currentPassword: Type.String({ maxLength: 128 }), newPassword: Password }, { additionalProperties: false }),
      response: { 204: Type.Null(), 401: Err, 403: Err, 429: Err },
    },
  }, async (req, reply) => {
    const me = await driverProfile(pool, req.driverId!);
    if (!(await verifyDriver(pool, me.driver.phone, req.body.currentPassword))) {
      throw new OneLotError('ONELOT_ERR_FORBIDDEN', 'The current password is wrong; type it again (forgotten: reset it by SMS with POST /api/v1/auth/reset/code).');
    }
    await setDriverPassword(pool, me.driver.phone, req.body.newPassword);
    await revokeSessionsOf(pool, { driverId: req.driverId! }, req.sessionId);
    return reply.status(204).send(null);
  });

  app.get('/api/v1/me', {
    preHandler: auth.requireDriver,
    schema: { tags: ['drivers'], summary: 'My account, plates and payment methods', response: { 200: Me, 401: Err } },
  }, async (req) => driverProfile(pool, req.driverId!));
}
