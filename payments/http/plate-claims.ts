// Operators' review of contested plate claims (plate-claims.ts): list them, approve one (the plate
// moves to the claimant) or reject it, each with a note. Mounted under /api/v1/operator behind an
// operator token; plates are city-wide, not any one operator's.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { decideClaim, listClaims } from '../plate-claims.ts';
import { ClaimDecision, PlateClaim } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
const ClaimId = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Note = Type.Object({
  note: Type.String({ minLength: 1, maxLength: 500, description: 'why: what was checked (e.g. the vehicle registration seen)' }),
}, { additionalProperties: false });

export function plateClaimRoutes(app: App, { pool }: RouteContext): void {
  app.get('/plate-claims', {
    schema: {
      tags: ['operator'], summary: 'Contested plate claims (full plates, claimant and holder): pending oldest first, or decided newest first',
      querystring: Type.Object({
        status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')], { default: 'pending' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
      }),
      response: { 200: Type.Object({ claims: Type.Array(PlateClaim) }), 400: Err, 401: Err },
    },
  }, async (req) => ({ claims: await listClaims(pool, req.query.status ?? 'pending', req.query.limit ?? 100) }));

  for (const action of ['approve', 'reject'] as const) {
    app.post(`/plate-claims/:id/${action}`, {
      schema: {
        tags: ['operator'],
        summary: action === 'approve'
          ? 'Approve a plate claim: the plate moves to the claimant (stays shown from now on, contactless off)'
          : 'Reject a plate claim: the plate stays where it is',
        params: ClaimId, body: Note,
        response: { 200: ClaimDecision, 400: Err, 401: Err, 404: Err, 409: Err },
      },
    }, async (req) => {
      const r = await decideClaim(pool, req.params.id, { action, note: req.body.note, operatorId: req.operatorId! });
      req.log.info({ operator: req.operatorId, claim: r.id, status: r.status }, 'plate claim decided');
      return r;
    });
  }
}
