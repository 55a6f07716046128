// The operators' lots (under /api/v1/operator, behind the operator token, api/app.ts): list and
// search, create, read, edit (publish is `published: true`), retire. Handlers only call the
// services in operators/lots.ts, which scope every statement by the caller's tenant.
import { ADMIN, READ } from '../../core/tenancy.ts';
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { createLot, getLot, listLots, retireLot, updateLot } from '../lots.ts';
import { tenantOf, writerOf } from '../tenant.ts';
import { LotIdParams, LotInput, LotPatch, LotQuery, OperatorLot, OperatorLotList } from './schemas.ts';

const E = Type.Ref('ErrorBody');

export function estateLotRoutes(app: App, { pool, changes }: RouteContext): void {
  app.get('/lots', {
    config: { roles: READ },
    schema: { tags: ['operator'], summary: 'Your lots, published or not (retired ones with retired=true), searchable', querystring: LotQuery, response: { 200: OperatorLotList, 401: E } },
  }, async (req) => ({ lots: await listLots(pool, tenantOf(req), req.query) }));

  app.post('/lots', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'Create a garage (a point) or a street segment (a polyline); unpublished until `published: true`',
      body: LotInput, response: { 201: OperatorLot, 400: E, 401: E, 403: E, 409: E },
    },
  }, async (req, reply) => reply.code(201).send(await createLot(pool, changes, writerOf(req), req.body)));

  app.get('/lots/:id', {
    config: { roles: READ },
    schema: { tags: ['operator'], summary: 'One of your lots', params: LotIdParams, response: { 200: OperatorLot, 401: E, 404: E } },
  }, async (req) => getLot(pool, tenantOf(req), req.params.id));

  app.patch('/lots/:id', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'Edit a lot: names, address, place, time zone, counts; `published` puts it on or takes it off the public map',
      params: LotIdParams, body: LotPatch, response: { 200: OperatorLot, 400: E, 401: E, 403: E, 404: E, 409: E },
    },
  }, async (req) => updateLot(pool, changes, writerOf(req), req.params.id, req.body));

  app.post('/lots/:id/retire', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'Retire a lot: off the public map, its bays retired and devices disabled; its sessions and invoices stay',
      params: LotIdParams, response: { 200: Type.Object({ lot: OperatorLot, disabledDevices: Type.Array(Type.String()) }), 401: E, 403: E, 404: E },
    },
  }, async (req) => {
    const { lot, disabled } = await retireLot(pool, changes, writerOf(req), req.params.id);
    return { lot, disabledDevices: disabled };
  });
}
