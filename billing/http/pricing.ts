// Price steps in the operators' console (issue 15 §2), under /api/v1/operator: the city's policy,
// the recommendations of the caller's lots with their evidence, a run on demand, and the
// operator's accept or reject (audited). The SQL is in billing/price-steps.ts.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { ADMIN, CITY, OVERSEE, READ, scopeOf } from '../../core/tenancy.ts';
import type { BillingBook } from '../billing-book.ts';
import { acceptRecommendation, getPolicy, listRecommendations, rejectRecommendation, runRecommendations, setPolicy } from '../price-steps.ts';
import type { TariffRouteDeps } from './tariffs.ts';
import { PriceRecommendation, PriceRecommendations, PricingPolicySchema, PricingPolicyView, PricingRunReport, RejectBody } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
const tags = ['operator', 'pricing'];
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export interface PricingRouteDeps extends TariffRouteDeps {
  /** The billing book the ingest hook prices with: the tariff in force next Monday is read from it. */
  book(): BillingBook;
}

export function pricingRoutes(app: App, { pool }: RouteContext, deps: PricingRouteDeps): void {
  app.get('/pricing/policy', {
    config: { roles: READ },
    schema: { tags, summary: 'The city\'s pricing policy: target occupancy band, step, floor and ceiling', response: { 200: PricingPolicyView, 401: Err } },
  }, async () => getPolicy(pool));

  app.put('/pricing/policy', {
    config: { roles: CITY },
    schema: { tags, summary: 'Set the pricing policy (the city)', body: PricingPolicySchema, response: { 200: PricingPolicyView, 400: Err, 401: Err, 403: Err } },
  }, async (req) => setPolicy(pool, scopeOf(req), req.body));

  app.get('/pricing/recommendations', {
    config: { roles: READ },
    schema: {
      tags, summary: 'Price recommendations of your lots (the city: every lot), newest first, each with its evidence',
      querystring: Type.Object({
        status: Type.Optional(Type.Union(['proposed', 'accepted', 'rejected', 'superseded'].map((s) => Type.Literal(s)))),
        lotId: Type.Optional(Type.String({ maxLength: 64 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
      }, { additionalProperties: false }),
      response: { 200: PriceRecommendations, 401: Err },
    },
  }, async (req) => ({ recommendations: await listRecommendations(pool, scopeOf(req), { ...req.query, limit: req.query.limit ?? 100 }) }));

  app.post('/pricing/recommendations/run', {
    config: { roles: OVERSEE },
    schema: {
      tags, summary: 'Compute recommendations now (weekly otherwise) for your lots (the city: every lot), or the lots named',
      body: Type.Optional(Type.Object({ lotIds: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000 })) }, { additionalProperties: false })),
      response: { 200: PricingRunReport, 401: Err, 403: Err },
    },
  }, async (req) => {
    const report = await runRecommendations(pool, deps.book(), { operatorId: scopeOf(req).operatorId, lotIds: req.body?.lotIds });
    req.log.info({ account: req.operator!.accountId, ...report }, 'price recommendations run');
    return report;
  });

  app.post('/pricing/recommendations/:id/accept', {
    config: { roles: ADMIN },
    schema: {
      tags, summary: 'Accept: the proposal becomes a tariff version scheduled from next Monday (a street lot\'s waits for the city)',
      params: IdParams, response: { 200: PriceRecommendation, 401: Err, 403: Err, 404: Err, 409: Err },
    },
  }, async (req) => {
    const rec = await acceptRecommendation(pool, scopeOf(req), req.params.id);
    await deps.reload();
    return rec;
  });

  app.post('/pricing/recommendations/:id/reject', {
    config: { roles: ADMIN },
    schema: { tags, summary: 'Reject a recommendation, saying why', params: IdParams, body: RejectBody, response: { 200: PriceRecommendation, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err } },
  }, async (req) => rejectRecommendation(pool, scopeOf(req), req.params.id, req.body.reason));
}
