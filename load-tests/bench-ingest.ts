// npm run bench:ingest [-- --devices 1000 --seconds 20 --window 1 --rate N --warmup 2 --no-bare --database-url URL --glue --external-broker --cpu-prof DIR]
// Starts the platform as `npm start` does, in its own process (demo district, no simulator),
// drives N real MQTT devices (QoS 1) from a separate process at the highest rate PUBACKs allow, and
// prints one JSON line of figures. Then, in the same run, the bare-broker baseline
// (load-tests/lib/bare-broker.ts: aedes acknowledging at once, storing nothing) with the same devices
// and window: both rates and their ratio (issue 14: ≥ 0.4); --no-bare skips it.
// --rate N: an open loop instead, N msg/s over the devices whatever the PUBACKs (a closed loop's
// PUBACK latency is in-flight ÷ rate by construction; latency targets belong to an open loop).
// --warmup S (default 2): the devices publish S seconds before the window, uncounted, in every
// run (OneLot, bare, glue): a process just started pays for its first statements and its JIT there.
// --cpu-prof DIR: the platform runs under `node --cpu-prof` (main and database threads, one
// .cpuprofile each, written when it stops); load-tests/profile-top.ts reads them. Everything about the platform is read from outside: /metrics
// (stored messages, commit batches, busy threads) and /proc/<pid> (CPU, RSS).
// --database-url: the platform runs on that PostgreSQL server (TimescaleDB or plain 15+), in a
// database of its own made for the run and dropped after it. --glue: then the glue baseline
// (load-tests/lib/glue-baseline.ts: Mosquitto 2 + a Node subscriber batch-inserting into plain
// PostgreSQL, on the same server) with the same devices and window; both rates and their ratio.
// --external-broker: OneLot starts no broker; the devices publish to a Mosquitto 2 of the run's own
// (dynamic security, an account per device) and OneLot consumes the shared subscription
// (MQTT_BROKER_URL), acknowledging to Mosquitto only after each commit: the glue's topology.
// Where the broker acknowledges on receipt (here and the glue), the stored figure that compares is
// `sustainedPerSecond`: the window's messages ÷ (the window + the time the store took to catch up).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CredentialsFile } from '../seed/city-loader.ts';
import { summarize, counter, sampleValue } from './lib/stats.ts';
import { readAvailabilityStream, bayLatencies } from './lib/sse.ts';
import { monotonicUs, rssPeakSampler, settleIngest, startPlatformProcess, type ProcessUsage } from './lib/platform-process.ts';
import { driveDevices } from './lib/drive-devices.ts';
import { runGlueBaseline } from './lib/glue-baseline.ts';
import { runBareBaseline } from './lib/bare-broker.ts';
import { createScratchDatabase, LOCAL_SERVER_URL } from './lib/scratch-database.ts';
import { startDynsecMosquitto } from './lib/mosquitto-dynsec.ts';
import pg from 'pg';

async function countSince(url: string, sinceMs: number): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query('SELECT count(*) AS n FROM device_events WHERE event_time >= to_timestamp($1 / 1000.0)', [sinceMs])).rows[0].n);
  } finally {
    await c.end();
  }
}

const { values } = parseArgs({ options: {
  devices: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '20' }, window: { type: 'string', default: '1' },
  'database-url': { type: 'string' }, glue: { type: 'boolean', default: false },
  rate: { type: 'string' }, warmup: { type: 'string', default: '2' }, 'no-bare': { type: 'boolean', default: false }, 'cpu-prof': { type: 'string' },
  'external-broker': { type: 'boolean', default: false },
} });
const devicesN = Number(values.devices);
const seconds = Number(values.seconds);
const window = Number(values.window);
const rate = values.rate ? Number(values.rate) : undefined;
const warmup = Number(values.warmup);
const load = rate ? { mode: 'open' as const, rate, warmup } : { mode: 'closed' as const, warmup };
const profileDir = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const database = values['database-url'] ? await createScratchDatabase('onelot_bench', values['database-url']) : null;
const mosquitto = values['external-broker'] ? await startDynsecMosquitto() : null;
const platform = await startPlatformProcess({
  dataDir, env: {
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...(mosquitto ? { MQTT_BROKER_URL: mosquitto.ingestUrl, MQTT_BROKER_ADMIN_URL: mosquitto.adminUrl } : {}),
  },
  nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
});
const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
const devices = creds.devices.filter((d) => d.kind === 'bay-sensor').slice(0, devicesN);
if (devices.length < devicesN) console.warn(`only ${devices.length} sensors in the demo fleet; using them all`);
// The demo fleet was seeded straight into the database: its accounts go to Mosquitto in one message.
await mosquitto?.provisionDevices(devices);

// Event-to-API visibility: each bay change on the live stream carries its event time (since).
const visibility: number[] = [];
const stream = readAvailabilityStream(`${platform.httpUrl}/api/v1/stream`, (frame, at) => { visibility.push(...bayLatencies(frame, at)); });

const rss = rssPeakSampler(platform.pid);
// The window is the generator's: from all devices connected to its last acknowledgement.
let atStart = { text: '', at: 0, usage: null as ProcessUsage | null, own: process.cpuUsage(), us: 0 };
const result = await driveDevices({ mqttUrl: mosquitto?.url ?? platform.mqttUrl, devices, seconds, window, ...load }, async () => {
  atStart = { text: await platform.metrics(), at: performance.now(), usage: platform.usage(), own: process.cpuUsage(), us: monotonicUs() };
});
const windowUs = [atStart.us, monotonicUs()];
const windowEnd = performance.now();
// Where the time went: the platform's main thread (MQTT, validation, pg client, HTTP) and its
// database thread, as busy shares of the window, and the whole process's CPU in cores.
const endText = await platform.metrics();
const wall = (performance.now() - atStart.at) / 1000;
const usageEnd = platform.usage();
const own = process.cpuUsage(atStart.own);
const busyShare = (thread: string) => {
  const s = (sampleValue(endText, 'onelot_event_loop_busy_seconds_total', { thread }) - sampleValue(atStart.text, 'onelot_event_loop_busy_seconds_total', { thread })) / wall;
  return Number.isFinite(s) && endText.includes(`thread="${thread}"`) ? Math.round(s * 100) / 100 : null;
};
// Durable commits (core/db/durable-fs.ts): WAL syncs in the window, and the share of it the database
// thread spent waiting for the disk; null when the embedded database does not sync (EMBEDDED_FSYNC=false).
const walSyncs = sampleValue(endText, 'onelot_db_syncs_total', { what: 'wal' }) - sampleValue(atStart.text, 'onelot_db_syncs_total', { what: 'wal' });
const syncShare = (counter(endText, 'onelot_db_sync_seconds_total') - counter(atStart.text, 'onelot_db_sync_seconds_total')) / wall;
const durability = endText.includes('onelot_db_syncs_total{')
  ? { walSyncsPerSecond: Math.round(walSyncs / wall), syncShareOfWindow: Math.round(syncShare * 1000) / 1000 }
  : null;
const seenAtStart = counter(atStart.text, 'onelot_mqtt_messages_stored_total') + counter(atStart.text, 'onelot_mqtt_messages_duplicate_total');
const settled = await settleIngest(platform, { from: seenAtStart, atLeast: result.acked, timeoutMs: 120_000 });
const catchUpSeconds = Math.max(0, (settled.lastChangeAt - windowEnd) / 1000);
const text = await platform.metrics();
// On a server, the window's events by their event time: on an external broker a backlog from the
// warm-up is still being stored as the window begins, and a counter read then would count it.
const stored = database
  ? await countSince(database.url, result.startedAt)
  : counter(text, 'onelot_mqtt_messages_stored_total') - counter(atStart.text, 'onelot_mqtt_messages_stored_total');
const batches = counter(text, 'onelot_ingest_commit_batch_size_count');
const batchSum = counter(text, 'onelot_ingest_commit_batch_size_sum');
const rssPeak = rss.peak;
rss.stop();
stream.close();
const puback = summarize(result.latencies);
const vis = summarize(visibility);
const figures = {
  benchmark: 'ingest', devices: devices.length, seconds: Math.round(result.elapsed * 10) / 10, window, ...load,
  storedPerSecond: Math.round(stored / result.elapsed), acked: result.acked, stored, publishErrors: result.errors,
  // PUBACK after commit (the embedded broker): nothing is behind at the window's end. On an external
  // broker, what it acknowledged on receipt and OneLot had not yet committed is drained after it.
  broker: mosquitto ? 'mosquitto (external)' : 'embedded',
  sustainedPerSecond: Math.round(stored / (result.elapsed + catchUpSeconds)), catchUpSeconds: Math.round(catchUpSeconds * 100) / 100,
  pubackMs: { p50: puback.p50, p99: puback.p99, max: puback.max },
  visibilityMs: { p50: vis.p50, p99: vis.p99, samples: vis.n },
  meanCommitBatch: Math.round(batchSum / Math.max(1, batches)),
  durability,
  // The platform process's peak RSS (its database thread included), from /proc/<pid>.
  rssMB: Math.round(rssPeak / 1e6), cores: os.cpus().length, loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  busy: {
    mainThread: busyShare('main'), databaseThread: busyShare('database'), generatorCores: result.generatorCores,
    platformCores: atStart.usage && usageEnd ? Math.round(((usageEnd.cpuSeconds - atStart.usage.cpuSeconds) / wall) * 100) / 100 : null,
    // This process: IPC with the generator, the live stream's frames, /metrics and /proc reads.
    benchCores: Math.round(((own.user + own.system) / 1e6 / wall) * 100) / 100,
  },
  platform: { process: 'child', pid: platform.pid, database: /engine="(\w+)"/.exec(endText)?.[1] ?? null },
  // For load-tests/profile-top.ts --window (the profiles' clock).
  ...(profileDir ? { profile: { dir: profileDir, windowUs: windowUs.join(',') } } : {}),
};
await platform.stop();
await mosquitto?.stop();
await database?.drop();
// The baselines after OneLot, not beside it: each has the machine to itself.
const bare = values['no-bare'] ? null : await runBareBaseline({ devices, seconds, window, ...load });
const glue = values.glue
  ? await runGlueBaseline({ serverUrl: values['database-url'] ?? LOCAL_SERVER_URL, devices, seconds, window, ...load, batchMax: 2000, batchWaitMs: 5 })
  : null;
const ratio = (baseline: number) => Math.round((figures.storedPerSecond / baseline) * 100) / 100;
console.log(JSON.stringify({
  ...figures,
  ...(bare ? { bare, ratioToBare: ratio(bare.ackedPerSecond) } : {}),
  ...(glue ? { glue, ratioToGlue: Math.round((figures.sustainedPerSecond / glue.sustainedPerSecond) * 100) / 100 } : {}),
}));
console.error(`OneLot${mosquitto ? ' (devices on Mosquitto, consumed after commit)' : ''}: stored ${figures.storedPerSecond} msg/s${figures.catchUpSeconds > 0.5 ? ` (sustained ${figures.sustainedPerSecond}: ${figures.catchUpSeconds} s to catch up)` : ''} · PUBACK p50 ${puback.p50} ms p99 ${puback.p99} ms · visible p50 ${vis.p50} ms p99 ${vis.p99} ms · platform RSS ${figures.rssMB} MB${rate ? ` (open loop at ${rate} msg/s: target PUBACK p99 ≤ 50 ms at 5,000)` : ''}`);
if (bare) {
  console.error(`bare aedes (PUBACK on receipt, nothing stored): ${bare.ackedPerSecond} msg/s · PUBACK p50 ${bare.pubackMs.p50} ms p99 ${bare.pubackMs.p99} ms`);
  if (!rate) console.error(`OneLot ÷ bare broker: ${ratio(bare.ackedPerSecond).toFixed(2)} (target ≥ 0.4)`);
}
if (glue) {
  console.error(`glue baseline (Mosquitto 2, PUBACK on receipt, Node batch inserts): stored ${glue.storedPerSecond} msg/s${glue.catchUpSeconds > 0.5 ? ` (sustained ${glue.sustainedPerSecond}: ${glue.catchUpSeconds} s to catch up)` : ''} · PUBACK p99 ${glue.pubackMs.p99} ms${glue.caughtUp ? '' : ` · ${glue.acked - glue.stored} acknowledged messages never stored`}`);
  console.error(`OneLot ÷ glue, sustained: ${(figures.sustainedPerSecond / glue.sustainedPerSecond).toFixed(2)} (target ≥ 0.7 with PUBACK after commit)`);
}
