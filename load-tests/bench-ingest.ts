// npm run bench:ingest [-- --devices 1000 --seconds 20 --window 1]
// Starts the platform on embedded defaults, drives N real MQTT devices (QoS 1) from a separate
// process at the highest rate PUBACKs allow, and prints one JSON line of figures.
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../core/config.ts';
import { startPlatform } from '../platform.ts';
import type { CredentialsFile } from '../seed/city-loader.ts';
import { summarize, counter } from './lib/stats.ts';
import { readAvailabilityStream, bayLatencies } from './lib/sse.ts';
import type { DeviceLoadDone } from './lib/device-load.ts';

const { values } = parseArgs({ options: {
  devices: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '20' }, window: { type: 'string', default: '1' },
} });
const devicesN = Number(values.devices);
const seconds = Number(values.seconds);
const window = Number(values.window);

const dataDir = path.join(os.tmpdir(), `onelot-bench-${process.pid}`);
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'warn' });
const platform = await startPlatform(config);
const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
const devices = creds.devices.filter((d) => d.kind === 'bay-sensor').slice(0, devicesN);
if (devices.length < devicesN) console.warn(`only ${devices.length} sensors in the demo fleet; using them all`);

// Event-to-API visibility: each bay change on the live stream carries its event time (since).
const visibility: number[] = [];
const stream = readAvailabilityStream(`${platform.httpUrl}/api/v1/stream`, (frame, at) => { visibility.push(...bayLatencies(frame, at)); });

const metricsText = async () => (await fetch(`${platform.httpUrl}/metrics`)).text();
const child = fork(fileURLToPath(new URL('./lib/device-load.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
let storedAtStart = 0;
let mainElu = performance.eventLoopUtilization();
let dbBusyAt0 = 0;
let dbAt0 = 0;
let rssPeak = 0;
const rssTimer = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss); }, 250);
const result = await new Promise<DeviceLoadDone>((resolve, reject) => {
  child.on('message', async (m: any) => {
    if (m.type === 'connected') {
      storedAtStart = counter(await metricsText(), 'onelot_mqtt_messages_stored_total');
      mainElu = performance.eventLoopUtilization();
      dbBusyAt0 = platform.db.busySeconds?.() ?? 0;
      dbAt0 = performance.now();
      process.stderr.write(`${m.count} devices connected; publishing for ${seconds} s…\n`);
    } else if (m.type === 'progress') {
      process.stderr.write(`\r  ${m.elapsed.toFixed(0)} s  ${m.acked} acked  ${Math.round(m.acked / m.elapsed)} msg/s   `);
    } else if (m.type === 'done') resolve(m);
  });
  child.on('error', reject);
  child.send({ mqttUrl: platform.mqttUrl, devices, seconds, window });
});
process.stderr.write('\n');
// Where the time went: the main thread (MQTT, validation, pg client, HTTP) and the database thread.
const mainBusy = performance.eventLoopUtilization(mainElu).utilization;
const dbBusy = platform.db.busySeconds ? (platform.db.busySeconds() - dbBusyAt0) / ((performance.now() - dbAt0) / 1000) : null;
await platform.broker.writer.drain();
const text = await metricsText();
const stored = counter(text, 'onelot_mqtt_messages_stored_total') - storedAtStart;
const batches = counter(text, 'onelot_ingest_commit_batch_size_count');
const batchSum = counter(text, 'onelot_ingest_commit_batch_size_sum');
clearInterval(rssTimer);
stream.close();
child.kill();
const puback = summarize(result.latencies);
const vis = summarize(visibility);
const figures = {
  benchmark: 'ingest', devices: devices.length, seconds: Math.round(result.elapsed * 10) / 10, window,
  storedPerSecond: Math.round(stored / result.elapsed), acked: result.acked, stored, publishErrors: result.errors,
  pubackMs: { p50: puback.p50, p99: puback.p99, max: puback.max },
  visibilityMs: { p50: vis.p50, p99: vis.p99, samples: vis.n },
  meanCommitBatch: Math.round(batchSum / Math.max(1, batches)),
  rssMB: Math.round(rssPeak / 1e6), cores: os.cpus().length,
  busy: { mainThread: Math.round(mainBusy * 100) / 100, databaseThread: dbBusy === null ? null : Math.round(dbBusy * 100) / 100, generatorCores: result.generatorCores },
};
await platform.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify(figures));
console.error(`stored ${figures.storedPerSecond} msg/s · PUBACK p50 ${puback.p50} ms p99 ${puback.p99} ms · visible p50 ${vis.p50} ms p99 ${vis.p99} ms · RSS ${figures.rssMB} MB (target ≥ 20,000 msg/s, PUBACK p99 < 50 ms)`);
