// The operators' console sign-in (public: it is how a session is had), and, behind it, sign-out and
// password change. Every other /api/v1/operator route sits behind the session it opens (api/app.ts,
// core/sessions.ts). The sign-in and the password change are limited per address and per account
// (RouteContext.limits, api/rate-limits.ts) — slowed, never locked.
import { Type } from '@sinclair/typebox';
import { OneLotError } from '../../core/errors.ts';
import type { App, RouteContext } from '../../core/module.ts';
import { prepareAccountPasswords } from '../../core/passwords.ts';
import { openSession, revokeSessionsOf } from '../../core/sessions.ts';
import { setConsolePassword, verifyConsoleAccount } from '../accounts.ts';
import { OperatorLogin, OperatorToken } from './schemas.ts';

const Err = Type.Ref('ErrorBody');

export function operatorLoginRoutes(app: App, { pool, config, auth, limits }: RouteContext): void {
  prepareAccountPasswords();

  app.post('/api/v1/operator/login', {
    onRequest: limits.byAddress,
    preHandler: limits.byAccount((req) => `console:${(req.body as { account?: string }).account ?? ''}`),
    schema: {
      tags: ['operator'], summary: 'Sign in to the operators\' console; returns a bearer token valid for 12 hours and sets the console cookie',
      body: OperatorLogin,
      response: { 200: OperatorToken, 401: Err, 429: Err },
    },
  }, async (req, reply) => {
    const { account: name, password } = req.body;
    const account = await verifyConsoleAccount(pool, name, password);
    if (!account) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED', 'The account name or password is wrong. Check both and try again; an administrator sets passwords with `npm run operator:add`.');
    req.log.info({ account: account.accountId }, 'operator signed in');
    const session = await openSession(pool, config.AUTH_TOKEN_SECRET, { accountId: account.accountId });
    auth.startSession(reply, 'console', session);
    return { token: session.token, expiresAt: session.expiresAt, ...account };
  });
}

/** Behind requireOperator (operatorRoutes): paths relative to /api/v1/operator. */
export function operatorSessionRoutes(app: App, { pool, auth, limits }: RouteContext): void {
  app.post('/logout', {
    schema: { tags: ['operator'], summary: 'Sign out of the console: this session\'s token stops working and the cookie is cleared', response: { 204: Type.Null(), 401: Err } },
  }, async (req, reply) => {
    await auth.endSession(req, reply, 'console');
    return reply.status(204).send(null);
  });

  app.put('/password', {
    preHandler: limits.byAddress,
    schema: {
      tags: ['operator'], summary: 'Change my console password (the current one required); every other session of the account ends',
      body: Type.Object({ currentPassword: Type.String({ maxLength: 128 }), newPassword: Type.String({ minLength: 10, maxLength: 128 }) }, { additionalProperties: false }),
      response: { 204: Type.Null(), 401: Err, 403: Err, 429: Err },
    },
  }, async (req, reply) => {
    const { accountId } = req.operator!;
    if (!(await verifyConsoleAccount(pool, accountId, req.body.currentPassword))) {
      throw new OneLotError('ONELOT_ERR_FORBIDDEN', 'The current password is wrong; type it again, or ask an administrator to set a new one with `npm run operator:add`.');
    }
    await setConsolePassword(pool, accountId, req.body.newPassword);
    await revokeSessionsOf(pool, { accountId }, req.sessionId);
    return reply.status(204).send(null);
  });
}
