// Drivers' accounts over HTTP: sign up, sign in (rate-limited per phone), my account.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { LoginLimiter, limitedLogin } from '../../core/login-limiter.ts';
import { prepareAccountPasswords } from '../../core/passwords.ts';
import { openSession } from '../../core/sessions.ts';
import { driverProfile, registerDriver, verifyDriver } from '../accounts.ts';
import { DriverToken, Me, Phone, type Driver } from './schemas.ts';

const Err = Type.Ref('ErrorBody');

export function accountRoutes(app: App, { pool, config, auth }: RouteContext): void {
  const limiter = new LoginLimiter();
  prepareAccountPasswords();
  const tokenFor = async (driver: Driver): Promise<DriverToken> => {
    const { token, expiresAt } = await openSession(pool, config.AUTH_TOKEN_SECRET, { driverId: driver.id });
    return { token, expiresAt, driver };
  };

  app.post('/api/v1/auth/register', {
    schema: {
      tags: ['drivers'], summary: 'Create a driver account',
      body: Type.Object({ phone: Phone, password: Type.String({ minLength: 8, maxLength: 128 }), name: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })) }, { additionalProperties: false }),
      response: { 201: DriverToken, 400: Err, 409: Err },
    },
  }, async (req, reply) => reply.status(201).send(await tokenFor(await registerDriver(pool, req.body))));

  app.post('/api/v1/auth/login', {
    schema: {
      tags: ['drivers'], summary: 'Log in; returns a bearer token valid for 12 hours',
      body: Type.Object({ phone: Type.String({ maxLength: 20 }), password: Type.String({ maxLength: 128 }) }, { additionalProperties: false }),
      response: { 200: DriverToken, 401: Err, 429: Err },
    },
  }, async (req, reply) => {
    const { phone, password } = req.body;
    const driver = await limitedLogin(limiter, phone, reply, () => verifyDriver(pool, phone, password),
      'The phone number or password is wrong. Check both and try again; after 5 failures the account is locked for 15 minutes.');
    return reply.send(await tokenFor(driver));
  });

  app.get('/api/v1/me', {
    preHandler: auth.requireDriver,
    schema: { tags: ['drivers'], summary: 'My account, plates and payment methods', response: { 200: Me, 401: Err } },
  }, async (req) => driverProfile(pool, req.driverId!));
}
