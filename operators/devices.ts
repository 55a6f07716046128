// An operator's devices: register a sensor, bay camera, gate camera or gateway and what it watches;
// its secret is returned once (only a salted hash is kept, core/secrets.ts); rotate a secret;
// disable or enable. Every change ingest must act on at once — a rotated or disabled device's live
// connection — travels on the change feed (`devices`, core/changes.ts; ingest/device-changes.ts).
// Each change is in the audit log (core/audit.ts) in its transaction; a secret never is.
// With devices on an external broker (MQTT_BROKER_URL), each change is also made to the device's
// account there (core/device-accounts.ts) inside the transaction: a broker that refuses or does not
// answer rolls the change back, so OneLot and the broker never disagree about a committed change.
import { audit } from '../core/audit.ts';
import type { ChangeFeed } from '../core/changes.ts';
import { deviceTopics, type BrokerAccounts } from '../core/device-accounts.ts';
import type { Pool, PoolClient } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { hashDeviceSecret, newDeviceSecret } from '../core/secrets.ts';
import type { Tenant, Writer } from './tenant.ts';
import { withTx } from '../core/db/tx.ts';
import type { DeviceInput, OperatorDevice } from './http/schemas.ts';

export const DEVICE_COLUMNS = `d.id, d.kind, d.lot_id, d.bay_code, d.lane, d.gateway_id, d.enabled, d.last_seen, d.battery,
  ARRAY(SELECT c.bay_code FROM camera_bays c WHERE c.device_id = d.id ORDER BY c.bay_code) AS bays`;
const IN_TENANT = (n: number) => `($${n}::text IS NULL OR d.operator_id = $${n})`;

/** Devices per page unless asked: a big operator has 75,000, a city 250,000. */
export const DEVICE_PAGE = 200;

/**
 * A page of the tenant's devices in id order (keyset: `after` the last page's last id, by the
 * (operator_id, id) index of migrations/022), so page 300 costs what page 1 does; `next` is the id
 * to pass as `after`, null on the last page.
 */
export async function listDevices(pool: Pool, t: Tenant, q: { lotId?: string; q?: string; limit?: number; after?: string }): Promise<{ devices: OperatorDevice[]; next: string | null }> {
  const limit = q.limit ?? DEVICE_PAGE;
  const { rows } = await pool.query(
    `SELECT ${DEVICE_COLUMNS} FROM devices d
      WHERE ${IN_TENANT(1)} AND ($2::text IS NULL OR d.lot_id = $2)
        AND ($3::text IS NULL OR lower(d.id || ' ' || coalesce(d.bay_code, '') || ' ' || coalesce(d.lane, '')) LIKE '%' || lower($3) || '%')
        AND ($4::text IS NULL OR d.id > $4)
      ORDER BY d.id LIMIT $5`,
    [t.operatorId, q.lotId ?? null, q.q?.trim() || null, q.after ?? null, limit + 1]);
  const devices = rows.slice(0, limit).map(toDevice);
  return { devices, next: rows.length > limit ? devices[devices.length - 1].id : null };
}

export async function getDevice(db: Pool | PoolClient, t: Tenant, id: string): Promise<OperatorDevice> {
  const { rows } = await db.query(`SELECT ${DEVICE_COLUMNS} FROM devices d WHERE d.id = $1 AND ${IN_TENANT(2)}`, [id, t.operatorId]);
  if (!rows[0]) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Device ${id}`);
  return toDevice(rows[0]);
}

/** Register a device in the caller's tenant; returns it with its secret, the only time it is shown. */
export async function registerDevice(pool: Pool, by: Writer, input: DeviceInput, accounts?: BrokerAccounts): Promise<{ device: OperatorDevice; secret: string }> {
  return withTx(pool, (c) => register(c, by, input, accounts));
}

async function register(db: PoolClient, by: Writer, input: DeviceInput, accounts?: BrokerAccounts): Promise<{ device: OperatorDevice; secret: string }> {
  const { operatorId } = by;
  const t: Tenant = { operatorId, canWrite: true };
  const where = await placement(db, t, input);
  if (input.gatewayId) {
    const gw = await getDevice(db, t, input.gatewayId).catch(() => null);
    if (!gw || gw.kind !== 'gateway') throw new OneLotError('ONELOT_ERR_VALIDATION', `gatewayId ${input.gatewayId} is not one of your gateways; register the gateway first`);
  }
  const secret = newDeviceSecret();
  const { rowCount } = await db.query(
    `INSERT INTO devices (id, kind, secret_hash, lot_id, bay_code, lane, gateway_id, operator_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
    [input.id, input.kind, hashDeviceSecret(secret), where.lotId, where.bayCode, input.lane ?? null, input.gatewayId ?? null, operatorId]);
  if (!rowCount) throw new OneLotError('ONELOT_ERR_CONFLICT', `A device with id ${input.id} exists already; device ids are unique city-wide, choose another.`);
  if (where.bays.length) await db.query('INSERT INTO camera_bays (device_id, bay_code) SELECT $1, unnest($2::text[])', [input.id, where.bays]);
  const device = await getDevice(db, t, input.id);
  await audit(db, { by, operatorId, action: 'device.register', objectType: 'device', objectId: input.id, after: device });
  if (accounts) {
    await accounts.provision(input.id, secret, deviceTopics(input.id));
    if (input.gatewayId) await accounts.setTopics(input.gatewayId, await gatewayTopics(db, input.gatewayId));
  }
  return { device, secret };
}

/** What a device watches, checked against the tenant's live lots and bays. */
async function placement(db: PoolClient, t: Tenant, input: DeviceInput): Promise<{ lotId: string | null; bayCode: string | null; bays: string[] }> {
  const lotOf = async (lotId: string | undefined, what: string) => {
    if (!lotId) throw new OneLotError('ONELOT_ERR_VALIDATION', `a ${input.kind} needs lotId, ${what}`);
    const { rows } = await db.query('SELECT id FROM lots WHERE id = $1 AND operator_id = $2 AND retired_at IS NULL', [lotId, t.operatorId]);
    // Another operator's lot answers as a missing one (the sealing rule, core/tenancy.ts).
    if (!rows[0]) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Lot ${lotId} (in service)`);
    return lotId;
  };
  const activeBays = async (codes: string[]) => (await db.query<{ code: string; lot_id: string }>(
    `SELECT b.code, b.lot_id FROM bays b JOIN lots l ON l.id = b.lot_id
      WHERE b.code = ANY($1::text[]) AND b.retired_at IS NULL AND l.operator_id = $2`, [codes, t.operatorId])).rows;
  const only = (fields: Array<keyof DeviceInput>) => {
    const extra = (['bayCode', 'bays', 'lane'] as const).filter((f) => input[f] !== undefined && !fields.includes(f));
    if (extra.length) throw new OneLotError('ONELOT_ERR_VALIDATION', `a ${input.kind} takes no ${extra.join(', ')}`);
  };
  switch (input.kind) {
    case 'bay-sensor': {
      only(['bayCode']);
      if (!input.bayCode) throw new OneLotError('ONELOT_ERR_VALIDATION', 'a bay-sensor needs bayCode, the bay it sits in');
      const [bay] = await activeBays([input.bayCode]);
      if (!bay) throw new OneLotError('ONELOT_ERR_VALIDATION', `bayCode ${input.bayCode} is not one of your bays in service`);
      if (input.lotId && input.lotId !== bay.lot_id) throw new OneLotError('ONELOT_ERR_VALIDATION', `bay ${bay.code} is in lot ${bay.lot_id}, not ${input.lotId}`);
      return { lotId: bay.lot_id, bayCode: bay.code, bays: [] };
    }
    case 'bay-camera': {
      only(['bays']);
      const lotId = await lotOf(input.lotId, 'the street segment it watches');
      const codes = [...new Set(input.bays ?? [])];
      if (!codes.length) throw new OneLotError('ONELOT_ERR_VALIDATION', 'a bay-camera needs bays, the codes of the bays it watches');
      const found = new Set((await activeBays(codes)).filter((b) => b.lot_id === lotId).map((b) => b.code));
      const missing = codes.filter((c) => !found.has(c));
      if (missing.length) throw new OneLotError('ONELOT_ERR_VALIDATION', `bays ${missing.join(', ')} are not bays in service of lot ${lotId}`);
      return { lotId, bayCode: null, bays: codes };
    }
    case 'gate-camera':
      only(['lane']);
      return { lotId: await lotOf(input.lotId, 'the garage whose gate it reads'), bayCode: null, bays: [] };
    default:
      only([]);
      return { lotId: input.lotId ? await lotOf(input.lotId, '') : null, bayCode: null, bays: [] };
  }
}

/** A new secret; the old one is refused from now on and a connection made with it is closed. */
export async function rotateSecret(pool: Pool, changes: ChangeFeed, by: Writer, id: string, accounts?: BrokerAccounts): Promise<{ device: OperatorDevice; secret: string }> {
  const { operatorId } = by;
  const t: Tenant = { operatorId, canWrite: true };
  const secret = newDeviceSecret();
  const device = await withTx(pool, async (c) => {
    const { rowCount } = await c.query('UPDATE devices SET secret_hash = $3 WHERE id = $1 AND operator_id = $2', [id, operatorId, hashDeviceSecret(secret)]);
    if (!rowCount) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Device ${id}`);
    await audit(c, { by, operatorId, action: 'device.rotate-secret', objectType: 'device', objectId: id });
    await accounts?.setSecret(id, secret);
    return getDevice(c, t, id);
  });
  changes.emit('devices', { deviceId: id, action: 'rotated' });
  return { device, secret };
}

/** Disable (closing its live connection, refusing the next) or enable a device. */
export async function setEnabled(pool: Pool, changes: ChangeFeed, by: Writer, id: string, enabled: boolean, accounts?: BrokerAccounts): Promise<OperatorDevice> {
  const { operatorId } = by;
  const t: Tenant = { operatorId, canWrite: true };
  const device = await withTx(pool, async (c) => {
    const old = await getDevice(c, t, id);
    if (enabled && old.lotId) {
      const { rows } = await c.query('SELECT retired_at FROM lots WHERE id = $1', [old.lotId]);
      if (rows[0]?.retired_at) throw new OneLotError('ONELOT_ERR_CONFLICT', `Device ${id} watches retired lot ${old.lotId}; register a device for a lot in service instead.`);
    }
    await c.query('UPDATE devices SET enabled = $3 WHERE id = $1 AND operator_id = $2', [id, operatorId, enabled]);
    const now = await getDevice(c, t, id);
    await audit(c, { by, operatorId, action: enabled ? 'device.enable' : 'device.disable', objectType: 'device', objectId: id, before: old, after: now });
    if (accounts) {
      await accounts.setEnabled(id, enabled);
      // A gateway may publish for its enabled children only, as on the embedded broker.
      if (now.gatewayId) await accounts.setTopics(now.gatewayId, await gatewayTopics(c, now.gatewayId));
    }
    return now;
  });
  if (!enabled) changes.emit('devices', { deviceId: id, action: 'disabled' });
  return device;
}

/** A gateway's topics: its own and its enabled children's. */
async function gatewayTopics(db: PoolClient, gatewayId: string) {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM devices WHERE gateway_id = $1 AND enabled ORDER BY id', [gatewayId]);
  return deviceTopics(gatewayId, rows.map((r) => r.id));
}

export function toDevice(r: Record<string, any>): OperatorDevice {
  return {
    id: r.id, kind: r.kind, lotId: r.lot_id, bayCode: r.bay_code, bays: r.bays ?? [], lane: r.lane, gatewayId: r.gateway_id,
    enabled: r.enabled, lastSeen: r.last_seen ? new Date(r.last_seen).toISOString() : null, battery: r.battery,
  };
}
