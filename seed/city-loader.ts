// Loads a generated city into the database and writes the fleet's credentials to a JSON file, so
// the simulator and outside tools (mosquitto_pub) can act as its devices.
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from '../core/db/index.ts';
import { hashDeviceSecret, newDeviceSecret } from '../core/secrets.ts';
import type { City, CityDevice } from './demo-city.ts';

export interface DeviceCredential extends CityDevice { secret: string }
export interface CredentialsFile<D extends LoadableDevice = CityDevice> {
  /** How to reach the broker these credentials belong to. */
  mqtt: { host: string; port: number };
  devices: Array<D & { secret: string }>;
}
/** A device as loadCity stores it: a gateway has no lot; a gateway's child names it (migrations/007). */
export interface LoadableDevice extends Omit<CityDevice, 'lotId'> { lotId: string | null; gatewayId?: string }
export interface LoadableCity<D extends LoadableDevice = LoadableDevice> extends Omit<City, 'devices'> { devices: D[] }
/** Rows of one stage done so far (stages: lots, bays, bay_state, lot_availability, devices, camera_bays). */
export type LoadProgress = (stage: string, done: number, total: number) => void;

const BATCH = 5000;

// Rows are turned into columns one batch at a time, so a 250k-bay city never holds a second copy of itself.
async function insertColumns<T>(pool: Pool, sql: string, items: readonly T[], toRow: (item: T) => unknown[], onProgress?: (n: number) => void): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) {
    const chunk = items.slice(i, i + BATCH).map(toRow);
    const columns = chunk[0].map((_, c) => chunk.map((r) => r[c]));
    await pool.query(sql, columns);
    onProgress?.(Math.min(i + BATCH, items.length));
  }
}

/** True when no lot exists yet (first start). */
export async function isEmpty(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query('SELECT NOT EXISTS (SELECT 1 FROM lots) AS empty');
  return rows[0].empty;
}

export interface LoadCityOptions {
  credentialsFile: string;
  mqtt: { host: string; port: number };
  log?: (m: string) => void;
  /** Called after every batch of every stage (large cities take minutes). */
  progress?: LoadProgress;
  /** Write the credentials without indentation (a 250k-device file is ~30 MB instead of ~45 MB). */
  compactCredentials?: boolean;
}

export async function loadCity<D extends LoadableDevice>(pool: Pool, city: LoadableCity<D>, opts: LoadCityOptions): Promise<CredentialsFile<D>> {
  const log = opts.log ?? (() => {});
  const progress = opts.progress ?? (() => {});
  const creds: Array<D & { secret: string }> = city.devices.map((d) => ({ ...d, secret: newDeviceSecret() }));
  await insertColumns(pool, 'INSERT INTO operators (id, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (id) DO NOTHING', city.operators, (o) => [o.id, o.name]);
  await insertColumns(pool,
    `INSERT INTO lots (id, operator_id, name, name_en, kind, district, address, lat, lng, capacity, time_zone, path)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[], $10::int[], $11::text[], $12::jsonb[])`,
    city.lots, (l) => [l.id, l.operatorId, l.name, l.nameEn, l.kind, l.district, l.address, l.lat, l.lng, l.capacity, l.timeZone, l.path ? JSON.stringify(l.path) : null],
    (n) => progress('lots', n, city.lots.length));
  log(`loaded ${city.lots.length} lots`);
  await insertColumns(pool,
    `INSERT INTO bays (code, lot_id, lat, lng, accessible, ev_charging)
     SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::bool[], $6::bool[])`,
    city.bays, (b) => [b.code, b.lotId, b.lat, b.lng, b.accessible, b.evCharging],
    (n) => { log(`loaded ${n}/${city.bays.length} bays`); progress('bays', n, city.bays.length); });
  const states = await pool.query(`INSERT INTO bay_state (bay_code, lot_id) SELECT code, lot_id FROM bays ON CONFLICT DO NOTHING`);
  progress('bay_state', states.rowCount ?? 0, city.bays.length);
  const avail = await pool.query(`INSERT INTO lot_availability (lot_id, unknown) SELECT lot_id, count(*) FROM bays GROUP BY lot_id ON CONFLICT DO NOTHING`);
  progress('lot_availability', avail.rowCount ?? 0, city.lots.length);
  // Gateways first: a child's gateway_id must name a device that already exists.
  const ordered = [...creds.filter((d) => d.kind === 'gateway'), ...creds.filter((d) => d.kind !== 'gateway')];
  await insertColumns(pool,
    `INSERT INTO devices (id, kind, secret_hash, lot_id, bay_code, lane, gateway_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
    ordered, (d) => [d.id, d.kind, hashDeviceSecret(d.secret), d.lotId, d.bayCode ?? null, d.lane ?? null, d.gatewayId ?? null],
    (n) => { log(`loaded ${n}/${creds.length} devices`); progress('devices', n, creds.length); });
  // A gateway without a lot belongs to its children's operator (a child took its lot's, migrations/014).
  await pool.query(`UPDATE devices g SET operator_id = (SELECT min(c.operator_id) FROM devices c WHERE c.gateway_id = g.id)
                     WHERE g.kind = 'gateway' AND g.operator_id IS NULL`);
  const cameraBays = city.devices.flatMap((d) => (d.bays ?? []).map((b) => [d.id, b]));
  if (cameraBays.length) {
    await insertColumns(pool, 'INSERT INTO camera_bays (device_id, bay_code) SELECT * FROM unnest($1::text[], $2::text[])', cameraBays, (r) => r,
      (n) => progress('camera_bays', n, cameraBays.length));
  }
  const file: CredentialsFile<D> = { mqtt: opts.mqtt, devices: creds };
  writeCredentials(opts.credentialsFile, file, { compact: opts.compactCredentials });
  return file;
}

export function writeCredentials<D extends LoadableDevice>(file: string, content: CredentialsFile<D>, opts: { compact?: boolean } = {}): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // 0600: these are device secrets.
  writeFileSync(file, opts.compact ? JSON.stringify(content) : JSON.stringify(content, null, 1), { mode: 0o600 });
}
