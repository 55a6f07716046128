// Loads a generated city into the database and writes the fleet's credentials to a JSON file, so
// the simulator and outside tools (mosquitto_pub) can act as its devices.
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from '../core/db/index.ts';
import { hashDeviceSecret, newDeviceSecret } from '../core/secrets.ts';
import type { City, CityDevice } from './demo-city.ts';

export interface DeviceCredential extends CityDevice { secret: string }
export interface CredentialsFile {
  /** How to reach the broker these credentials belong to. */
  mqtt: { host: string; port: number };
  devices: DeviceCredential[];
}

const BATCH = 5000;

async function insertColumns(pool: Pool, sql: string, rows: unknown[][], onProgress?: (n: number) => void): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    const columns = chunk[0].map((_, c) => chunk.map((r) => r[c]));
    await pool.query(sql, columns);
    onProgress?.(Math.min(i + BATCH, rows.length));
  }
}

/** True when no lot exists yet (first start). */
export async function isEmpty(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query('SELECT NOT EXISTS (SELECT 1 FROM lots) AS empty');
  return rows[0].empty;
}

export async function loadCity(pool: Pool, city: City, opts: { credentialsFile: string; mqtt: { host: string; port: number }; log?: (m: string) => void }): Promise<CredentialsFile> {
  const log = opts.log ?? (() => {});
  const creds: DeviceCredential[] = city.devices.map((d) => ({ ...d, secret: newDeviceSecret() }));
  await insertColumns(pool, 'INSERT INTO operators (id, name) SELECT * FROM unnest($1::text[], $2::text[])', city.operators.map((o) => [o.id, o.name]));
  await insertColumns(pool,
    `INSERT INTO lots (id, operator_id, name, name_en, kind, district, address, lat, lng, capacity, time_zone, path)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[], $10::int[], $11::text[], $12::jsonb[])`,
    city.lots.map((l) => [l.id, l.operatorId, l.name, l.nameEn, l.kind, l.district, l.address, l.lat, l.lng, l.capacity, l.timeZone, l.path ? JSON.stringify(l.path) : null]));
  log(`loaded ${city.lots.length} lots`);
  await insertColumns(pool,
    `INSERT INTO bays (code, lot_id, lat, lng, accessible, ev_charging)
     SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::bool[], $6::bool[])`,
    city.bays.map((b) => [b.code, b.lotId, b.lat, b.lng, b.accessible, b.evCharging]), (n) => log(`loaded ${n}/${city.bays.length} bays`));
  await pool.query(`INSERT INTO bay_state (bay_code, lot_id) SELECT code, lot_id FROM bays ON CONFLICT DO NOTHING`);
  await pool.query(`INSERT INTO lot_availability (lot_id, unknown) SELECT lot_id, count(*) FROM bays GROUP BY lot_id ON CONFLICT DO NOTHING`);
  await insertColumns(pool,
    `INSERT INTO devices (id, kind, secret_hash, lot_id, bay_code, lane)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
    creds.map((d) => [d.id, d.kind, hashDeviceSecret(d.secret), d.lotId, d.bayCode ?? null, d.lane ?? null]), (n) => log(`loaded ${n}/${creds.length} devices`));
  const cameraBays = city.devices.flatMap((d) => (d.bays ?? []).map((b) => [d.id, b]));
  if (cameraBays.length) await insertColumns(pool, 'INSERT INTO camera_bays (device_id, bay_code) SELECT * FROM unnest($1::text[], $2::text[])', cameraBays);
  const file: CredentialsFile = { mqtt: opts.mqtt, devices: creds };
  writeCredentials(opts.credentialsFile, file);
  return file;
}

export function writeCredentials(file: string, content: CredentialsFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // 0600: these are device secrets.
  writeFileSync(file, JSON.stringify(content, null, 1), { mode: 0o600 });
}
