// Tenancy (issue 11): an operator is a tenant that owns lots, and through them everything else —
// bays, devices, tariffs, sessions, invoices, exceptions, analytics. Every operator route declares
// which roles may call it (`config.roles`; the API shell refuses a route that does not, and checks
// the caller's role before the handler runs: api/app.ts), and reads the caller's tenant through
// `scopeOf(req)`, so a query touches only the caller's lots.
//
// Sealing rule: another tenant's object answers 404 exactly as a missing one (`hidden`), and a
// request that would change it changes nothing. The city role sees every lot read-only: it may call
// only routes that list it in `roles`.
import type { FastifyRequest } from 'fastify';
import { OneLotError } from './errors.ts';
import type { OperatorRole } from './sessions.ts';

export interface TenantScope {
  accountId: string;
  role: OperatorRole;
  /** The caller's tenant; null for the city role, which reads every tenant. */
  operatorId: string | null;
}

/** Role sets routes declare (`config: { roles: READ }`). */
export const READ: readonly OperatorRole[] = ['city', 'admin', 'staff'];
/** Day-to-day work inside one's own tenant (review decisions, reminders, refunds within a limit). */
export const WORK: readonly OperatorRole[] = ['admin', 'staff'];
export const ADMIN: readonly OperatorRole[] = ['admin'];
export const CITY: readonly OperatorRole[] = ['city'];
/** Reading accounts and the audit log: the city every tenant's, an admin its own. */
export const OVERSEE: readonly OperatorRole[] = ['city', 'admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Operator routes: the roles that may call it (core/tenancy.ts). Required in the operator scope. */
    roles?: readonly OperatorRole[];
  }
}

/** The caller's account, role and tenant; only inside the operator scope (requireOperator ran). */
export function scopeOf(req: FastifyRequest): TenantScope {
  const op = req.operator;
  if (!op) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
  return { accountId: op.accountId, role: op.role, operatorId: op.operatorId };
}

/** The preHandler the API shell puts on every operator route: 403 unless the role is listed. */
export function checkRole(req: FastifyRequest): void {
  const roles = req.routeOptions.config.roles;
  const { role } = scopeOf(req);
  if (!roles?.includes(role)) {
    throw new OneLotError('ONELOT_ERR_FORBIDDEN', `The ${role} role may not do this (it is for: ${(roles ?? []).join(', ') || 'nobody'}). Ask ${role === 'staff' ? 'your operator\'s admin' : role === 'city' ? 'the operator that runs the lot' : 'the city\'s platform team'}.`);
  }
}

/**
 * SQL: "the lot in `lotColumn` belongs to the tenant in parameter $n" (the city's null: any lot).
 * Pass `scope.operatorId` as that parameter.
 */
export function inTenant(lotColumn: string, n: number): string {
  return `($${n}::text IS NULL OR ${lotColumn} IN (SELECT id FROM lots WHERE operator_id = $${n}))`;
}

/** The 404 for an object that is missing or another tenant's: the same words for both. */
export function hidden(what: string): OneLotError {
  return new OneLotError('ONELOT_ERR_NOT_FOUND', what);
}
