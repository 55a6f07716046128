// Who a device is, what it may report: loaded from the devices table on connect and cached for the
// life of the connection, so the per-message hot path never queries the database.
import type { Pool } from '../core/db/index.ts';
import type { DeviceKind } from '../core/protocol.ts';
import { verifyDeviceSecret } from '../core/secrets.ts';

export interface Device {
  id: string;
  kind: DeviceKind;
  lotId: string | null;
  /** bay-sensor: its one bay. */
  bayCode: string | null;
  /** bay-camera: the bays it may report. */
  bays: Set<string>;
}

export class DeviceDirectory {
  constructor(private readonly pool: Pool) {}

  /** The device if the id exists, is enabled and the secret matches; otherwise null. */
  async authenticate(id: string, secret: string): Promise<Device | null> {
    const { rows } = await this.pool.query(
      `SELECT d.id, d.kind, d.secret_hash, d.lot_id, d.bay_code, d.enabled,
              COALESCE((SELECT array_agg(bay_code) FROM camera_bays c WHERE c.device_id = d.id), '{}') AS bays
         FROM devices d WHERE d.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row || !row.enabled || !verifyDeviceSecret(secret, row.secret_hash)) return null;
    return { id: row.id, kind: row.kind, lotId: row.lot_id, bayCode: row.bay_code, bays: new Set(row.bays) };
  }
}
