// The API shell's authentication: preHandlers that resolve a bearer token (core/tokens.ts) to its
// live session (core/sessions.ts) and put who is calling on the request. Modules get them through
// their route context (core/module.ts); every /api/v1/operator route but the sign-in sits behind
// requireOperator in one scope (api/app.ts).
import type { FastifyRequest } from 'fastify';
import { OneLotError } from '../core/errors.ts';
import type { HttpAuth } from '../core/module.ts';
import type { Principal } from '../core/sessions.ts';

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** `resolve`: a token's live principal, or null (core/sessions.ts principalOf in the platform). */
export function createAuth(resolve: (token: string) => Promise<Principal | null>): HttpAuth {
  /** undefined: no token sent; null: a token that is not (or no longer) good. */
  const principal = async (req: FastifyRequest): Promise<Principal | null | undefined> => {
    const token = bearer(req);
    if (token === undefined) return undefined;
    return resolve(token);
  };
  const asDriver = (req: FastifyRequest, p: Principal | null | undefined): void => {
    if (!p || !('driverId' in p)) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
    req.driverId = p.driverId;
    req.sessionId = p.sessionId;
  };
  return {
    async requireDriver(req) {
      asDriver(req, await principal(req));
    },
    async optionalDriver(req) {
      const p = await principal(req);
      // A token that was sent but is bad must not silently downgrade to anonymous.
      if (p !== undefined) asDriver(req, p);
    },
    async requireOperator(req) {
      const p = await principal(req);
      if (!p || !('operator' in p)) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
      req.operator = p.operator;
      req.sessionId = p.sessionId;
    },
  };
}
