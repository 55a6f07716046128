// The operators' console sign-in and the first sign-in of a new account (its one-time setup code
// only lets the person choose a password: operators/account-admin.ts) — public: it is how a session
// is had — and, behind it, sign-out. Every other /api/v1/operator route sits behind the session it
// opens (api/app.ts, core/sessions.ts). Sign-ins are limited per address and per account
// (RouteContext.limits, api/rate-limits.ts): slowed, never locked.
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { App, RouteContext } from '../../core/module.ts';
import { audit } from '../../core/audit.ts';
import { OneLotError } from '../../core/errors.ts';
import { prepareAccountPasswords } from '../../core/passwords.ts';
import { openSession } from '../../core/sessions.ts';
import { READ } from '../../core/tenancy.ts';
import { verifyConsoleAccount, type ConsoleAccount } from '../accounts.ts';
import { setOwnPassword } from '../account-admin.ts';
import { OperatorLogin, OperatorToken, PasswordSetup } from './schemas.ts';

const Err = Type.Ref('ErrorBody');

export function operatorLoginRoutes(app: App, { pool, config, auth, limits }: RouteContext): void {
  prepareAccountPasswords();
  const byAccount = limits.byAccount((req) => `console:${(req.body as { account?: string }).account ?? ''}`);

  const signIn = async (account: ConsoleAccount, reply: FastifyReply): Promise<OperatorToken> => {
    reply.request.log.info({ account: account.accountId }, 'operator signed in');
    const session = await openSession(pool, config.AUTH_TOKEN_SECRET, { accountId: account.accountId });
    await audit(pool, { by: account, operatorId: account.operatorId, action: 'sign-in', objectType: 'account', objectId: account.accountId });
    auth.startSession(reply, 'console', session);
    const { accountId, operatorId, role, name } = account;
    return { token: session.token, expiresAt: session.expiresAt, accountId, operatorId, role, name };
  };

  app.post('/api/v1/operator/login', {
    onRequest: limits.byAddress,
    preHandler: byAccount,
    schema: {
      tags: ['operator'], summary: 'Sign in to the operators\' console; returns a bearer token valid for 12 hours and sets the console cookie (a one-time setup code answers 403 ONELOT_ERR_PASSWORD_SETUP)',
      body: OperatorLogin,
      response: { 200: OperatorToken, 401: Err, 403: Err, 429: Err },
    },
  }, async (req, reply) => {
    const { account: name, password } = req.body;
    const account = await verifyConsoleAccount(pool, name, password);
    if (!account) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED', 'The account name or password is wrong. Check both and try again; an administrator sets passwords with `npm run operator:add`.');
    if (account.mustSetPassword) throw new OneLotError('ONELOT_ERR_PASSWORD_SETUP');
    return signIn(account, reply);
  });

  app.post('/api/v1/operator/password/setup', {
    onRequest: limits.byAddress,
    preHandler: byAccount,
    schema: {
      tags: ['operator'], summary: 'First sign-in of a new or reset account: its one-time setup code and the password chosen; returns a token like the sign-in',
      body: PasswordSetup,
      response: { 200: OperatorToken, 400: Err, 401: Err, 429: Err },
    },
  }, async (req, reply) => {
    const { account: name, code, password } = req.body;
    const account = await verifyConsoleAccount(pool, name, code);
    if (!account?.mustSetPassword) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED', 'The account name or setup code is wrong, or the code has expired (7 days) or was used. Ask your operator\'s admin for a new code.');
    await setOwnPassword(pool, account, password);
    return signIn(account, reply);
  });
}

/** Behind requireOperator (operatorRoutes): paths relative to /api/v1/operator. */
export function operatorSessionRoutes(app: App, { auth }: RouteContext): void {
  app.post('/logout', {
    config: { roles: READ },
    schema: { tags: ['operator'], summary: 'Sign out of the console: this session\'s token stops working and the cookie is cleared', response: { 204: Type.Null(), 401: Err } },
  }, async (req, reply) => {
    await auth.endSession(req, reply, 'console');
    return reply.status(204).send(null);
  });
}
