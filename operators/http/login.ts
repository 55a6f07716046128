// The operators' console sign-in. Public (it is how a token is had); every other
// /api/v1/operator route sits behind the token it issues (api/app.ts).
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { LoginLimiter, limitedLogin } from '../../core/login-limiter.ts';
import { prepareAccountPasswords } from '../../core/passwords.ts';
import { issueToken, TOKEN_TTL_S } from '../../core/tokens.ts';
import { verifyOperator } from '../accounts.ts';
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
    const { operatorId, password } = req.body;
    const account = await limitedLogin(limiter, operatorId, reply, () => verifyOperator(pool, operatorId, password),
      'The operator id or password is wrong. Check both and try again; after 5 failures the id is locked for 15 minutes. An administrator sets passwords with `npm run operator:add`.');
    const nowS = Math.floor(Date.now() / 1000);
    req.log.info({ operator: account.id }, 'operator signed in');
    return { token: issueToken(config.AUTH_TOKEN_SECRET, { operatorId: account.id }, nowS), operatorId: account.id, name: account.name, expiresAt: new Date((nowS + TOKEN_TTL_S) * 1000).toISOString() };
  });
}
