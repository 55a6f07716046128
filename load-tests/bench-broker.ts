// npm run bench:broker [-- --devices 200 --seconds 2 --connections N --in-flight N --database-url URL --cpu-prof DIR]
// How fast OneLot's ingest drains an external broker (issue 14, docs/deploy.md): a Mosquitto 2 of its
// own (load-tests/lib/mosquitto-dynsec.ts), the platform in its own process consuming the shared subscription
// (MQTT_BROKER_URL, INGEST_BROKER_CONNECTIONS sessions). The platform is frozen (SIGSTOP) while N
// devices publish QoS 1 for `seconds` (Mosquitto acknowledges on receipt and queues everything for
// the ingest sessions), then thawed (SIGCONT): stored ÷ time to store them all is the rate one
// ingest process sustains, acknowledging each message only after its commit. One JSON line.
// --database-url: the platform runs on that PostgreSQL server, in a database of its own (made and dropped).
// --cpu-prof DIR: the platform runs under `node --cpu-prof`; the JSON line's profile.windowUs is the
// drain on the profiles' clock, for load-tests/profile-top.ts --window.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { CredentialsFile } from '../seed/city-loader.ts';
import { counter } from './lib/stats.ts';
import { killWithParent, monotonicUs, settleIngest, startPlatformProcess } from './lib/platform-process.ts';
import { startDynsecMosquitto } from './lib/mosquitto-dynsec.ts';
import { createScratchDatabase } from './lib/scratch-database.ts';
import type { DeviceLoadDone } from './lib/device-load.ts';

const { values } = parseArgs({ options: {
  devices: { type: 'string', default: '200' }, seconds: { type: 'string', default: '2' }, connections: { type: 'string' }, 'in-flight': { type: 'string' },
  'database-url': { type: 'string' }, 'cpu-prof': { type: 'string' },
} });
const profileDir = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
const [devicesN, seconds] = [Number(values.devices), Number(values.seconds)];
// Unset: the platform's defaults (INGEST_BROKER_CONNECTIONS, INGEST_BROKER_IN_FLIGHT in core/config.ts).
const sessions = {
  ...(values.connections ? { INGEST_BROKER_CONNECTIONS: values.connections } : {}),
  ...(values['in-flight'] ? { INGEST_BROKER_IN_FLIGHT: values['in-flight'] } : {}),
};

const m = await startDynsecMosquitto();
const database = values['database-url'] ? await createScratchDatabase('onelot_bench', values['database-url']) : null;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const platform = await startPlatformProcess({ dataDir, env: {
  MQTT_BROKER_URL: m.ingestUrl, MQTT_BROKER_ADMIN_URL: m.adminUrl, ...sessions,
  ...(database ? { DATABASE_URL: database.url } : {}),
}, nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] });
try {
  const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
  const devices = creds.devices.filter((d) => d.kind === 'bay-sensor').slice(0, devicesN);
  // The demo fleet was seeded straight into the database: its accounts go to Mosquitto in one message.
  await m.provisionDevices(devices);
  const before = await platform.metrics();
  process.kill(platform.pid, 'SIGSTOP');
  const child = fork(fileURLToPath(new URL('./lib/device-load.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
  killWithParent(child);
  const load = await new Promise<DeviceLoadDone>((resolve, reject) => {
    child.on('message', (msg: { type: string }) => { if (msg.type === 'done') resolve(msg as DeviceLoadDone); });
    child.on('exit', (code) => reject(new Error(`the device load process exited (${code}) before reporting`)));
    child.send({ mqttUrl: m.url, devices, seconds, window: 1 });
  });
  child.kill();
  process.stderr.write(`${load.acked} messages acknowledged by Mosquitto in ${seconds} s with ingest frozen; draining…\n`);
  const thawed = performance.now();
  const thawedUs = monotonicUs();
  process.kill(platform.pid, 'SIGCONT');
  const from = counter(before, 'onelot_mqtt_messages_stored_total') + counter(before, 'onelot_mqtt_messages_duplicate_total');
  const settled = await settleIngest(platform, { from, atLeast: load.acked, quietMs: 0, timeoutMs: 300_000 });
  const drain = (performance.now() - thawed) / 1000;
  const drainedUs = monotonicUs();
  const after = await platform.metrics();
  const stored = settled.stored - counter(before, 'onelot_mqtt_messages_stored_total');
  const batches = counter(after, 'onelot_ingest_commit_batch_size_count') - counter(before, 'onelot_ingest_commit_batch_size_count');
  console.log(JSON.stringify({
    benchmark: 'broker', database: database ? 'server' : 'embedded', devices: devices.length, sessions, acknowledgedByBroker: load.acked, stored, settled: settled.settled,
    drainSeconds: Math.round(drain * 100) / 100, storedPerSecond: Math.round(stored / drain),
    meanCommitBatch: Math.round(stored / Math.max(1, batches)), cores: os.cpus().length, loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    ...(profileDir ? { profile: { dir: profileDir, windowUs: `${thawedUs},${drainedUs}` } } : {}),
  }));
} finally {
  await platform.stop();
  await database?.drop();
  await m.stop();
}
