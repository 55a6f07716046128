// Who a device is, what it may report: loaded from the devices table on connect and cached for the
// life of the connection, so the per-message hot path never queries the database.
import type { Pool } from '../core/db/index.ts';
import type { DeviceKind } from '../core/protocol.ts';
import { verifyDeviceSecret } from '../core/secrets.ts';
import { intern } from './intern.ts';

export interface Device {
  id: string;
  kind: DeviceKind;
  lotId: string | null;
  /** bay-sensor: its one bay. */
  bayCode: string | null;
  /** bay-camera: the bays it may report (every other kind: one shared empty set). */
  bays: ReadonlySet<string>;
  /** gateway: the child devices it may publish for, by id. */
  children?: Map<string, Device>;
}

// A city's ~250k sensors each held an empty Set of their own here: 38 MB of the platform's heap,
// which every major collection marks (docs/performance.md, twenty-seventh session).
const NO_BAYS: ReadonlySet<string> = new Set();
const baySet = (bays: string[]): ReadonlySet<string> => (bays.length ? new Set(bays) : NO_BAYS);

export class DeviceDirectory {
  constructor(private readonly pool: Pool) {}

  /** The device if the id exists, is enabled and the secret matches; otherwise null. */
  async authenticate(id: string, secret: string): Promise<Device | null> {
    const row = await this.row(id);
    if (!row || !verifyDeviceSecret(secret, row.secret_hash)) return null;
    return this.toDevice(row);
  }

  /**
   * The enabled device of this id, without a secret: for messages an external broker delivers,
   * which authenticated the device at its CONNECT and let it publish only to its own topics.
   */
  async find(id: string): Promise<Device | null> {
    const row = await this.row(id);
    return row ? this.toDevice(row) : null;
  }

  private async row(id: string): Promise<Record<string, any> | undefined> {
    const { rows } = await this.pool.query(
      `SELECT d.id, d.kind, d.secret_hash, d.lot_id, d.bay_code, d.enabled,
              COALESCE((SELECT array_agg(bay_code) FROM camera_bays c WHERE c.device_id = d.id), '{}') AS bays
         FROM devices d WHERE d.id = $1`,
      [id],
    );
    return rows[0]?.enabled ? rows[0] : undefined;
  }

  private async toDevice(row: Record<string, any>): Promise<Device> {
    const device: Device = { id: row.id, kind: row.kind, lotId: row.lot_id, bayCode: row.bay_code, bays: baySet(row.bays) };
    if (device.kind === 'gateway') device.children = await this.children(device.id);
    return device;
  }

  private async children(gatewayId: string): Promise<Map<string, Device>> {
    const { rows } = await this.pool.query(
      `SELECT d.id, d.kind, d.lot_id, d.bay_code, COALESCE(array_remove(array_agg(c.bay_code), NULL), '{}') AS bays
         FROM devices d LEFT JOIN camera_bays c ON c.device_id = d.id
        WHERE d.gateway_id = $1 AND d.enabled
        GROUP BY d.id`,
      [gatewayId],
    );
    return new Map(rows.map((r) => [r.id, { id: r.id, kind: intern(r.kind), lotId: intern(r.lot_id), bayCode: r.bay_code, bays: baySet(r.bays) }]));
  }
}
