// Payments' operator routes, mounted by the API shell under /api/v1/operator behind an operator
// token: refunds (refunds.ts), one plate's arrears, sending overdue reminders now and a plate's reminder history,
// and contested plate claims.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { audit } from '../../core/audit.ts';
import { READ, scopeOf } from '../../core/tenancy.ts';
import { plateOrThrow } from '../../core/plate-param.ts';
import { plateArrears } from '../invoice-views.ts';
import type { PaymentsRuntime } from '../runtime.ts';
import { refundRoutes } from './refunds.ts';
import { plateClaimRoutes } from './plate-claims.ts';
import { runReminders } from '../reminders.ts';
import { plateReminderHistory } from '../reminder-views.ts';
import { PlateArrears, PlateInput, PlateParam, PlateReminders, RemindersRun } from './schemas.ts';

const Err = Type.Ref('ErrorBody');

export function paymentsOperatorRoutes(app: App, ctx: RouteContext, payments: PaymentsRuntime): void {
  const { pool } = ctx;
  plateClaimRoutes(app, ctx);
  refundRoutes(app, ctx, payments);
  app.get('/arrears', {
    config: { roles: READ },
    schema: {
      tags: ['operator'], summary: "A plate's arrears at the caller's lots (the city: every lot): its overdue and outstanding invoices",
      querystring: Type.Object({ plate: PlateInput }),
      response: { 200: PlateArrears, 400: Err, 401: Err, 403: Err },
    },
  }, async (req) => plateArrears(pool, plateOrThrow(req.query.plate), scopeOf(req).operatorId));

  // Whole-city runs are the city's; an operator's admin or staff run them for their own lots.
  app.post('/reminders/run', {
    config: { roles: READ },
    schema: {
      tags: ['operator'], summary: 'Send overdue reminders now for the caller\'s lots (the city role: the whole city; normally REMINDER_CRON): by SMS to the plate owner, outside REMINDER_QUIET_HOURS; each message with its status',
      response: { 200: RemindersRun, 401: Err, 403: Err },
    },
  }, async (req) => {
    const by = scopeOf(req);
    const r = await runReminders(pool, ctx.sms, { now: payments.now(), tenant: by.operatorId, quiet: payments.quiet, log: (m) => req.log.info(m) });
    await audit(pool, { by, operatorId: by.operatorId, action: 'reminders.run', after: { created: r.created, counts: r.counts, invoices: r.messages.map((m) => m.invoiceId) } });
    return r;
  });

  app.get('/plates/:plate/reminders', {
    config: { roles: READ },
    schema: {
      tags: ['operator'], summary: "A plate's reminder history at the caller's lots, newest first: when, to which (masked) phone, status, delivered at or why not",
      params: PlateParam, response: { 200: PlateReminders, 400: Err, 401: Err, 403: Err, 404: Err },
    },
  }, async (req) => plateReminderHistory(pool, plateOrThrow(req.params.plate), scopeOf(req).operatorId));
}
