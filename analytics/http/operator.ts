// The operators' analytics, mounted by the API shell under /api/v1/operator behind an operator
// token: how full each lot is by hour of day, turnover, stays, revenue and arrears.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { OneLotError } from '../../core/errors.ts';
import { READ, hidden, scopeOf } from '../../core/tenancy.ts';
import { analyticsReport } from '../report.ts';
import { Analytics, AnalyticsQuery } from './schemas.ts';

const DAY_MS = 86_400_000;
// A report reads O(lots × hours) rows on the one embedded connection: a quarter at a time.
const MAX_RANGE_DAYS = 92;

export function analyticsOperatorRoutes(app: App, { pool }: RouteContext): void {
  app.get('/analytics', {
    config: { roles: READ },
    schema: {
      tags: ['operator'],
      summary: 'Occupancy, turnover, stays and revenue of the caller\'s lots (the city: every lot) over a range (at most 92 days), per lot, by hour of day and by day',
      querystring: AnalyticsQuery,
      response: { 200: Analytics, 400: Type.Ref('ErrorBody'), 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody'), 404: Type.Ref('ErrorBody') },
    },
  }, async (req) => {
    const to = req.query.to ? new Date(req.query.to) : new Date();
    const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - 7 * DAY_MS);
    if (!(from < to)) throw new OneLotError('ONELOT_ERR_VALIDATION', `from (${from.toISOString()}) must be before to (${to.toISOString()}).`);
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
      throw new OneLotError('ONELOT_ERR_VALIDATION', `The range is longer than ${MAX_RANGE_DAYS} days; ask for a shorter one (e.g. one quarter at a time).`);
    }
    const lotId = req.query.lotId ?? null;
    const report = await analyticsReport(pool, from, to, lotId, scopeOf(req).operatorId);
    if (!report) throw hidden(`Lot ${lotId}`);
    return report;
  });
}
