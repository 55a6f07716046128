// The audit log (migrations/012 audit_log): one append per operator action, with who, the tenant,
// what, and the values before and after. Modules call `audit` with the client of the transaction
// that made the change, so the change and its record commit together. The table refuses UPDATE and
// DELETE (a trigger), so nothing here or in the console can rewrite it.
import type { TenantScope } from './tenancy.ts';

/** A pool or a transaction's client: all an append needs (modules type their own clients so). */
interface Queryable { query(text: string, values?: unknown[]): Promise<unknown> }

export interface AuditEntry {
  /** Who acted: a console account (core/tenancy.ts scope), or null for the system. */
  by: Pick<TenantScope, 'accountId'> | null;
  /** The tenant the action concerns; null: city-wide. */
  operatorId: string | null;
  /** What was done, dotted: sign-in, exception.resolve, invoice.refund, reminders.run, account.create, … */
  action: string;
  objectType?: string;
  objectId?: string | number;
  before?: unknown;
  after?: unknown;
}

export async function audit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    'INSERT INTO audit_log (account_id, operator_id, action, object_type, object_id, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [e.by?.accountId ?? null, e.operatorId, e.action, e.objectType ?? null, e.objectId === undefined ? null : String(e.objectId),
      e.before === undefined ? null : JSON.stringify(e.before), e.after === undefined ? null : JSON.stringify(e.after)]);
}
