// Billing's operator routes, mounted by the API shell under /api/v1/operator behind an operator
// token: the review queue, resolving exceptions, the plates in arrears, and tariff versions
// (billing/http/tariffs.ts).
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { READ, WORK, scopeOf } from '../../core/tenancy.ts';
import { approvedInvoice, arrearsPlates, resolveException, reviewQueue } from '../review.ts';
import { passRoutes } from './passes.ts';
import { voidRoutes } from './voids.ts';
import { tariffRoutes } from './tariffs.ts';
import { pricingRoutes, type PricingRouteDeps } from './pricing.ts';
import { ArrearsPlates, Resolution, ResolveBody, ReviewQueue } from './schemas.ts';

const Err = Type.Ref('ErrorBody');

export function billingOperatorRoutes(app: App, ctx: RouteContext, deps: PricingRouteDeps): void {
  const { pool } = ctx;
  tariffRoutes(app, ctx, deps);
  passRoutes(app, ctx, deps);
  voidRoutes(app, ctx);
  pricingRoutes(app, ctx, deps);

  app.get('/review', {
    config: { roles: READ },
    schema: {
      tags: ['operator'],
      summary: 'The review queue of the caller\'s lots (the city: every lot): sessions in review and unresolved exceptions (full plates)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })) }),
      response: { 200: ReviewQueue, 401: Err, 403: Err },
    },
  }, async (req) => reviewQueue(pool, scopeOf(req).operatorId, req.query.limit ?? 200));

  app.post('/exceptions/:id/resolve', {
    config: { roles: WORK },
    schema: {
      tags: ['operator'],
      summary: 'Resolve an exception: dismiss it, approve its session for charging, or void its invoice (with reason {code, note})',
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      body: ResolveBody,
      response: { 200: Resolution, 401: Err, 403: Err, 404: Err, 409: Err },
    },
  }, async (req) => {
    const r = await resolveException(pool, scopeOf(req), req.params.id, req.body.action, req.body.note, req.body.reason);
    req.log.info({ operator: req.operator!.accountId, exception: req.params.id, action: req.body.action }, 'exception resolved');
    // An approved stay's invoice is billable now: announced like one issued at the exit.
    const issued = req.body.action === 'approve' && r.session ? await approvedInvoice(pool, r.session.id) : null;
    if (issued) ctx.changes.emit('invoices', [issued]);
    return r;
  });

  // The list across plates; GET /api/v1/operator/arrears?plate= (payments/http/operator.ts) is one plate's detail.
  app.get('/arrears/plates', {
    config: { roles: READ },
    schema: {
      tags: ['operator'],
      summary: 'Plates with overdue invoices at the caller\'s lots (the city: every lot; full plates)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })) }),
      response: { 200: ArrearsPlates, 401: Err, 403: Err },
    },
  }, async (req) => ({ plates: await arrearsPlates(pool, scopeOf(req).operatorId, req.query.limit ?? 500) }));
}
