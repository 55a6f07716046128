// Operators' review of contested plate claims (plate-claims.ts): list them, approve one (the plate
// moves to the claimant) or reject it, each with a note. Mounted under /api/v1/operator behind a
// console token; plates are city-wide, not any one operator's, so only the city role may (403
// for an operator's admin or staff).
import { CITY } from '../../core/tenancy.ts';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { App, RouteContext } from '../../core/module.ts';
import { OneLotError } from '../../core/errors.ts';
import { decideClaim, listClaims } from '../plate-claims.ts';
import { ClaimDecision, PlateClaim } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
const ClaimId = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Note = Type.Object({
  note: Type.String({ minLength: 1, maxLength: 500, description: 'why: what was checked (e.g. the vehicle registration seen)' }),
}, { additionalProperties: false });

/** The city account reviewing, or 403: a tenant's accounts see only their own lots, and a plate is no tenant's. */
function cityAccount(req: FastifyRequest): string {
  const op = req.operator!;
  if (op.role !== 'city') throw new OneLotError('ONELOT_ERR_FORBIDDEN', "Plate claims are city-wide: only a city account reviews them. Ask the city's platform team.");
  return op.accountId;
}

export function plateClaimRoutes(app: App, { pool }: RouteContext): void {
  app.get('/plate-claims', {
    config: { roles: CITY },
    schema: {
      tags: ['operator'], summary: 'Contested plate claims (full plates, claimant and holder): pending oldest first, or decided newest first',
      querystring: Type.Object({
        status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')], { default: 'pending' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
      }),
      response: { 200: Type.Object({ claims: Type.Array(PlateClaim) }), 400: Err, 401: Err, 403: Err },
    },
  }, async (req) => {
    cityAccount(req);
    return { claims: await listClaims(pool, req.query.status ?? 'pending', req.query.limit ?? 100) };
  });

  for (const action of ['approve', 'reject'] as const) {
    app.post(`/plate-claims/:id/${action}`, {
      config: { roles: CITY },
      schema: {
        tags: ['operator'],
        summary: action === 'approve'
          ? 'Approve a plate claim: the plate moves to the claimant (stays shown from now on, contactless off)'
          : 'Reject a plate claim: the plate stays where it is',
        params: ClaimId, body: Note,
        response: { 200: ClaimDecision, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err },
      },
    }, async (req) => {
      const accountId = cityAccount(req);
      const r = await decideClaim(pool, req.params.id, { action, note: req.body.note, accountId });
      req.log.info({ operator: accountId, claim: r.id, status: r.status }, 'plate claim decided');
      return r;
    });
  }
}
