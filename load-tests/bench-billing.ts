// npm run bench:billing [-- --sessions 100000 --window 40]
// Starts the platform on embedded defaults (demo district, no simulator) with sessions and billing,
// drives every demo gate camera over real MQTT (QoS 1, `window` messages in flight per camera)
// from a separate process: first N entries, then N exits. Prints one JSON line of figures:
// sessions billed per second (invoices committed / exit phase), and the time from an exit's
// publish to its invoice being committed (the hook's after-commit notification), p50/p99.
// The same file is the load process (--child): its CPU does not count as the platform's.
import { fork } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { loadConfig } from '../core/config.ts';
import { startPlatform } from '../platform.ts';
import { businessExtras } from '../extras.ts';
import type { CredentialsFile, DeviceCredential } from '../simulators/city-loader.ts';
import { summarize } from './lib/stats.ts';

const now = () => performance.timeOrigin + performance.now();
const SAMPLE_EVERY = 100;

interface Job { device: DeviceCredential; events: Array<{ seq: number; body: string; sample: boolean }> }
type ChildStart = { mqttUrl: string; phase: 'in' | 'out'; jobs: Job[]; window: number };
type ChildDone = { type: 'done'; acked: number; errors: number; elapsedMs: number; pubackMs: number[]; published: Array<[string, number]> };

if (process.argv.includes('--child')) {
  const clients = new Map<string, MqttClient>();
  process.on('message', async (msg: ChildStart) => {
    for (const j of msg.jobs) {
      if (clients.has(j.device.id)) continue;
      clients.set(j.device.id, await new Promise<MqttClient>((resolve, reject) => {
        const c = mqtt.connect(msg.mqttUrl, { clientId: j.device.id, username: j.device.id, password: j.device.secret, protocolVersion: 4, reconnectPeriod: 0 });
        c.once('connect', () => resolve(c));
        c.once('error', reject);
      }));
    }
    const pubackMs: number[] = [];
    const published: Array<[string, number]> = [];
    let acked = 0;
    let errors = 0;
    const started = now();
    // Closed loop per camera: `window` messages in flight, the next sent when one is acknowledged.
    await Promise.all(msg.jobs.map((j) => new Promise<void>((resolve) => {
      const c = clients.get(j.device.id)!;
      let next = 0;
      let inFlight = 0;
      const pump = () => {
        while (inFlight < msg.window && next < j.events.length) {
          const e = j.events[next++];
          inFlight++;
          const t0 = now();
          if (e.sample) published.push([`${j.device.id}|${e.seq}`, t0]);
          c.publish(`devices/${j.device.id}/events`, e.body, { qos: 1 }, (err) => {
            inFlight--;
            if (err) errors++;
            else { acked++; if (e.sample) pubackMs.push(now() - t0); }
            if (next >= j.events.length && inFlight === 0) resolve();
            else pump();
          });
        }
        if (j.events.length === 0) resolve();
      };
      pump();
    })));
    const done: ChildDone = { type: 'done', acked, errors, elapsedMs: now() - started, pubackMs, published };
    process.send!(done);
    if (msg.phase === 'out') {
      await Promise.all([...clients.values()].map((c) => c.endAsync()));
      process.exit(0);
    }
  });
} else {
  await main();
}

async function main() {
  const { values } = parseArgs({ options: { sessions: { type: 'string', default: '100000' }, window: { type: 'string', default: '40' } } });
  const n = Number(values.sessions);
  const window = Number(values.window);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new Error('--sessions must be an integer from 1 to 1,000,000');

  const dataDir = path.join(os.tmpdir(), `onelot-bench-billing-${process.pid}`);
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'warn' });
  // The real path: sessions and invoices in the ingest transaction, contactless charges through
  // the simulated provider over HTTP with its signed webhook.
  const { extras, billing } = businessExtras(config);
  const platform = await startPlatform(config, extras);
  try {
    const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
    const gates = creds.devices.filter((d) => d.kind === 'gate-camera');

    // N distinct standard plates (豫 + letter + 5 digits), stays of 20 min to 10 h in March 2026.
    const letters = 'ABCDEFGHJKLMNPQRSTUVWXY';
    const plate = (i: number) => `豫${letters[Math.floor(i / 100_000)]}${String(i % 100_000).padStart(5, '0')}`;
    const base = Date.parse('2026-03-01T00:00:00+08:00');
    let seq = Date.now() * 10;
    const jobs = (phase: 'in' | 'out'): Job[] => gates.map((device, g) => {
      const events: Job['events'] = [];
      for (let i = g; i < n; i += gates.length) {
        const entry = base + i * 7_000;
        const ts = phase === 'in' ? entry : entry + (20 + (i * 37) % 580) * 60_000;
        const s = ++seq;
        events.push({
          seq: s, sample: phase === 'out' && i % SAMPLE_EVERY === 0,
          body: JSON.stringify({ type: 'gate', seq: s, ts: new Date(ts).toISOString(), direction: phase, plate: plate(i), plateColor: 'blue', confidence: 0.97 }),
        });
      }
      return { device, events };
    });

    // Exit → invoice committed: the hook's after-commit notification, matched by the exit event.
    const issuedAt = new Map<string, number>();
    let invoices = 0;
    let lastInvoiceAt = 0;
    billing.sessionHook.events.on('issued', (list) => {
      const t = now();
      invoices += list.length;
      lastInvoiceAt = t;
      for (const i of list) issuedAt.set(`${i.exitDevice}|${i.exitSeq}`, t);
    });

    const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'] });
    const run = (phase: 'in' | 'out') => new Promise<ChildDone>((resolve, reject) => {
      child.once('message', (m: ChildDone) => resolve(m));
      child.once('error', reject);
      child.send({ mqttUrl: platform.mqttUrl, phase, jobs: jobs(phase), window } satisfies ChildStart);
    });

    process.stderr.write(`${gates.length} gate cameras, ${n} sessions: entries…\n`);
    const entries = await run('in');
    await platform.broker.writer.drain();
    const open = Number((await platform.db.pool.query(`SELECT count(*) AS n FROM sessions WHERE status = 'open'`)).rows[0].n);
    process.stderr.write(`  ${entries.acked} entries in ${(entries.elapsedMs / 1000).toFixed(1)} s (${Math.round(entries.acked / (entries.elapsedMs / 1000))}/s), ${open} sessions open; exits…\n`);

    // Every sampled plate belongs to a contactless driver: its exit is charged automatically.
    const sampled = Array.from({ length: Math.ceil(n / SAMPLE_EVERY) }, (_, k) => plate(k * SAMPLE_EVERY));
    await platform.db.pool.query(
      `WITH x AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(phone, plate)),
            d AS (INSERT INTO drivers (phone, password_hash) SELECT phone, '!disabled' FROM x RETURNING id, phone),
            p AS (INSERT INTO driver_plates (plate, driver_id, contactless) SELECT x.plate, d.id, true FROM x JOIN d USING (phone))
       INSERT INTO payment_methods (driver_id, provider, token, label, is_default) SELECT id, 'simpay', 'tok_ok_pm_bench', 'Bench ****0000', true FROM d`,
      [sampled.map((_, k) => `199${String(k).padStart(8, '0')}`), sampled]);

    const exitStart = now();
    const exits = await run('out');
    await platform.broker.writer.drain();
    const exitWall = (Math.max(lastInvoiceAt, exitStart + exits.elapsedMs) - exitStart) / 1000;
    const { rows } = await platform.db.pool.query(
      `SELECT (SELECT count(*) FROM invoices) AS invoices, (SELECT count(*) FROM sessions WHERE status = 'closed') AS closed,
              (SELECT count(*) FROM session_exceptions) AS exceptions, (SELECT sum(amount_fen) FROM invoices) AS fen`);
    // Exit → automatic charge succeeded (the provider's webhook processed), for the sampled plates.
    // A free stay (within the grace period) issues a ¥0 invoice, which is never charged.
    const payable = Number((await platform.db.pool.query(
      `SELECT count(*) AS n FROM invoices WHERE plate = ANY($1::text[]) AND amount_fen > 0`, [sampled])).rows[0].n);
    const chargedAt = new Map<string, number>();
    const deadline = now() + 60_000;
    while (chargedAt.size < payable && now() < deadline) {
      const { rows: charged } = await platform.db.pool.query(
        `SELECT s.exit_device, s.exit_seq, c.updated_at FROM charges c JOIN invoices i ON i.id = c.invoice_id JOIN sessions s ON s.id = i.session_id
          WHERE c.status = 'succeeded' AND c.method = 'contactless'`);
      for (const r of charged) chargedAt.set(`${r.exit_device}|${r.exit_seq}`, new Date(r.updated_at).getTime());
      if (chargedAt.size < payable) await new Promise((r) => setTimeout(r, 200));
    }
    const toCharge = summarize(exits.published.map(([k, t]) => (chargedAt.has(k) ? chargedAt.get(k)! - t : NaN)).filter((x) => Number.isFinite(x)));
    const lat = exits.published.map(([k, t]) => (issuedAt.has(k) ? issuedAt.get(k)! - t : NaN)).filter((x) => Number.isFinite(x));
    const toInvoice = summarize(lat);
    const puback = summarize(exits.pubackMs);
    const figures = {
      benchmark: 'billing', sessions: n, gateCameras: gates.length, window,
      sessionsBilledPerSecond: Math.round(Number(rows[0].invoices) / exitWall),
      entriesPerSecond: Math.round(entries.acked / (entries.elapsedMs / 1000)),
      invoices: Number(rows[0].invoices), sessionsClosed: Number(rows[0].closed), exceptions: Number(rows[0].exceptions),
      billedFen: Number(rows[0].fen), publishErrors: entries.errors + exits.errors, exitPhaseSeconds: Math.round(exitWall * 10) / 10,
      exitToInvoiceMs: { p50: toInvoice.p50, p99: toInvoice.p99, max: toInvoice.max, samples: toInvoice.n },
      exitPubackMs: { p50: puback.p50, p99: puback.p99 },
      exitToChargeMs: { p50: toCharge.p50, p99: toCharge.p99, samples: toCharge.n, payable, contactlessPlates: sampled.length },
      cores: os.cpus().length,
    };
    console.log(JSON.stringify(figures));
    console.error(`billed ${figures.sessionsBilledPerSecond} sessions/s · exit→invoice p50 ${toInvoice.p50} ms p99 ${toInvoice.p99} ms (${toInvoice.n} samples) · `
      + `${figures.invoices}/${n} invoiced, ${figures.exceptions} exceptions · exit→charge p50 ${toCharge.p50} ms p99 ${toCharge.p99} ms (${toCharge.n} of ${payable} payable) (target ≥ 5,000 sessions/s, p99 < 200 ms)`);
  } finally {
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
