// An operator's bays: add many at once (a code pattern or a CSV, with a per-row report of what was
// refused and why), edit flags, retire. Scoped by tenant through the bay's lot. A new bay starts
// unknown (bay_state, lot_availability); a retired one leaves the lot's counts and the public
// lot page, but its row stays for the sessions that used it. Each change is in the audit log.
import { audit } from '../core/audit.ts';
import type { AvailabilityChange, ChangeFeed, LotCounts } from '../core/changes.ts';
import { dataQuality } from '../core/data-quality.ts';
import type { Pool, PoolClient } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { BAY_CODE, badCode, spreadAlong, type BayRow, type Refusal } from './bay-codes.ts';
import { getLot } from './lots.ts';
import type { Tenant, Writer } from './tenant.ts';
import { withTx } from '../core/db/tx.ts';
import type { BayPatch, BayReport, OperatorBay } from './http/schemas.ts';

// The sensor in the bay and the cameras watching it, as two index lookups (migrations/022): an OR of
// the two made every bay scan all the city's devices.
const BAY_COLUMNS = `b.code, b.lot_id, b.lat, b.lng, b.accessible, b.ev_charging, b.retired_at, s.occupied,
  s.basis, s.doubt, s.believed_at, s.sensor_id, s.sensor_occupied,
  -- bay_state stores a heartbeat restating the reading only every 30 minutes (ingest/bay-plan.ts QUIET_BEAT_STORE_MS); the device's last word is kept to the minute
  GREATEST(s.sensor_time, (SELECT d.last_seen FROM devices d WHERE d.id = s.sensor_id)) AS sensor_time, s.camera_id, s.camera_occupied, s.camera_time,
  ARRAY(SELECT w.id FROM (
          SELECT d.id FROM devices d WHERE d.enabled AND d.bay_code = b.code
          UNION SELECT d.id FROM camera_bays c JOIN devices d ON d.id = c.device_id WHERE d.enabled AND c.bay_code = b.code
        ) w ORDER BY w.id) AS devices`;
/** Bays per page unless asked: a big garage has 2,000. */
export const BAY_PAGE = 500;

/** A page of a lot's bays in code order; `next` is the code to pass as `after` for the following page, null on the last. */
export async function listBays(pool: Pool, t: Tenant, lotId: string, page: { limit?: number; after?: string } = {}): Promise<{ bays: OperatorBay[]; next: string | null }> {
  await getLot(pool, t, lotId);
  const limit = page.limit ?? BAY_PAGE;
  const { rows } = await pool.query(
    `SELECT ${BAY_COLUMNS} FROM bays b LEFT JOIN bay_state s ON s.bay_code = b.code
      WHERE b.lot_id = $1 AND ($2::text IS NULL OR b.code > $2) ORDER BY b.code LIMIT $3`, [lotId, page.after ?? null, limit + 1]);
  const bays = rows.slice(0, limit).map(toBay);
  return { bays, next: rows.length > limit ? bays[bays.length - 1].code : null };
}

async function bayInTenant(db: Pool | PoolClient, t: Tenant, code: string): Promise<OperatorBay> {
  const { rows } = await db.query(
    `SELECT ${BAY_COLUMNS} FROM bays b JOIN lots l ON l.id = b.lot_id LEFT JOIN bay_state s ON s.bay_code = b.code
      WHERE b.code = $1 AND ($2::text IS NULL OR l.operator_id = $2)`, [code, t.operatorId]);
  if (!rows[0]) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Bay ${code}`);
  return toBay(rows[0]);
}

/**
 * Add the rows that can be bays; refuse the rest with a reason (a code twice in the request, a code
 * already used anywhere in the city). Bays without a position are spread along a street segment, or
 * put at a garage's point. The lot's capacity grows to its number of bays.
 */
export async function addBays(pool: Pool, changes: ChangeFeed, by: Writer, lotId: string, input: BayRow[], refusedBefore: Refusal[] = []): Promise<BayReport> {
  const { operatorId } = by;
  const t: Tenant = { operatorId, canWrite: true };
  const refused = [...refusedBefore];
  const { created, counts } = await withTx(pool, async (c) => {
    const lot = await getLot(c, t, lotId);
    if (lot.retiredAt) throw new OneLotError('ONELOT_ERR_CONFLICT', `Lot ${lotId} is retired; bays cannot be added to it.`);
    const seen = new Set<string>();
    const fresh = input.filter((r) => {
      const refusal: Refusal | null = !BAY_CODE.test(r.code) ? badCode(r.row, r.code)
        : seen.has(r.code) ? { row: r.row, code: r.code, why: 'duplicate', reason: 'the code appears twice in this request' } : null;
      seen.add(r.code);
      if (refusal) refused.push(refusal);
      return !refusal;
    });
    const { rows: taken } = await c.query<{ code: string; lot_id: string }>(
      'SELECT code, lot_id FROM bays WHERE code = ANY($1::text[])', [fresh.map((r) => r.code)]);
    const takenBy = new Map(taken.map((r) => [r.code, r.lot_id]));
    const ok = fresh.filter((r) => {
      if (!takenBy.has(r.code)) return true;
      refused.push(takenBy.get(r.code) === lotId
        ? { row: r.row, code: r.code, why: 'bay-here', reason: 'this lot has the bay already' }
        : { row: r.row, code: r.code, why: 'bay-taken', reason: 'the code is taken: bay codes are unique city-wide' });
      return false;
    });
    if (!ok.length) return { created: [], counts: null };
    const spots = spreadAlong(lot.path, lot, ok.length);
    const bays = ok.map((r, i) => ({ c: r.code, a: r.accessible, e: r.evCharging, la: r.lat ?? spots[i].lat, ln: r.lng ?? spots[i].lng }));
    await c.query(
      `INSERT INTO bays (code, lot_id, lat, lng, accessible, ev_charging)
       SELECT x.c, $2, x.la, x.ln, x.a, x.e FROM json_to_recordset($1::json) AS x(c text, la float8, ln float8, a bool, e bool)`,
      [JSON.stringify(bays), lotId]);
    await c.query(`INSERT INTO bay_state (bay_code, lot_id) SELECT unnest($1::text[]), $2`, [bays.map((b) => b.c), lotId]);
    const counts = await adjustCounts(c, lotId, { unknown: bays.length });
    await c.query(`UPDATE lots SET capacity = GREATEST(capacity, (SELECT count(*) FROM bays WHERE lot_id = $1 AND retired_at IS NULL)) WHERE id = $1`, [lotId]);
    await audit(c, { by, operatorId, action: 'bays.add', objectType: 'lot', objectId: lotId, after: { bays: bays.map((b) => ({ code: b.c, accessible: b.a, evCharging: b.e })) } });
    return { created: bays.map((b) => b.c), counts };
  });
  if (counts) publish(changes, lotId, counts, []);
  refused.sort((a, b) => a.row - b.row);
  return { created, refused };
}

export async function updateBay(pool: Pool, changes: ChangeFeed, by: Writer, code: string, patch: BayPatch): Promise<OperatorBay> {
  const { operatorId } = by;
  const t: Tenant = { operatorId, canWrite: true };
  const bay = await withTx(pool, async (c) => {
    const old = await bayInTenant(c, t, code);
    if (old.retiredAt) throw new OneLotError('ONELOT_ERR_CONFLICT', `Bay ${code} is retired; a retired bay cannot be changed.`);
    await c.query('UPDATE bays SET accessible = $2, ev_charging = $3 WHERE code = $1', [code, patch.accessible ?? old.accessible, patch.evCharging ?? old.evCharging]);
    const now = await bayInTenant(c, t, code);
    await audit(c, { by, operatorId, action: 'bay.update', objectType: 'bay', objectId: code, before: old, after: now });
    return now;
  });
  changes.emit('lots', { lotIds: [bay.lotId] });
  return bay;
}

/** Retire a bay nothing watches any more: out of the counts and off the public lot page. */
export async function retireBay(pool: Pool, changes: ChangeFeed, by: Writer, code: string): Promise<OperatorBay> {
  const { operatorId } = by;
  const t: Tenant = { operatorId, canWrite: true };
  const { bay, counts } = await withTx(pool, async (c) => {
    const old = await bayInTenant(c, t, code);
    if (old.retiredAt) return { bay: old, counts: null };
    if (old.devices.length) {
      throw new OneLotError('ONELOT_ERR_CONFLICT', `Bay ${code} is watched by ${old.devices.join(', ')}; disable or reassign those devices first, then retire the bay.`);
    }
    await c.query('UPDATE bays SET retired_at = now() WHERE code = $1', [code]);
    await c.query('DELETE FROM camera_bays WHERE bay_code = $1', [code]);
    const { rows } = await c.query<{ occupied: boolean | null; doubt: string | null }>('DELETE FROM bay_state WHERE bay_code = $1 RETURNING occupied, doubt', [code]);
    const was = rows[0] ? rows[0].occupied : undefined;
    // A known bay on doubtful evidence was counted against the lot's data quality (migrations/024).
    const doubtful = was !== null && was !== undefined && rows[0].doubt !== null && rows[0].doubt !== 'camera-pending' ? -1 : 0;
    const counts = was === undefined ? null
      : await adjustCounts(c, old.lotId, { ...(was === null ? { unknown: -1 } : was ? { occupied: -1 } : { free: -1 }), doubtful });
    const retired = await bayInTenant(c, t, code);
    await audit(c, { by, operatorId, action: 'bay.retire', objectType: 'bay', objectId: code, before: old, after: retired });
    return { bay: retired, counts };
  });
  if (counts) publish(changes, bay.lotId, counts, [{ code, lotId: bay.lotId, occupied: null, since: null }]);
  return bay;
}

async function adjustCounts(c: PoolClient, lotId: string, d: { free?: number; occupied?: number; unknown?: number; doubtful?: number }): Promise<LotCounts> {
  const { rows } = await c.query(
    `INSERT INTO lot_availability AS a (lot_id, free, occupied, unknown) VALUES ($1, GREATEST($2, 0), GREATEST($3, 0), GREATEST($4, 0))
     ON CONFLICT (lot_id) DO UPDATE SET free = a.free + $2, occupied = a.occupied + $3, unknown = a.unknown + $4, doubtful = GREATEST(a.doubtful + $5, 0), updated_at = now()
     RETURNING free, occupied, unknown, doubtful, gate_inside, updated_at`, [lotId, d.free ?? 0, d.occupied ?? 0, d.unknown ?? 0, d.doubtful ?? 0]);
  const r = rows[0];
  return {
    id: lotId, free: r.free, occupied: r.occupied, unknown: r.unknown, updatedAt: new Date(r.updated_at).toISOString(),
    dataQuality: dataQuality({ free: r.free, occupied: r.occupied, unknown: r.unknown, doubtful: r.doubtful, gateInside: r.gate_inside }),
  };
}

/** The new counts to the live map and caches, and the lot to reload (its capacity may have grown). */
function publish(changes: ChangeFeed, lotId: string, counts: LotCounts, bays: AvailabilityChange['bays']): void {
  changes.emit('lots', { lotIds: [lotId] });
  changes.emit('availability', { lots: [counts], bays });
}

function toBay(r: Record<string, any>): OperatorBay {
  return {
    code: r.code, lotId: r.lot_id, lat: r.lat, lng: r.lng, accessible: r.accessible, evCharging: r.ev_charging,
    retiredAt: r.retired_at ? new Date(r.retired_at).toISOString() : null, occupied: r.occupied ?? null, devices: r.devices,
    evidence: {
      basis: r.basis ?? 'none', doubt: r.doubt ?? null, believedAt: r.believed_at ? new Date(r.believed_at).toISOString() : null,
      sensor: r.sensor_id && r.sensor_time ? { deviceId: r.sensor_id, occupied: r.sensor_occupied, at: new Date(r.sensor_time).toISOString() } : null,
      camera: r.camera_id && r.camera_time ? { deviceId: r.camera_id, occupied: r.camera_occupied, at: new Date(r.camera_time).toISOString() } : null,
    },
  };
}
