// Refunds under /api/v1/operator (issue 11): request one (partial, with a reason and evidence; the
// Idempotency-Key header makes a retry the same refund), an invoice's refund history, the refunds
// waiting for an admin, and the admin's approval or rejection. Voids and evidence: billing/http/voids.ts.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { ADMIN, READ, WORK, scopeOf } from '../../core/tenancy.ts';
import type { PaymentsRuntime } from '../runtime.ts';
import { decideRefund, refundsInStatus, requestRefund } from '../refunds.ts';
import { invoiceRefunds } from '../refund-views.ts';
import { InvoiceId, InvoiceRefunds, RefundBody, RefundDecisionBody, RefundList, RefundRejectBody, RefundView } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
const RefundId = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const KeyHeader = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 8, maxLength: 255, description: 'the same key again (a retried request) answers the same refund instead of making a second' })),
});

export function refundRoutes(app: App, { pool }: RouteContext, payments: PaymentsRuntime): void {
  app.post('/invoices/:id/refund', {
    config: { roles: WORK },
    schema: {
      tags: ['operator'],
      summary: "Refund (part of) a paid invoice of the caller's lots, with a reason code and evidence; staff above their refund limit: it waits for an admin (pending_approval); the money moves when the provider confirms by webhook",
      params: InvoiceId, headers: KeyHeader, body: RefundBody,
      response: { 202: RefundView, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err, 503: Err },
    },
  }, async (req, reply) => {
    const { refund, replayed } = await requestRefund(pool, payments.requireClient(), scopeOf(req), req.params.id, {
      amountFen: req.body.amountFen, reason: req.body.reason, evidence: req.body.evidence, requestKey: req.headers['idempotency-key'],
    });
    req.log.info({ operator: req.operator!.accountId, invoice: req.params.id, refund: refund.id, status: refund.status, replayed }, 'refund requested');
    if (replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(202).send(refund);
  });

  app.get('/invoices/:id/refunds', {
    config: { roles: READ },
    schema: {
      tags: ['operator'], summary: "An invoice's refunds line by line with their evidence, what is refunded and what remains refundable (full plates)",
      params: InvoiceId, response: { 200: InvoiceRefunds, 401: Err, 403: Err, 404: Err },
    },
  }, async (req) => invoiceRefunds(pool, scopeOf(req).operatorId, req.params.id));

  app.get('/refunds', {
    config: { roles: READ },
    schema: {
      tags: ['operator'], summary: "Refunds of the caller's lots in a status, oldest first (default pending_approval: what an admin must decide; the city: every lot)",
      querystring: Type.Object({ status: Type.Optional(Type.Union(['pending_approval', 'requested', 'succeeded', 'failed', 'rejected'].map((s) => Type.Literal(s)))) }),
      response: { 200: RefundList, 401: Err, 403: Err },
    },
  }, async (req) => ({ refunds: await refundsInStatus(pool, scopeOf(req).operatorId, req.query.status ?? 'pending_approval') }));

  app.post('/refunds/:id/approve', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'Approve a refund waiting above a staff limit: it goes to the provider now',
      params: RefundId, body: RefundDecisionBody, response: { 200: RefundView, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err, 503: Err },
    },
  }, async (req) => decideRefund(pool, payments.requireClient(), scopeOf(req), req.params.id, 'approve', req.body?.note));

  app.post('/refunds/:id/reject', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'Reject a refund waiting above a staff limit, with a note the requester reads; no money moves',
      params: RefundId, body: RefundRejectBody, response: { 200: RefundView, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err },
    },
  }, async (req) => decideRefund(pool, payments.requireClient(), scopeOf(req), req.params.id, 'reject', req.body.note));
}
