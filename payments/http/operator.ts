// Payments' operator routes, mounted by the API shell under /api/v1/operator behind an operator
// token: refunds (refunds.ts), one plate's arrears, sending overdue reminders now, and contested plate claims.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { audit } from '../../core/audit.ts';
import { READ, scopeOf } from '../../core/tenancy.ts';
import { plateOrThrow } from '../../core/plate-param.ts';
import { plateArrears } from '../invoice-views.ts';
import type { PaymentsRuntime } from '../runtime.ts';
import { refundRoutes } from './refunds.ts';
import { plateClaimRoutes } from './plate-claims.ts';
import { sendOverdueReminders } from '../reminders.ts';
import { PlateArrears, PlateInput, RemindersRun } from './schemas.ts';

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
      tags: ['operator'], summary: 'Send overdue reminders now for the caller\'s lots (the city role: the whole city; normally REMINDER_CRON); logged only, there is no SMS gateway',
      response: { 200: RemindersRun, 401: Err, 403: Err },
    },
  }, async (req) => {
    const by = scopeOf(req);
    const sent = await sendOverdueReminders(pool, new Date(), (m) => req.log.info(m), by.operatorId);
    await audit(pool, { by, operatorId: by.operatorId, action: 'reminders.run', after: { sent: sent.map((s) => s.invoiceId) } });
    return { sent: sent.map(({ dueAt: _d, ...s }) => s) };
  });
}
