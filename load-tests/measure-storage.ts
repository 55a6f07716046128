// npm run measure:storage [-- --devices 1000 --rate 2000 --seconds 10]
// What a device event costs on disk, for docs/deploy.md's arithmetic: the platform in its own process
// (embedded TimescaleDB), the Zhengzhou mix of messages (80 % heartbeats, 20 % occupancy changes) from
// real MQTT devices at an open-loop rate, then, from outside over the database's socket: rows and
// bytes added to device_events (pg_column_size of a row, hypertable_detailed_size: heap, indexes,
// TOAST), and the same after compressing its chunks (compress_chunk, the 7-day policy's work done now;
// hypertable_compression_stats). Also the occupancy samples the commits wrote. One JSON line.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { CredentialsFile } from '../seed/city-loader.ts';
import { killWithParent, startPlatformProcess } from './lib/platform-process.ts';
import { connectPlatformDatabase } from './fuzz/database.ts';
import type { DeviceLoadDone } from './lib/device-load.ts';

const { values } = parseArgs({ options: {
  devices: { type: 'string', default: '1000' }, rate: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '10' },
} });
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const platform = await startPlatformProcess({ dataDir });
try {
  const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
  const devices = creds.devices.filter((d) => d.kind === 'bay-sensor').slice(0, Number(values.devices));
  const db = await connectPlatformDatabase(platform.pid);
  const sizes = async () => (await db.query(`SELECT
      (SELECT count(*) FROM device_events) AS events,
      (SELECT total_bytes FROM hypertable_detailed_size('device_events')) AS events_bytes,
      (SELECT count(*) FROM lot_occupancy_samples) AS samples,
      (SELECT total_bytes FROM hypertable_detailed_size('lot_occupancy_samples')) AS samples_bytes`)).rows[0];
  const before = await sizes();
  const child = fork(fileURLToPath(new URL('./lib/device-load.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
  killWithParent(child);
  const load = await new Promise<DeviceLoadDone>((resolve, reject) => {
    child.on('message', (msg: { type: string }) => { if (msg.type === 'done') resolve(msg as DeviceLoadDone); });
    child.on('exit', (code) => reject(new Error(`the device load process exited (${code}) before reporting`)));
    child.send({ mqttUrl: platform.mqttUrl, devices, seconds: Number(values.seconds), mode: 'open', rate: Number(values.rate) });
  });
  child.kill();
  await db.query('CHECKPOINT');
  const after = await sizes();
  const row = (await db.query(`SELECT avg(pg_column_size(e.*))::int AS row_bytes, avg(pg_column_size(e.payload))::int AS payload_bytes,
      count(*) FILTER (WHERE type = 'heartbeat') AS heartbeats FROM device_events e`)).rows[0];
  await db.query(`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('device_events') c`);
  const compressed = (await db.query(`SELECT before_compression_total_bytes AS before, after_compression_total_bytes AS after FROM hypertable_compression_stats('device_events')`)).rows[0];
  await db.end();
  const events = Number(after.events) - Number(before.events);
  const perEvent = (Number(after.events_bytes) - Number(before.events_bytes)) / events;
  console.log(JSON.stringify({
    benchmark: 'storage', acked: load.acked, events, heartbeats: Number(row.heartbeats),
    rowBytes: row.row_bytes, payloadBytes: row.payload_bytes,
    bytesPerEventOnDisk: Math.round(perEvent),
    compressed: { before: Number(compressed.before), after: Number(compressed.after), bytesPerEvent: Math.round(Number(compressed.after) / Number(after.events)), ratio: Math.round((Number(compressed.before) / Number(compressed.after)) * 10) / 10 },
    occupancySamples: { rows: Number(after.samples) - Number(before.samples), bytesPerRow: Math.round((Number(after.samples_bytes) - Number(before.samples_bytes)) / Math.max(1, Number(after.samples) - Number(before.samples))) },
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  }));
} finally {
  await platform.stop();
}
