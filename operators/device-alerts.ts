// Device health alerts as the console sees them (raised by ingest/device-health.ts, migrations/017):
// per lot, newest first, with counts for the console's header; acknowledged or resolved with a
// note. Every statement is scoped to the caller's operator (the city's team sees every lot, and
// only reads): another operator's alert answers "not found", as if it did not exist. Acting on one
// is in the audit log.
import { audit } from '../core/audit.ts';
import type { Pool, PoolClient } from '../core/db/index.ts';
import { withTx } from '../core/db/tx.ts';
import { OneLotError } from '../core/errors.ts';
import type { OperatorPrincipal } from '../core/sessions.ts';

/** ev-misuse: raised by billing/ev-bays.ts (an EV-charging bay its camera sees taken by a non-EV). */
export type AlertKind = 'silent' | 'low-battery' | 'stuck' | 'low-confidence' | 'ev-misuse';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface DeviceAlert {
  id: number; deviceId: string; deviceKind: string; lotId: string | null; lotName: string | null; kind: AlertKind; status: AlertStatus;
  details: Record<string, unknown>; openedAt: string; acknowledgedAt: string | null; acknowledgedBy: string | null;
  resolvedAt: string | null; resolvedBy: string | null; note: string | null;
}

export interface AlertFilter { id?: number; lotId?: string; status?: AlertStatus | 'active'; kind?: AlertKind; limit: number }

const STATUS = `CASE WHEN a.resolved_at IS NOT NULL THEN 'resolved' WHEN a.acknowledged_at IS NOT NULL THEN 'acknowledged' ELSE 'open' END`;
/** $1 is the caller's operator id, NULL for the city role (every lot). */
const SCOPE = `($1::text IS NULL OR l.operator_id = $1)`;
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export async function listAlerts(pool: Pool | PoolClient, who: OperatorPrincipal, f: AlertFilter): Promise<DeviceAlert[]> {
  const { rows } = await pool.query(
    `SELECT a.*, ${STATUS} AS status, d.kind AS device_kind, l.name AS lot_name
       FROM device_alerts a JOIN devices d ON d.id = a.device_id LEFT JOIN lots l ON l.id = a.lot_id
      WHERE ${SCOPE} AND a.lot_id IS NOT NULL
        AND ($2::text IS NULL OR a.lot_id = $2) AND ($3::text IS NULL OR a.kind = $3)
        AND ($4::text IS NULL OR ($4 = 'active' AND a.resolved_at IS NULL) OR ${STATUS} = $4)
        AND ($6::bigint IS NULL OR a.id = $6)
      ORDER BY a.opened_at DESC, a.id DESC LIMIT $5`,
    [who.operatorId, f.lotId ?? null, f.kind ?? null, f.status ?? null, f.limit, f.id ?? null]);
  return rows.map((r) => ({
    id: Number(r.id), deviceId: r.device_id, deviceKind: r.device_kind, lotId: r.lot_id, lotName: r.lot_name, kind: r.kind, status: r.status,
    details: r.details, openedAt: iso(r.opened_at)!, acknowledgedAt: iso(r.acknowledged_at), acknowledgedBy: r.acknowledged_by,
    resolvedAt: iso(r.resolved_at), resolvedBy: r.resolved_by, note: r.note,
  }));
}

export interface AlertCounts { open: number; acknowledged: number; byLot: Array<{ lotId: string; lotName: string; open: number; acknowledged: number }> }

/** Unresolved alerts per lot: what the console's header and lot list show. */
export async function alertCounts(pool: Pool, who: OperatorPrincipal): Promise<AlertCounts> {
  const { rows } = await pool.query<{ lot_id: string; lot_name: string; open: number; acknowledged: number }>(
    // Counted per lot of the tenant's (migrations/022's index of open alerts by lot), then named.
    `SELECT c.lot_id, l.name AS lot_name, c.open, c.acknowledged
       FROM (SELECT a.lot_id, count(*) FILTER (WHERE a.acknowledged_at IS NULL)::int AS open,
                    count(*) FILTER (WHERE a.acknowledged_at IS NOT NULL)::int AS acknowledged
               FROM device_alerts a
              WHERE a.resolved_at IS NULL AND a.lot_id IN (SELECT l.id FROM lots l WHERE ${SCOPE})
              GROUP BY a.lot_id) c
       JOIN lots l ON l.id = c.lot_id
      ORDER BY c.open DESC, c.lot_id`, [who.operatorId]);
  return {
    open: rows.reduce((n, r) => n + r.open, 0),
    acknowledged: rows.reduce((n, r) => n + r.acknowledged, 0),
    byLot: rows.map((r) => ({ lotId: r.lot_id, lotName: r.lot_name, open: r.open, acknowledged: r.acknowledged })),
  };
}

/**
 * Acknowledge ("seen, someone is on it") or resolve ("fixed") an alert of the caller's own lots,
 * with a note. The city's team only reads. A resolved alert that is still true is raised again
 * by the next check.
 */
export async function actOnAlert(pool: Pool, who: OperatorPrincipal, id: number, action: 'acknowledge' | 'resolve', note: string): Promise<DeviceAlert> {
  if (who.role === 'city') throw new OneLotError('ONELOT_ERR_FORBIDDEN', 'the city\'s team sees every lot\'s alerts but the lot\'s operator acts on them');
  const set = action === 'acknowledge'
    ? `acknowledged_at = coalesce(a.acknowledged_at, now()), acknowledged_by = coalesce(a.acknowledged_by, $3)`
    : `resolved_at = now(), resolved_by = $3`;
  return withTx(pool, async (c) => {
    const [before] = await listAlerts(c, who, { id, limit: 1 });
    if (!before) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `device alert ${id}`);
    const { rowCount } = await c.query(
      `UPDATE device_alerts a SET ${set}, note = CASE WHEN a.note IS NULL THEN $4 ELSE a.note || ' · ' || $4 END
         FROM lots l
        WHERE a.id = $2 AND l.id = a.lot_id AND ${SCOPE} AND a.resolved_at IS NULL`,
      [who.operatorId, id, who.accountId, note]);
    if (!rowCount) throw new OneLotError('ONELOT_ERR_CONFLICT', `alert ${id} is already resolved; a condition that is still true is raised again by the next check`);
    const [after] = await listAlerts(c, who, { id, limit: 1 });
    await audit(c, { by: who, operatorId: who.operatorId, action: `alert.${action}`, objectType: 'device-alert', objectId: id, before, after });
    return after;
  });
}
