// Whose lots, bays and devices an operator request may see and change. Every statement of the
// estate services is scoped by the tenant this returns (WHERE operator_id = $tenant), so another
// tenant's lot answers 404 exactly as one that does not exist. One place to read the caller: when
// operator auth grows roles (city / admin / staff) only tenantOf changes.
import type { FastifyRequest } from 'fastify';
import { OneLotError } from '../core/errors.ts';

export interface Tenant {
  /** operators.id of the tenant; null = the city role, which reads every tenant's estate. */
  operatorId: string | null;
  /** admin: may create, edit, retire, register, rotate. city and staff only read. */
  canWrite: boolean;
}

export function tenantOf(req: FastifyRequest): Tenant {
  // Today every operator token is its tenant's administrator (api/auth.ts sets req.operatorId).
  if (!req.operatorId) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
  return { operatorId: req.operatorId, canWrite: true };
}

/** The tenant a change is made in; 403 for a read-only role. */
export function writerOf(req: FastifyRequest): string {
  const t = tenantOf(req);
  if (!t.canWrite || !t.operatorId) {
    throw new OneLotError('ONELOT_ERR_FORBIDDEN', 'Your role may only read lots, bays and devices; ask your operator\'s administrator to make this change.');
  }
  return t.operatorId;
}
