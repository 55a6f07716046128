// Invoices over HTTP: my stays and invoices (account), a presented plate's invoices (no account:
// masked, never who owns it), and paying one.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { OneLotError } from '../../core/errors.ts';
import { plateOrThrow } from '../../core/plate-param.ts';
import { defaultSourceFor } from '../accounts.ts';
import { myInvoices, mySessions, presentedInvoice, presentedPlateInvoices, type ReceiptKeys } from '../invoice-views.ts';
import type { PaymentsRuntime } from '../runtime.ts';
import { chargeInvoice } from '../charging.ts';
import { Invoice, InvoiceId, MySessions, PaymentStarted, PlateInput, PresentedPlateInvoices } from './schemas.ts';

const Err = Type.Ref('ErrorBody');

export function invoiceRoutes(app: App, { pool, auth }: RouteContext, payments: PaymentsRuntime, receipts: ReceiptKeys): void {
  app.get('/api/v1/me/sessions', {
    preHandler: auth.requireDriver,
    schema: {
      tags: ['drivers'], summary: 'My current stays with their running fee, and past stays with invoice and receipt',
      response: { 200: MySessions, 401: Err },
    },
  }, async (req) => mySessions(pool, req.driverId!, receipts));

  app.get('/api/v1/me/invoices', {
    preHandler: auth.requireDriver,
    schema: { tags: ['drivers'], summary: 'Invoices of my plates, newest first', response: { 200: Type.Object({ invoices: Type.Array(Invoice) }), 401: Err } },
  }, async (req) => ({ invoices: await myInvoices(pool, req.driverId!, receipts) }));

  app.get('/api/v1/invoices', {
    schema: {
      tags: ['payments'], summary: 'Outstanding invoices of a plate you present (no account needed)',
      querystring: Type.Object({ plate: PlateInput }),
      response: { 200: PresentedPlateInvoices, 400: Err },
    },
  }, async (req) => presentedPlateInvoices(pool, plateOrThrow(req.query.plate)));

  app.get('/api/v1/invoices/:id', {
    schema: {
      tags: ['payments'], summary: 'One invoice of a plate you present, with its status and, once paid, the receipt link',
      params: InvoiceId, querystring: Type.Object({ plate: PlateInput }),
      response: { 200: Invoice, 400: Err, 404: Err },
    },
  }, async (req) => presentedInvoice(pool, req.params.id, plateOrThrow(req.query.plate), receipts));

  app.post('/api/v1/invoices/:id/pay', {
    preHandler: auth.optionalDriver,
    schema: {
      tags: ['payments'], summary: 'Pay an invoice: with a one-off token from the provider checkout, or (logged in) with my default method',
      params: InvoiceId,
      body: Type.Object({ source: Type.Optional(Type.String({ minLength: 4, maxLength: 200, description: 'one-off payment token from the provider checkout' })) }, { additionalProperties: false }),
      response: { 202: PaymentStarted, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err, 503: Err },
    },
  }, async (req, reply) => {
    const client = payments.requireClient();
    let source = req.body?.source;
    if (!source) {
      if (req.driverId === undefined) throw new OneLotError('ONELOT_ERR_VALIDATION', 'send {"source": "<one-off token from the checkout>"}, or log in to pay with your default payment method');
      source = await defaultSourceFor(pool, req.driverId, req.params.id);
    }
    // The payer, if logged in: a plate's owner is never held back by its pending contactless charge.
    const r = await chargeInvoice(pool, client, req.params.id, { method: 'online', source, driverId: req.driverId });
    return reply.status(202).send({ chargeId: r.chargeId, invoiceId: r.invoiceId, status: 'pending' as const });
  });
}
