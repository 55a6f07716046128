// An operator's lots: create, edit, publish, retire (migrations/014). Every statement is scoped by
// the tenant (operators/tenant.ts): another tenant's lot is not found, exactly like a missing one.
// A lot is on the public map while published and not retired; each change is published on the feed
// (`lots`) so the API's availability cache reloads it. Retiring keeps the rows: sessions and
// invoices still point at the lot. Every change is in the audit log (core/audit.ts), in its transaction.
import { randomBytes } from 'node:crypto';
import { audit } from '../core/audit.ts';
import type { ChangeFeed } from '../core/changes.ts';
import type { Pool, PoolClient } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import type { Tenant, Writer } from './tenant.ts';
import { withTx } from '../core/db/tx.ts';
import type { LotInput, LotPatch, OperatorLot } from './http/schemas.ts';

const LOT_COLUMNS = `l.id, l.operator_id, l.kind, l.name, l.name_en, l.district, l.address, l.lat, l.lng, l.path, l.time_zone,
  l.capacity, l.accessible_bays, l.ev_bays, l.published, l.retired_at,
  (SELECT count(*)::int FROM bays b WHERE b.lot_id = l.id AND b.retired_at IS NULL) AS bays,
  (SELECT count(*)::int FROM devices d WHERE d.lot_id = l.id) AS devices`;

// Rows of other tenants are invisible: $tenant NULL is the city role, which reads all.
const IN_TENANT = (n: number) => `($${n}::text IS NULL OR l.operator_id = $${n})`;

export async function listLots(pool: Pool, t: Tenant, q: { q?: string; retired?: boolean }): Promise<OperatorLot[]> {
  const { rows } = await pool.query(
    `SELECT ${LOT_COLUMNS} FROM lots l
      WHERE ${IN_TENANT(1)} AND ($2 OR l.retired_at IS NULL)
        AND ($3::text IS NULL OR lower(l.id || ' ' || l.name || ' ' || l.name_en || ' ' || l.district || ' ' || l.address) LIKE '%' || lower($3) || '%')
      ORDER BY l.id LIMIT 5000`,
    [t.operatorId, q.retired ?? false, q.q?.trim() || null]);
  return rows.map(toLot);
}

export async function getLot(db: Pool | PoolClient, t: Tenant, id: string): Promise<OperatorLot> {
  const { rows } = await db.query(`SELECT ${LOT_COLUMNS} FROM lots l WHERE l.id = $1 AND ${IN_TENANT(2)}`, [id, t.operatorId]);
  if (!rows[0]) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Lot ${id}`);
  return toLot(rows[0]);
}

export async function createLot(pool: Pool, changes: ChangeFeed, by: Writer, input: LotInput): Promise<OperatorLot> {
  const { operatorId } = by;
  const id = input.id ?? `L-${randomBytes(5).toString('hex').toUpperCase()}`;
  const where = placement(input.kind, input);
  checkTimeZone(input.timeZone);
  const lot = await withTx(pool, async (c) => {
    const { rowCount } = await c.query(
      `INSERT INTO lots (id, operator_id, kind, name, name_en, district, address, lat, lng, path, time_zone, capacity, accessible_bays, ev_bays, published)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING`,
      [id, operatorId, input.kind, input.name, input.nameEn, input.district, input.address ?? '', where.lat, where.lng,
        where.path ? JSON.stringify(where.path) : null, input.timeZone ?? 'Asia/Shanghai', input.capacity ?? 0,
        input.accessibleBays ?? 0, input.evBays ?? 0, input.published ?? false]);
    if (!rowCount) throw new OneLotError('ONELOT_ERR_CONFLICT', `A lot with id ${id} exists already; choose another id, or leave it out to have one generated.`);
    await c.query('INSERT INTO lot_availability (lot_id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
    const made = await getLot(c, { operatorId, canWrite: true }, id);
    await audit(c, { by, operatorId, action: 'lot.create', objectType: 'lot', objectId: id, after: made });
    return made;
  });
  changes.emit('lots', { lotIds: [id] });
  return lot;
}

export async function updateLot(pool: Pool, changes: ChangeFeed, by: Writer, id: string, patch: LotPatch): Promise<OperatorLot> {
  const { operatorId } = by;
  const t: Tenant = { operatorId, canWrite: true };
  const lot = await withTx(pool, async (c) => {
    const old = await getLot(c, t, id);
    if (old.retiredAt) throw new OneLotError('ONELOT_ERR_CONFLICT', `Lot ${id} is retired; a retired lot cannot be changed.`);
    if (patch.timeZone !== undefined) checkTimeZone(patch.timeZone);
    const moved = patch.lat !== undefined || patch.lng !== undefined || patch.path !== undefined;
    const where = moved ? placement(old.kind, { lat: patch.lat ?? (patch.path ? undefined : old.lat), lng: patch.lng ?? (patch.path ? undefined : old.lng), path: patch.path ?? old.path ?? undefined }) : old;
    await c.query(
      `UPDATE lots l SET name = $3, name_en = $4, district = $5, address = $6, lat = $7, lng = $8, path = $9, time_zone = $10,
              capacity = $11, accessible_bays = $12, ev_bays = $13, published = $14
        WHERE l.id = $1 AND l.operator_id = $2`,
      [id, operatorId, patch.name ?? old.name, patch.nameEn ?? old.nameEn, patch.district ?? old.district, patch.address ?? old.address,
        where.lat, where.lng, where.path ? JSON.stringify(where.path) : null, patch.timeZone ?? old.timeZone,
        Math.max(patch.capacity ?? old.capacity, old.bays), patch.accessibleBays ?? old.accessibleBays, patch.evBays ?? old.evBays,
        patch.published ?? old.published]);
    const now = await getLot(c, t, id);
    await audit(c, { by, operatorId, action: 'lot.update', objectType: 'lot', objectId: id, before: old, after: now });
    return now;
  });
  changes.emit('lots', { lotIds: [id] });
  return lot;
}

/**
 * Retire a lot: off the map, unpublished, its bays retired and its devices disabled (each closed if
 * connected). Sessions, invoices and events stay. Returns the devices it disabled.
 */
export async function retireLot(pool: Pool, changes: ChangeFeed, by: Writer, id: string): Promise<{ lot: OperatorLot; disabled: string[] }> {
  const { operatorId } = by;
  const t: Tenant = { operatorId, canWrite: true };
  const out = await withTx(pool, async (c) => {
    const old = await getLot(c, t, id);
    if (old.retiredAt) return { lot: old, disabled: [] };
    await c.query('UPDATE lots SET retired_at = now(), published = false WHERE id = $1 AND operator_id = $2', [id, operatorId]);
    await c.query('UPDATE bays SET retired_at = now() WHERE lot_id = $1 AND retired_at IS NULL', [id]);
    const { rows } = await c.query<{ id: string }>('UPDATE devices SET enabled = false WHERE lot_id = $1 AND operator_id = $2 AND enabled RETURNING id', [id, operatorId]);
    const retired = { lot: await getLot(c, t, id), disabled: rows.map((r) => r.id) };
    await audit(c, { by, operatorId, action: 'lot.retire', objectType: 'lot', objectId: id, before: old, after: retired });
    return retired;
  });
  changes.emit('lots', { lotIds: [id] });
  for (const deviceId of out.disabled) changes.emit('devices', { deviceId, action: 'disabled' });
  return out;
}

/** Where a lot sits: a garage at its point; a street segment along its path (lat/lng its middle point). */
function placement(kind: 'garage' | 'street', p: { lat?: number; lng?: number; path?: Array<[number, number]> | null }): { lat: number; lng: number; path: Array<[number, number]> | null } {
  if (kind === 'street') {
    if (!p.path || p.path.length < 2) throw new OneLotError('ONELOT_ERR_VALIDATION', 'a street segment needs `path`, at least two [lng, lat] points drawn along the kerb');
    const mid = p.path[Math.floor((p.path.length - 1) / 2)];
    return { lat: p.lat ?? mid[1], lng: p.lng ?? mid[0], path: p.path };
  }
  if (p.lat === undefined || p.lng === undefined) throw new OneLotError('ONELOT_ERR_VALIDATION', 'a garage needs `lat` and `lng` (its entrance, WGS-84)');
  return { lat: p.lat, lng: p.lng, path: null };
}

function checkTimeZone(zone: string | undefined): void {
  if (zone === undefined) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new OneLotError('ONELOT_ERR_VALIDATION', `timeZone "${zone}" is not an IANA time zone; use e.g. "Asia/Shanghai"`);
  }
}

function toLot(r: Record<string, any>): OperatorLot {
  return {
    id: r.id, operatorId: r.operator_id, kind: r.kind, name: r.name, nameEn: r.name_en, district: r.district, address: r.address,
    lat: r.lat, lng: r.lng, path: r.path ?? null, timeZone: r.time_zone, capacity: r.capacity, accessibleBays: r.accessible_bays,
    evBays: r.ev_bays, published: r.published, retiredAt: r.retired_at ? new Date(r.retired_at).toISOString() : null, bays: r.bays, devices: r.devices,
  };
}
