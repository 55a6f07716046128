// The operators' bays (under /api/v1/operator): list a lot's, add many by a code pattern or a CSV
// (with a per-row report of what was refused and why), edit flags, retire.
import { ADMIN, READ } from '../../core/tenancy.ts';
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { OneLotError } from '../../core/errors.ts';
import { expandPattern, parseBayCsv } from '../bay-codes.ts';
import { addBays, listBays, retireBay, updateBay } from '../bays.ts';
import { tenantOf, writerOf } from '../tenant.ts';
import { BayCodeParams, BayPatch, BayPatternInput, BayReport, CsvInput, LotIdParams, OperatorBay, OperatorBayList, BayQuery } from './schemas.ts';

const E = Type.Ref('ErrorBody');

/** A pure helper's Error (a bad pattern or CSV) as the 400 that names what to fix. */
function invalid<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new OneLotError('ONELOT_ERR_VALIDATION', (err as Error).message);
  }
}

export function estateBayRoutes(app: App, { pool, changes }: RouteContext): void {
  app.get('/lots/:id/bays', {
    config: { roles: READ },
    schema: { tags: ['operator'], summary: 'A lot\'s bays, retired ones included, with the devices watching each; a page at a time (`limit`, `after` = the last page\'s `next`)', params: LotIdParams, querystring: BayQuery, response: { 200: OperatorBayList, 401: E, 404: E } },
  }, async (req) => listBays(pool, tenantOf(req), req.params.id, req.query));

  app.post('/lots/:id/bays', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'Add bays by a code pattern (`A-{001..120}`, or `A-{nnn}` with count); answers which were created and which refused, and why',
      params: LotIdParams, body: BayPatternInput, response: { 200: BayReport, 400: E, 401: E, 403: E, 404: E, 409: E },
    },
  }, async (req) => {
    const by = writerOf(req);
    const { pattern, count, start, accessible = false, evCharging = false } = req.body;
    const codes = invalid(() => expandPattern(pattern, count, start));
    return addBays(pool, changes, by, req.params.id, codes.map((code, i) => ({ row: i + 1, code, accessible, evCharging })));
  });

  app.post('/lots/:id/bays/csv', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'Add bays from CSV text (header: code, accessible, ev_charging, lat, lng); answers per CSV line what was refused and why',
      params: LotIdParams, body: CsvInput, response: { 200: BayReport, 400: E, 401: E, 403: E, 404: E, 409: E },
    },
  }, async (req) => {
    const by = writerOf(req);
    const { rows, refused } = invalid(() => parseBayCsv(req.body.csv));
    return addBays(pool, changes, by, req.params.id, rows, refused);
  });

  app.patch('/bays/:code', {
    config: { roles: ADMIN },
    schema: { tags: ['operator'], summary: 'Set a bay\'s flags (accessible, EV charging)', params: BayCodeParams, body: BayPatch, response: { 200: OperatorBay, 400: E, 401: E, 403: E, 404: E, 409: E } },
  }, async (req) => updateBay(pool, changes, writerOf(req), req.params.code, req.body));

  app.post('/bays/:code/retire', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'Retire a bay no enabled device watches: off the public lot page and the counts; its history stays',
      params: BayCodeParams, response: { 200: OperatorBay, 401: E, 403: E, 404: E, 409: E },
    },
  }, async (req) => retireBay(pool, changes, writerOf(req), req.params.code));
}
