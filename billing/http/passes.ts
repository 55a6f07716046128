// Passes and free lists in the operators' console, under /api/v1/operator: issue (a monthly pass
// paid at the counter, or a free list), list, revoke. Scoped to the caller's tenant
// (billing/http/caller.ts); the SQL is in billing/passes.ts. Each write reloads the billing book,
// so the next exit is billed (or not) accordingly.
import { ADMIN, READ, scopeOf } from '../../core/tenancy.ts';
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { withTx } from '../../core/db/tx.ts';
import { createPass, listPasses, revokePass } from '../passes.ts';
import { lotFor, requireWriter } from './caller.ts';
import type { TariffRouteDeps } from './tariffs.ts';
import { Pass, PassInput, Passes } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
const tags = ['operator', 'passes'];

export function passRoutes(app: App, { pool }: RouteContext, deps: TariffRouteDeps): void {
  app.get('/passes', {
    config: { roles: READ },
    schema: {
      tags, summary: 'Monthly passes and free lists of your lots (full plates), newest first',
      querystring: Type.Object({ lotId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }), response: { 200: Passes, 401: Err, 404: Err },
    },
  }, async (req) => {
    const caller = scopeOf(req);
    if (req.query.lotId) await lotFor(pool, caller, req.query.lotId);
    return { passes: await listPasses(pool, caller.operatorId, req.query.lotId) };
  });

  app.post('/passes', {
    config: { roles: ADMIN },
    schema: { tags, summary: 'Issue a monthly pass (paid at the counter) or a free list; a stay it covers gets a zero invoice naming it', body: PassInput, response: { 201: Pass, 400: Err, 401: Err, 403: Err, 404: Err } },
  }, async (req, reply) => {
    const caller = scopeOf(req);
    requireWriter(caller);
    if (req.body.lotId) await lotFor(pool, caller, req.body.lotId);
    const pass = await withTx(pool, (c) => createPass(c, caller.operatorId!, req.body, req.operator?.accountId ?? null));
    await deps.reload();
    req.log.info({ operator: req.operator?.accountId, pass: pass.id, kind: pass.kind }, 'pass issued');
    reply.code(201);
    return pass;
  });

  app.post('/passes/:id/revoke', {
    config: { roles: ADMIN },
    schema: { tags, summary: 'Revoke a pass or list from now on (invoices already issued stay as they are)', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: Pass, 401: Err, 403: Err, 404: Err } },
  }, async (req) => {
    const caller = scopeOf(req);
    requireWriter(caller);
    const pass = await withTx(pool, (c) => revokePass(c, caller.operatorId, req.params.id, req.operator?.accountId ?? null));
    await deps.reload();
    return pass;
  });
}
