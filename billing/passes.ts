// Monthly passes (月卡) and free lists (staff, residents, emergency vehicles) as operators issue
// them in the console: the SQL; the rule that a pass covers a stay is in billing/pass-cover.ts.
// A pass is issued by the lot's operator (paid at the counter); drivers do not buy them online yet.
import { audit } from '../core/audit.ts';
import { OneLotError } from '../core/errors.ts';
import { normalizePlate } from '../core/plates.ts';
import type { Queryable } from './session-store.ts';
import type { PassKind } from './pass-cover.ts';

export interface PassInput {
  kind: PassKind; lotId?: string; name: string; plates: string[]; validFrom: string; validTo: string;
  priceFen?: number; paidVia?: 'counter' | 'online'; note?: string;
}
export interface PassView extends Omit<PassInput, 'lotId' | 'priceFen' | 'paidVia' | 'note'> {
  id: number; operatorId: string; lotId: string | null; priceFen: number | null; paidVia: string | null; note: string | null;
  createdBy: string | null; createdAt: string; revokedAt: string | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const view = (r: any): PassView => ({
  id: Number(r.id), operatorId: r.operator_id, lotId: r.lot_id, kind: r.kind, name: r.name, plates: r.plates,
  validFrom: iso(r.valid_from)!, validTo: iso(r.valid_to)!, priceFen: r.price_fen, paidVia: r.paid_via, note: r.note,
  createdBy: r.created_by, createdAt: iso(r.created_at)!, revokedAt: iso(r.revoked_at),
});

/** Check and normalise a pass before it is stored; a 400 names what to fix. */
export function checkPass(p: PassInput): { plates: string[] } {
  const plates = p.plates.map((raw) => {
    const n = normalizePlate(raw);
    if (!n.ok) throw new OneLotError('ONELOT_ERR_VALIDATION', `plates: ${n.reason}; send each plate as printed`);
    return n.plate;
  });
  if (Date.parse(p.validTo) <= Date.parse(p.validFrom)) throw new OneLotError('ONELOT_ERR_VALIDATION', `validTo ${p.validTo} is not after validFrom ${p.validFrom}; give the pass a window`);
  if (p.kind === 'monthly' && (!p.lotId || p.priceFen === undefined)) {
    throw new OneLotError('ONELOT_ERR_VALIDATION', 'a monthly pass is for one lot and has a price: send lotId and priceFen (what the driver paid, in fen)');
  }
  return { plates: [...new Set(plates)] };
}

export async function createPass(q: Queryable, operatorId: string, p: PassInput, by: string | null): Promise<PassView> {
  const { plates } = checkPass(p);
  const { rows } = await q.query(
    `INSERT INTO parking_passes (operator_id, lot_id, kind, name, plates, valid_from, valid_to, price_fen, paid_via, note, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
    [operatorId, p.lotId ?? null, p.kind, p.name, plates, p.validFrom, p.validTo, p.priceFen ?? null, p.paidVia ?? (p.kind === 'monthly' ? 'counter' : null), p.note ?? null, by]);
  const pass = view(rows[0]);
  await audit(q, { by: by === null ? null : { accountId: by }, operatorId, action: 'pass.issue', objectType: 'pass', objectId: pass.id, after: forAudit(pass) });
  return pass;
}

/** The tenant's passes (every tenant's for the city), newest first; one lot's with lotId (operator-wide lists included). */
export async function listPasses(q: Queryable, operatorId: string | null, lotId?: string): Promise<PassView[]> {
  const { rows } = await q.query(
    `SELECT p.* FROM parking_passes p
      WHERE ($1::text IS NULL OR p.operator_id = $1)
        AND ($2::text IS NULL OR p.lot_id = $2 OR (p.lot_id IS NULL AND p.operator_id = (SELECT operator_id FROM lots WHERE id = $2)))
      ORDER BY p.id DESC LIMIT 1000`, [operatorId, lotId ?? null]);
  return rows.map(view);
}

/** Revoke a pass from now on: stays already billed keep their invoices. */
export async function revokePass(q: Queryable, operatorId: string | null, id: number, by: string | null): Promise<PassView> {
  const { rows } = await q.query(
    `UPDATE parking_passes SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND ($2::text IS NULL OR operator_id = $2) RETURNING *`, [id, operatorId]);
  if (!rows[0]) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Pass ${id}`);
  const pass = view(rows[0]);
  await audit(q, { by: by === null ? null : { accountId: by }, operatorId: pass.operatorId, action: 'pass.revoke', objectType: 'pass', objectId: id, after: forAudit(pass) });
  return pass;
}

/**
 * A pass as the audit log keeps it: without its holder's name and plates (personal data, which an
 * append-only log could never erase), their number instead.
 */
function forAudit({ name: _name, plates, ...rest }: PassView) {
  return { ...rest, plates: plates.length };
}
