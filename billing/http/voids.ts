// Voids, the evidence of a stay, and the reason codes refunds and voids take (issue 11), under
// /api/v1/operator. Refunds themselves are payments' (payments/http/refunds.ts).
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { READ, WORK, scopeOf } from '../../core/tenancy.ts';
import { ADJUSTMENT_REASONS, ADJUSTMENT_REASON_CODES } from '../adjustment-reasons.ts';
import { evidenceCandidates } from '../evidence.ts';
import { voidInvoice } from '../voids.ts';
import { AdjustmentReasons, EvidenceList, VoidBody, VoidResult } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
const InvoiceParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export function voidRoutes(app: App, { pool }: RouteContext): void {
  app.get('/adjustment-reasons', {
    config: { roles: READ },
    schema: {
      tags: ['operator'], summary: 'The reason codes a refund or void takes, with their zh and en texts',
      response: { 200: AdjustmentReasons, 401: Err, 403: Err },
    },
  }, async () => ({ reasons: ADJUSTMENT_REASON_CODES.map((code) => ({ code, ...ADJUSTMENT_REASONS[code], noteRequired: code === 'other' })) }));

  app.get('/invoices/:id/evidence', {
    config: { roles: READ },
    schema: {
      tags: ['operator'], summary: "Candidate evidence of an invoice's stay: its bay's and plate's raw device events between entry and exit, with image references (full plates)",
      params: InvoiceParams, response: { 200: EvidenceList, 401: Err, 403: Err, 404: Err },
    },
  }, async (req) => ({ invoiceId: req.params.id, events: await evidenceCandidates(pool, scopeOf(req).operatorId, req.params.id) }));

  app.post('/invoices/:id/void', {
    config: { roles: WORK },
    schema: {
      tags: ['operator'], summary: 'Void an unpaid invoice of the caller\'s lots with a reason code (other: a note) and optional evidence; it is never charged',
      params: InvoiceParams, body: VoidBody, response: { 200: VoidResult, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err },
    },
  }, async (req) => {
    const r = await voidInvoice(pool, scopeOf(req), req.params.id, req.body.reason, req.body.evidence);
    req.log.info({ operator: req.operator!.accountId, invoice: req.params.id, reason: req.body.reason.code }, 'invoice voided');
    return r;
  });
}
