// Reading the audit log (migrations/012): an admin its own tenant's entries, the city every
// tenant's; filtered by action, who, the object, and time, a page at a time (`offset`: the
// console's pages; the order is total, at then id). There is no route that changes it.
import type { Pool } from '../core/db/index.ts';
import type { TenantScope } from '../core/tenancy.ts';

export interface AuditFilter {
  action?: string; accountId?: string; operatorId?: string; objectType?: string; objectId?: string; from?: string; to?: string; limit?: number; offset?: number;
}

export async function readAudit(pool: Pool, by: TenantScope, f: AuditFilter) {
  // The city may narrow to one tenant; an admin is always held to its own.
  const tenant = by.operatorId ?? f.operatorId ?? null;
  const action = f.action?.endsWith('.') ? `${f.action.replace(/[%_\\]/g, '\\$&')}%` : f.action?.replace(/[%_\\]/g, '\\$&');
  const { rows } = await pool.query(
    `SELECT id, at, account_id, operator_id, action, object_type, object_id, before, after FROM audit_log
      WHERE ($1::text IS NULL OR operator_id = $1) AND ($2::text IS NULL OR action LIKE $2) AND ($3::text IS NULL OR account_id = $3)
        AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
        AND ($7::text IS NULL OR object_type = $7) AND ($8::text IS NULL OR object_id = $8)
      ORDER BY at DESC, id DESC LIMIT $6 OFFSET $9`,
    [tenant, action ?? null, f.accountId ?? null, f.from ?? null, f.to ?? null, f.limit ?? 200, f.objectType ?? null, f.objectId ?? null, f.offset ?? 0]);
  return rows.map((r) => ({
    id: Number(r.id), at: new Date(r.at).toISOString(), accountId: r.account_id, operatorId: r.operator_id, action: r.action,
    objectType: r.object_type, objectId: r.object_id, before: r.before, after: r.after,
  }));
}
