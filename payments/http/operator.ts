// Payments' operator routes, mounted by the API shell under /api/v1/operator behind an operator
// token: refunds, one plate's arrears, and sending overdue reminders now.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { plateOrThrow } from '../../core/plate-param.ts';
import { plateArrears } from '../invoice-views.ts';
import type { PaymentsRuntime } from '../runtime.ts';
import { refundInvoice } from '../refunds.ts';
import { sendOverdueReminders } from '../reminders.ts';
import { InvoiceId, PlateArrears, PlateInput, RefundStarted, RemindersRun } from './schemas.ts';

const Err = Type.Ref('ErrorBody');

export function paymentsOperatorRoutes(app: App, { pool }: RouteContext, payments: PaymentsRuntime): void {
  app.post('/invoices/:id/refund', {
    schema: {
      tags: ['operator'], summary: 'Refund a paid invoice in full (the result arrives by webhook)',
      params: InvoiceId, response: { 202: RefundStarted, 401: Err, 404: Err, 409: Err, 503: Err },
    },
  }, async (req, reply) => {
    const r = await refundInvoice(pool, payments.requireClient(), req.params.id);
    req.log.info({ operator: req.operator!.accountId, invoice: req.params.id }, 'refund requested');
    return reply.status(202).send({ invoiceId: req.params.id, ...r });
  });

  app.get('/arrears', {
    schema: {
      tags: ['operator'], summary: "A plate's arrears: its overdue and outstanding invoices",
      querystring: Type.Object({ plate: PlateInput }),
      response: { 200: PlateArrears, 400: Err, 401: Err },
    },
  }, async (req) => plateArrears(pool, plateOrThrow(req.query.plate)));

  app.post('/reminders/run', {
    schema: {
      tags: ['operator'], summary: 'Send overdue reminders now (normally REMINDER_CRON); logged only, there is no SMS gateway',
      response: { 200: RemindersRun, 401: Err },
    },
  }, async (req) => {
    const sent = await sendOverdueReminders(pool, new Date(), (m) => req.log.info(m));
    return { sent: sent.map(({ dueAt: _d, ...s }) => s) };
  });
}
