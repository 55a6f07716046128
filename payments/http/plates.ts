// A driver's plates: claim (a plate another account holds goes to the operators' review), remove,
// and contactless ("leave and go") on or off.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { plateOrThrow } from '../../core/plate-param.ts';
import { removePlate, setContactless } from '../accounts.ts';
import { claimPlate, pendingMessage } from '../plate-claims.ts';
import type { PaymentsRuntime } from '../runtime.ts';
import { outstandingOf } from '../auto-charger.ts';
import { ClaimPending, DriverPlate, PlateInput } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
const PlateParam = Type.Object({ plate: PlateInput });

export function plateRoutes(app: App, { pool, auth }: RouteContext, payments: PaymentsRuntime): void {
  app.post('/api/v1/me/plates', {
    preHandler: auth.requireDriver,
    schema: {
      tags: ['drivers'], summary: "Claim a plate for my account (shows only stays from now on); one on another account goes to the operators' review (202)",
      body: Type.Object({ plate: PlateInput }, { additionalProperties: false }),
      response: { 201: DriverPlate, 200: DriverPlate, 202: ClaimPending, 400: Err, 401: Err },
    },
  }, async (req, reply) => {
    const plate = plateOrThrow(req.body.plate);
    const r = await claimPlate(pool, req.driverId!, plate);
    if (r.kind === 'pending') return reply.status(202).send({ status: 'pending' as const, message: pendingMessage(plate), claim: r.claim });
    return reply.status(r.kind === 'created' ? 201 : 200).send(r.plate);
  });

  app.delete('/api/v1/me/plates/:plate', {
    preHandler: auth.requireDriver,
    schema: { tags: ['drivers'], summary: 'Remove a plate from my account', params: PlateParam, response: { 204: Type.Null(), 400: Err, 401: Err, 404: Err } },
  }, async (req, reply) => {
    await removePlate(pool, req.driverId!, plateOrThrow(req.params.plate));
    return reply.status(204).send(null);
  });

  app.put('/api/v1/me/plates/:plate/contactless', {
    preHandler: auth.requireDriver,
    schema: {
      tags: ['drivers'], summary: 'Turn contactless ("leave and go") payment on or off for a plate',
      params: PlateParam, body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }),
      response: { 200: DriverPlate, 400: Err, 401: Err, 404: Err, 409: Err },
    },
  }, async (req) => {
    const plate = await setContactless(pool, req.driverId!, plateOrThrow(req.params.plate), req.body.enabled);
    // A plate just switched on may already have unpaid invoices: charge them now (by id: a poke
    // without ids would sweep every outstanding invoice of the city), not at the timer's sweep.
    // The ids are read before the answer, so the pass is under way (or queued) by then.
    if (req.body.enabled && payments.autoCharger) {
      const ids = await outstandingOf(pool, plate.plate);
      if (ids.length) payments.autoCharger.poke(ids).catch(() => {});
    }
    return plate;
  });
}
