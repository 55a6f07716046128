// The three attacks of `npm run fuzz` against a platform already running in its own process, and
// the checks after them (no crash, memory flat, a real device still served). `npm run fuzz` starts
// a platform for it; the short run inside `npm test` uses the one the short chaos run leaves
// behind (load-tests/chaos.ts --fuzz), so `npm test` starts one platform fewer.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CredentialsFile } from '../../seed/city-loader.ts';
import { REJECT_CODES } from '../../core/protocol.ts';
import { rssPeakSampler, type PlatformProcess } from '../lib/platform-process.ts';
import { sampleValue } from '../lib/stats.ts';
import { runApiPhase } from './api-phase.ts';
import { connectPlatformDatabase, countsSince } from './database.ts';
import { runPacketPhase } from './packet-phase.ts';
import { runPayloadPhase, type Credentialed } from './payload-phase.ts';
import { checkRealDevice } from './real-device.ts';
import { checks, type Check, type FuzzFindings, type Memory } from './report.ts';

export interface FuzzCounts { payloads: number; packets: number; requests: number }

export interface FuzzRunOptions {
  seed: number;
  counts: FuzzCounts;
  /** DATA_DIR of the platform (its operator-console.json signs the API phase in as an operator). */
  dataDir: string;
  say: (line: string) => void;
  /** The platform's TMPDIR, where its embedded database's socket directory is (default: ours). */
  tmpDir?: string;
}

type Device = CredentialsFile['devices'][number];
const asFuzz = (d: Device): Credentialed => ({ id: d.id, kind: d.kind, secret: d.secret, bays: d.bays });

/** The platform's JS heap, least of 8 samples over 2 s: nearest to what a GC leaves. */
async function heapMB(p: PlatformProcess): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 8; i++) {
    least = Math.min(least, sampleValue(await p.metrics(), 'onelot_process_nodejs_heap_size_used_bytes'));
    await new Promise((r) => setTimeout(r, 250));
  }
  return Math.round(least / 1e6);
}

export async function runFuzz(platform: PlatformProcess, o: FuzzRunOptions): Promise<{ findings: FuzzFindings; results: Check[] }> {
  const { seed, counts, say } = o;
  let crashed: string | null = null;
  void platform.exited.then((code) => { crashed ??= `the platform exited (${code}) during the run`; });

  const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
  const of = (kind: string) => creds.devices.filter((d) => d.kind === kind);
  const sensors = of('bay-sensor');
  const payloadDevices = [...sensors.slice(0, 12), ...of('bay-camera').slice(0, 6), ...of('gate-camera').slice(0, 6)].map(asFuzz);
  const packetDevices = sensors.slice(12, 76).map(asFuzz);
  const real = sensors[sensors.length - 1];

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
      const db = await connectPlatformDatabase(platform.pid, o.tmpDir);
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
      const { creds: tokens, known } = await apiCredentials(platform.httpUrl, o.dataDir, seed, real.bayCode!);
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
  return { findings, results: checks(findings) };
}

/** A driver token (a new account), the demo operator's token, and ids that exist, for the API phase. */
async function apiCredentials(httpUrl: string, dir: string, seed: number, bayCode: string) {
  const post = (url: string, body: unknown) => fetch(`${httpUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ token?: string }>);
  const driver = await post('/api/v1/auth/register', { phone: `139${String(seed % 1e8).padStart(8, '0')}`, password: 'fuzz-password-1' });
  const account = JSON.parse(readFileSync(path.join(dir, 'operator-console.json'), 'utf8')) as { operatorId: string; password: string };
  const operator = await post('/api/v1/operator/login', account);
  const lots = await (await fetch(`${httpUrl}/api/v1/lots`)).json() as { lots: Array<{ id: string }> };
  const known = [...lots.lots.slice(0, 5).map((l) => l.id), '豫A12345', bayCode, account.operatorId];
  return { creds: { driver: driver.token, operator: operator.token }, known };
}
