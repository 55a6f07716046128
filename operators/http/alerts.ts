// Device health alerts in the console (operators/device-alerts.ts), under /api/v1/operator.
import { READ, WORK } from '../../core/tenancy.ts';
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { actOnAlert, alertCounts, listAlerts } from '../device-alerts.ts';
import { AlertAction, AlertCountsSchema, AlertKindSchema, DeviceAlertList, DeviceAlertSchema } from './schemas.ts';

const Err = Type.Ref('ErrorBody');

export function alertRoutes(app: App, { pool }: RouteContext): void {
  app.get('/alerts', {
    config: { roles: READ },
    schema: {
      tags: ['operator'], summary: 'Device health alerts of your lots, newest first (the city\'s team: every lot)',
      querystring: Type.Object({
        lotId: Type.Optional(Type.String({ maxLength: 64 })),
        kind: Type.Optional(AlertKindSchema),
        status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')], { description: 'active = open or acknowledged' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
      }, { additionalProperties: false }),
      response: { 200: DeviceAlertList, 401: Err },
    },
  }, async (req) => ({ alerts: await listAlerts(pool, req.operator!, { ...req.query, limit: req.query.limit ?? 200 }) }));

  app.get('/alerts/counts', {
    config: { roles: READ },
    schema: { tags: ['operator'], summary: 'Unresolved device alerts per lot, for the console header', response: { 200: AlertCountsSchema, 401: Err } },
  }, async (req) => alertCounts(pool, req.operator!));

  app.post('/alerts/:id/:action', {
    config: { roles: WORK },
    schema: {
      tags: ['operator'], summary: 'Acknowledge or resolve a device alert with a note (an operator\'s admin or staff)',
      params: Type.Object({ id: Type.Integer({ minimum: 1 }), action: AlertAction }),
      body: Type.Object({ note: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
      response: { 200: DeviceAlertSchema, 401: Err, 403: Err, 404: Err, 409: Err },
    },
  }, async (req) => {
    const alert = await actOnAlert(pool, req.operator!, req.params.id, req.params.action, req.body.note);
    req.log.info({ account: req.operator!.accountId, alert: alert.id, action: req.params.action }, 'device alert updated');
    return alert;
  });
}
