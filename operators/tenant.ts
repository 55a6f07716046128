// Whose lots, bays and devices an operator request may see and change. Every statement of the
// estate services is scoped by the tenant this returns (WHERE operator_id = $tenant), so another
// tenant's lot answers 404 exactly as one that does not exist. The caller is read by
// core/tenancy.ts scopeOf, as on every operator route; this says what its role may do to the estate.
import type { FastifyRequest } from 'fastify';
import { OneLotError } from '../core/errors.ts';
import { scopeOf } from '../core/tenancy.ts';

export interface Tenant {
  /** operators.id of the tenant; null = the city role, which reads every tenant's estate. */
  operatorId: string | null;
  /** admin: may create, edit, retire, register, rotate. city and staff only read. */
  canWrite: boolean;
}

export function tenantOf(req: FastifyRequest): Tenant {
  const op = scopeOf(req);
  // city: every tenant, read-only; admin: its tenant, read and write; staff: its tenant, read-only.
  if (op.role === 'city') return { operatorId: null, canWrite: false };
  if (!op.operatorId) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
  return { operatorId: op.operatorId, canWrite: op.role === 'admin' };
}

/** Who changes the estate: the tenant the change is made in, and the account the audit log names. */
export interface Writer { operatorId: string; accountId: string }

/** The caller as a writer of its tenant's estate; 403 for a read-only role. */
export function writerOf(req: FastifyRequest): Writer {
  const t = tenantOf(req);
  if (!t.canWrite || !t.operatorId) {
    throw new OneLotError('ONELOT_ERR_FORBIDDEN', 'Your role may only read lots, bays and devices; ask your operator\'s administrator to make this change.');
  }
  return { operatorId: t.operatorId, accountId: scopeOf(req).accountId };
}
