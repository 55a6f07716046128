// The API shell's authentication: preHandlers that check the bearer tokens of core/tokens.ts and
// put who is calling on the request. Modules get them through their route context (core/module.ts);
// every /api/v1/operator route but the sign-in sits behind requireOperator in one scope (api/app.ts).
import type { FastifyRequest } from 'fastify';
import { OneLotError } from '../core/errors.ts';
import type { HttpAuth } from '../core/module.ts';
import { verifyToken, type TokenClaims } from '../core/tokens.ts';

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

export function createAuth(secret: string): HttpAuth {
  const claimsOf = (req: FastifyRequest): TokenClaims | null | undefined => {
    const token = bearer(req);
    return token === undefined ? undefined : verifyToken(secret, token);
  };
  return {
    async requireDriver(req) {
      const claims = claimsOf(req);
      if (!claims || typeof claims.driverId !== 'number') throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
      req.driverId = claims.driverId;
    },
    async optionalDriver(req) {
      const claims = claimsOf(req);
      if (claims === undefined) return;
      // A token that was sent but is bad must not silently downgrade to anonymous.
      if (!claims || typeof claims.driverId !== 'number') throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
      req.driverId = claims.driverId;
    },
    async requireOperator(req) {
      const claims = claimsOf(req);
      if (!claims || typeof claims.operatorId !== 'string') throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
      req.operatorId = claims.operatorId;
    },
  };
}
