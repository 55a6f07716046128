// The operators' console sign-in. Public (it is how a token is had); every other
// /api/v1/operator route sits behind the session it opens (api/app.ts, core/sessions.ts).
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { LoginLimiter, limitedLogin } from '../../core/login-limiter.ts';
import { prepareAccountPasswords } from '../../core/passwords.ts';
import { openSession } from '../../core/sessions.ts';
import { audit } from '../../core/audit.ts';
import { verifyConsoleAccount } from '../accounts.ts';
import { OperatorLogin, OperatorToken } from './schemas.ts';

export function operatorLoginRoutes(app: App, { pool, config }: RouteContext): void {
  const limiter = new LoginLimiter();
  prepareAccountPasswords();

  app.post('/api/v1/operator/login', {
    schema: {
      tags: ['operator'], summary: 'Sign in to the operators\' console; returns a bearer token valid for 12 hours',
      body: OperatorLogin,
      response: { 200: OperatorToken, 401: Type.Ref('ErrorBody'), 429: Type.Ref('ErrorBody') },
    },
  }, async (req, reply) => {
    const { account: name, password } = req.body;
    const account = await limitedLogin(limiter, name, reply, () => verifyConsoleAccount(pool, name, password),
      'The account name or password is wrong. Check both and try again; after 5 failures the account is locked for 15 minutes. An administrator sets passwords with `npm run operator:add`.');
    req.log.info({ account: account.accountId }, 'operator signed in');
    const session = await openSession(pool, config.AUTH_TOKEN_SECRET, { accountId: account.accountId });
    await audit(pool, { by: account, operatorId: account.operatorId, action: 'sign-in', objectType: 'account', objectId: account.accountId });
    return { token: session.token, expiresAt: session.expiresAt, ...account };
  });
}
