// npm run fuzz [-- --seed 1 --payloads 100000 --packets 10000 --requests 10000 --json]
// Starts the platform as `npm start` does, in its own process, and attacks it from outside:
//  1. generated and mutated device payloads, published as real devices over MQTT (QoS 1), each
//     with the outcome the device protocol promises (stored, or dead-lettered under a code),
//     checked per device against the database and per code against /metrics;
//  2. malformed MQTT packets over raw TCP (bad lengths, reserved flags, truncations, wrong
//     protocol, oversize, garbage after CONNECT);
//  3. HTTP requests generated from the platform's OpenAPI document (every operation; wrong types,
//     huge values, unicode, broken JSON, missing and garbage credentials);
// then checks it did not crash, kept memory flat and still serves a real device. Prints a report;
// exits 1 when any check fails. Everything generated comes from --seed: a failure is rerun exactly.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CredentialsFile } from '../seed/city-loader.ts';
import { rssPeakSampler, startPlatformProcess, type PlatformProcess } from './lib/platform-process.ts';
import { sampleValue } from './lib/stats.ts';
import { runApiPhase } from './fuzz/api-phase.ts';
import { connectPlatformDatabase, countsSince } from './fuzz/database.ts';
import { runPacketPhase } from './fuzz/packet-phase.ts';
import { runPayloadPhase, type Credentialed } from './fuzz/payload-phase.ts';
import { checkRealDevice } from './fuzz/real-device.ts';
import { checks, formatReport, type FuzzFindings, type Memory } from './fuzz/report.ts';
import { REJECT_CODES } from '../core/protocol.ts';

const { values } = parseArgs({ options: {
  seed: { type: 'string', default: '20261129' }, payloads: { type: 'string', default: '100000' },
  packets: { type: 'string', default: '10000' }, requests: { type: 'string', default: '10000' }, json: { type: 'boolean', default: false },
} });
const seed = Number(values.seed);
const counts = { payloads: Number(values.payloads), packets: Number(values.packets), requests: Number(values.requests) };
const say = (s: string) => process.stderr.write(`${s}\n`);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-fuzz-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
// LOG_LEVEL error: the run makes the platform log a warning per refused packet and connection.
const platform = await startPlatformProcess({ dataDir, logLevel: process.env.LOG_LEVEL ?? 'error' });
let crashed: string | null = null;
void platform.exited.then((code) => { crashed ??= `the platform exited (${code}) during the run`; });

type Device = CredentialsFile['devices'][number];
const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
const of = (kind: string) => creds.devices.filter((d) => d.kind === kind);
const asFuzz = (d: Device): Credentialed => ({ id: d.id, kind: d.kind, secret: d.secret, bays: d.bays });
const sensors = of('bay-sensor');
const payloadDevices = [...sensors.slice(0, 12), ...of('bay-camera').slice(0, 6), ...of('gate-camera').slice(0, 6)].map(asFuzz);
const packetDevices = sensors.slice(12, 76).map(asFuzz);
const real = sensors[sensors.length - 1];

/** The platform's JS heap, least of 8 samples over 2 s: nearest to what a GC leaves. */
async function heapMB(p: PlatformProcess): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 8; i++) {
    least = Math.min(least, sampleValue(await p.metrics(), 'onelot_process_nodejs_heap_size_used_bytes'));
    await new Promise((r) => setTimeout(r, 250));
  }
  return Math.round(least / 1e6);
}
const rssMB = () => Math.round((platform.usage()?.rssBytes ?? 0) / 1e6);
const rejected = (text: string) => new Map(REJECT_CODES.map((c) => [c as string, sampleValue(text, 'onelot_mqtt_messages_rejected_total', { reason: c })]));

const memory: Memory = { rssBeforeMB: rssMB(), heapBeforeMB: await heapMB(platform), rssAfterMB: 0, heapAfterMB: 0, rssPeakMB: 0 };
const rss = rssPeakSampler(platform.pid);
const findings: FuzzFindings = { seed, crashed: null, healthz: null, realDevice: { ok: false, detail: 'not run' }, memory };

const run = async <T>(name: string, work: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await work();
  } catch (err) {
    crashed ??= `${name} stopped: ${(err as Error).stack ?? err}`;
    return undefined;
  }
};

if (counts.payloads > 0) {
  await run('device payloads', async () => {
    say(`device payloads: ${counts.payloads} over ${payloadDevices.length} devices…`);
    const db = await connectPlatformDatabase(platform.pid);
    try {
      const since = new Date(Date.now() - 1000);
      const before = rejected(await platform.metrics());
      const p = await runPayloadPhase({ mqttUrl: platform.mqttUrl, devices: payloadDevices, count: counts.payloads, seed, progress: (n) => say(`  ${n} acknowledged`) });
      const after = rejected(await platform.metrics());
      const found = await countsSince(db, payloadDevices.map((d) => d.id), since);
      findings.payloads = { ...p, found, rejectedByCode: new Map([...after].map(([c, n]) => [c, n - (before.get(c) ?? 0)])) };
    } finally {
      await db.end();
    }
  });
}
if (counts.packets > 0) {
  say(`malformed MQTT packets: ${counts.packets}…`);
  findings.packets = await run('MQTT packets', () => runPacketPhase({ mqttUrl: platform.mqttUrl, devices: packetDevices, count: counts.packets, seed }));
}
if (counts.requests > 0) {
  say(`API requests from /docs/json: ${counts.requests}…`);
  findings.api = await run('API requests', async () => {
    const doc = await (await fetch(`${platform.httpUrl}/docs/json`)).json() as Record<string, any>;
    const { creds: tokens, known } = await apiCredentials(platform.httpUrl, dataDir);
    return runApiPhase({ httpUrl: platform.httpUrl, count: counts.requests, seed, creds: tokens, known }, doc);
  });
}

findings.healthz = await fetch(`${platform.httpUrl}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => null);
findings.realDevice = await checkRealDevice(platform.mqttUrl, platform.httpUrl, { ...asFuzz(real), lotId: real.lotId, bayCode: real.bayCode! });
memory.rssPeakMB = Math.round(rss.peak / 1e6);
rss.stop();
// A phase that stopped (crashed) does not mean the platform did: its heap is read while it answers.
memory.heapAfterMB = await heapMB(platform).catch(() => 0);
memory.rssAfterMB = rssMB();
findings.crashed = crashed;
await platform.stop();

const results = checks(findings);
console.log(formatReport(findings, results));
if (values.json) console.log(JSON.stringify({ report: 'onelot-fuzz', seed, counts, checks: results, memory, payloads: findings.payloads?.sent ?? 0, packets: findings.packets?.sent ?? 0, requests: findings.api?.sent ?? 0 }));
process.exit(results.every((c) => c.pass) ? 0 : 1);

/** A driver token (a new account), the demo operator's token, and ids that exist, for the API phase. */
async function apiCredentials(httpUrl: string, dir: string) {
  const post = (url: string, body: unknown) => fetch(`${httpUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ token?: string }>);
  const driver = await post('/api/v1/auth/register', { phone: `139${String(seed % 1e8).padStart(8, '0')}`, password: 'fuzz-password-1' });
  const account = JSON.parse(readFileSync(path.join(dir, 'operator-console.json'), 'utf8')) as { operatorId: string; password: string };
  const operator = await post('/api/v1/operator/login', account);
  const lots = await (await fetch(`${httpUrl}/api/v1/lots`)).json() as { lots: Array<{ id: string }> };
  const known = [...lots.lots.slice(0, 5).map((l) => l.id), '豫A12345', real.bayCode!, account.operatorId];
  return { creds: { driver: driver.token, operator: operator.token }, known };
}
