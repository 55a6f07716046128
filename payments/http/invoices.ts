// Invoices over HTTP: my stays and invoices (account, only since each plate's claim), a presented
// plate's unpaid invoices (no account: amount, lot, date, public reference — public-invoice-views.ts),
// and paying one. Outside the account pages an invoice is named by its public reference only, for
// everyone: sequential ids would let anyone walk every plate's history.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { OneLotError } from '../../core/errors.ts';
import { plateOrThrow } from '../../core/plate-param.ts';
import { defaultSourceFor } from '../accounts.ts';
import { myInvoices, mySessions, type ReceiptKeys } from '../invoice-views.ts';
import { invoiceByRef, invoiceIdOf, presentedPlateInvoices } from '../public-invoice-views.ts';
import type { PaymentsRuntime } from '../runtime.ts';
import { chargeInvoice } from '../charging.ts';
import { Invoice, InvoiceRefParam, MySessions, PaymentStarted, PlateInput, PresentedPlateInvoices, PublicInvoice } from './schemas.ts';

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
      tags: ['payments'], summary: 'What a plate you present owes: unpaid invoices with amount, lot and date only (no account needed)',
      querystring: Type.Object({ plate: PlateInput }),
      response: { 200: PresentedPlateInvoices, 400: Err },
    },
  }, async (req) => presentedPlateInvoices(pool, plateOrThrow(req.query.plate)));

  app.get('/api/v1/invoices/:ref', {
    schema: {
      tags: ['payments'], summary: 'One unpaid invoice by its public reference; once settled, only to its payer (payment key), with the receipt link',
      params: InvoiceRefParam,
      querystring: Type.Object({ payment: Type.Optional(Type.String({ maxLength: 64, description: 'paymentKey from the answer to paying' })) }),
      response: { 200: PublicInvoice, 400: Err, 404: Err },
    },
  }, async (req) => invoiceByRef(pool, req.params.ref, req.query.payment, receipts));

  app.post('/api/v1/invoices/:ref/pay', {
    preHandler: auth.optionalDriver,
    schema: {
      tags: ['payments'], summary: 'Pay an invoice: with a one-off token from the provider checkout, or (logged in) with my default method',
      params: InvoiceRefParam,
      body: Type.Object({ source: Type.Optional(Type.String({ minLength: 4, maxLength: 200, description: 'one-off payment token from the provider checkout' })) }, { additionalProperties: false }),
      response: { 202: PaymentStarted, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err, 503: Err },
    },
  }, async (req, reply) => {
    const client = payments.requireClient();
    const invoiceId = await invoiceIdOf(pool, req.params.ref);
    let source = req.body?.source;
    if (!source) {
      if (req.driverId === undefined) throw new OneLotError('ONELOT_ERR_VALIDATION', 'send {"source": "<one-off token from the checkout>"}, or log in to pay with your default payment method');
      source = await defaultSourceFor(pool, req.driverId, invoiceId);
    }
    // The payer, if logged in: a plate's owner is never held back by its pending contactless charge.
    const r = await chargeInvoice(pool, client, invoiceId, { method: 'online', source, driverId: req.driverId });
    return reply.status(202).send({ chargeId: r.chargeId, invoiceRef: req.params.ref, status: 'pending' as const, paymentKey: receipts.paymentKey(r.chargeId) });
  });
}
