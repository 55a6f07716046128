// What an operator route of billing may touch: every statement of the console's tariff, pass and
// approval routes is scoped through here, with the caller read once by core/tenancy.ts scopeOf.
import { OneLotError } from '../../core/errors.ts';
import type { TenantScope } from '../../core/tenancy.ts';
import type { Queryable } from '../session-store.ts';

/** operatorId is the tenant (operators.id); null for the city role, which sees every lot. */
type Caller = Pick<TenantScope, 'operatorId' | 'role'>;

export interface LotRef { id: string; kind: 'garage' | 'street'; operatorId: string; name: string; nameEn: string; timeZone: string; tariffId: string | null }

/** A lot the caller may see, or 404 (another tenant's lot does not exist for them). */
export async function lotFor(q: Queryable, caller: Caller, lotId: string): Promise<LotRef> {
  const { rows } = await q.query(
    `SELECT l.id, l.kind, l.operator_id, l.name, l.name_en, l.time_zone, b.tariff_id
       FROM lots l LEFT JOIN lot_billing b ON b.lot_id = l.id
      WHERE l.id = $1 AND ($2::text IS NULL OR l.operator_id = $2)`, [lotId, caller.operatorId]);
  const r = rows[0];
  if (!r) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Lot ${lotId}`);
  return { id: r.id, kind: r.kind, operatorId: r.operator_id, name: r.name, nameEn: r.name_en, timeZone: r.time_zone, tariffId: r.tariff_id };
}

/** Tariffs and passes are written by a tenant's admin; staff read them, the city approves. */
export function requireWriter(caller: Caller): void {
  if (caller.role === 'staff') throw new OneLotError('ONELOT_ERR_FORBIDDEN', 'Staff may read tariffs and passes but not change them; ask an admin of your operator');
  if (caller.role === 'city') throw new OneLotError('ONELOT_ERR_FORBIDDEN', "The city approves or rejects street tariffs; the lot's operator writes them");
}

export function requireCity(caller: Caller): void {
  if (caller.role !== 'city') throw new OneLotError('ONELOT_ERR_FORBIDDEN', "Only the city approves street tariffs (public prices set by the city); sign in with the city's account");
}
