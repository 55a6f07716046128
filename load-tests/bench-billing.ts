// npm run bench:billing [-- --sessions 100000 --window 40 --rate 5000 --rate-seconds 10]
// Starts the platform on embedded defaults (demo district, no simulator) with sessions and billing,
// drives every demo gate camera over real MQTT (QoS 1) from a separate process: first the entries,
// then the exits in two phases, and prints one JSON line of figures:
// - throughput: N exits in a closed loop (`window` in flight per camera, the next sent when one is
//   acknowledged): sessions billed per second (invoices committed / exit phase);
// - latency at a rate: `rate` exits per second for `rate-seconds` in an open loop (sent on a clock,
//   whatever the acknowledgements), so the latency is the platform's and not the loop's (a closed
//   loop's latency is just in-flight / throughput): exit publish → invoice committed (the hook's
//   after-commit notification) p50/p99, and → automatic charge for contactless plates.
// The same file is the load process (--child): its CPU does not count as the platform's.
import { fork } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../core/config.ts';
import { cityModules, startPlatform } from '../platform.ts';
import type { CredentialsFile, DeviceCredential } from '../seed/city-loader.ts';
import { summarize } from './lib/stats.ts';
import { pace } from './lib/pace.ts';
import { RawMqttClient } from './lib/raw-mqtt.ts';

const now = () => performance.timeOrigin + performance.now();
const SAMPLE_EVERY = 100;
const RATE_SAMPLE_EVERY = 10;

interface Job { device: DeviceCredential; events: Array<{ seq: number; body: string; sample: boolean }> }
type ChildStart = { mqttUrl: string; phase: 'in' | 'out'; jobs: Job[]; window: number; rate?: number; last?: boolean };
type ChildDone = { type: 'done'; acked: number; errors: number; elapsedMs: number; pubackMs: number[]; published: Array<[string, number]> };

if (process.argv.includes('--child')) {
  const clients = new Map<string, RawMqttClient>();
  process.on('message', async (msg: ChildStart) => {
    for (const j of msg.jobs) {
      if (clients.has(j.device.id)) continue;
      clients.set(j.device.id, await RawMqttClient.connect(msg.mqttUrl, { clientId: j.device.id, username: j.device.id, password: j.device.secret }));
    }
    const pubackMs: number[] = [];
    const published: Array<[string, number]> = [];
    let acked = 0;
    let errors = 0;
    const started = now();
    const publish = (j: Job, e: Job['events'][number], settled: () => void) => {
      const t0 = now();
      if (e.sample) published.push([`${j.device.id}|${e.seq}`, t0]);
      clients.get(j.device.id)!.publish(`devices/${j.device.id}/events`, e.body, (err) => {
        if (err) errors++;
        else { acked++; if (e.sample) pubackMs.push(now() - t0); }
        settled();
      });
    };
    if (msg.rate) {
      // Open loop: the k-th message of the whole fleet is due at k / rate seconds, cameras in turn.
      const queue = msg.jobs.flatMap((j) => j.events.map((e, k) => ({ j, e, k }))).sort((a, b) => a.k - b.k);
      let settled = 0;
      let settledAll!: () => void;
      const allSettled = new Promise<void>((resolve) => { settledAll = resolve; });
      if (!queue.length) settledAll();
      await pace(msg.rate, (k) => publish(queue[k].j, queue[k].e, () => { if (++settled === queue.length) settledAll(); }), (sent) => sent < queue.length, 2);
      await allSettled;
    } else {
      // Closed loop per camera: `window` messages in flight, the next sent when one is acknowledged.
      await Promise.all(msg.jobs.map((j) => new Promise<void>((resolve) => {
        let next = 0;
        let inFlight = 0;
        const pump = () => {
          while (inFlight < msg.window && next < j.events.length) {
            inFlight++;
            publish(j, j.events[next++], () => {
              inFlight--;
              if (next >= j.events.length && inFlight === 0) resolve();
              else pump();
            });
          }
          if (j.events.length === 0) resolve();
        };
        pump();
      })));
    }
    const done: ChildDone = { type: 'done', acked, errors, elapsedMs: now() - started, pubackMs, published };
    process.send!(done);
    if (msg.last) {
      await Promise.all([...clients.values()].map((c) => c.end()));
      process.exit(0);
    }
  });
} else {
  await main();
}

async function main() {
  const { values } = parseArgs({ options: {
    sessions: { type: 'string', default: '100000' }, window: { type: 'string', default: '40' },
    rate: { type: 'string', default: '5000' }, 'rate-seconds': { type: 'string', default: '10' },
  } });
  const n = Number(values.sessions);
  const window = Number(values.window);
  const rate = Number(values.rate);
  const m = Math.round(rate * Number(values['rate-seconds']));
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new Error('--sessions must be an integer from 1 to 1,000,000');
  if (!Number.isFinite(rate) || rate < 0 || m > 1_000_000) throw new Error('--rate and --rate-seconds must be ≥ 0 and give at most 1,000,000 exits (0 skips the open-loop phase)');

  const dataDir = path.join(os.tmpdir(), `onelot-bench-billing-${process.pid}`);
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'warn' });
  // The real path: sessions and invoices in the ingest transaction, contactless charges through
  // the simulated provider over HTTP with its signed webhook.
  // No cron, as in the other benchmarks: the periodic jobs would land at a random point of a run
  // and scan everything it billed (bench:analytics measures them).
  const { modules, billing } = cityModules({ ...config, SCHEDULED_JOBS: false });
  const platform = await startPlatform({ ...config, SCHEDULED_JOBS: false }, { modules });
  try {
    const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
    const gates = creds.devices.filter((d) => d.kind === 'gate-camera');

    // Distinct standard plates (豫 + letter + 5 digits), stays of 20 min to 10 h in March 2026.
    // Sessions [0, n) exit in the closed loop, [n, n + m) in the open loop at the rate.
    const letters = 'ABCDEFGHJKLMNPQRSTUVWXY';
    const plate = (i: number) => `豫${letters[Math.floor(i / 100_000)]}${String(i % 100_000).padStart(5, '0')}`;
    const sampledAt = (i: number) => (i < n ? i % SAMPLE_EVERY === 0 : (i - n) % RATE_SAMPLE_EVERY === 0);
    const base = Date.parse('2026-03-01T00:00:00+08:00');
    let seq = Date.now() * 10;
    const jobs = (phase: 'in' | 'out', from: number, to: number): Job[] => gates.map((device, g) => {
      const events: Job['events'] = [];
      // Session i always goes through camera i mod G (its lot's gate), in and out.
      for (let i = from + (((g - from) % gates.length) + gates.length) % gates.length; i < to; i += gates.length) {
        const entry = base + i * 7_000;
        const ts = phase === 'in' ? entry : entry + (20 + (i * 37) % 580) * 60_000;
        const s = ++seq;
        events.push({
          seq: s, sample: phase === 'out' && sampledAt(i),
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
    const run = (start: Omit<ChildStart, 'mqttUrl'>) => new Promise<ChildDone>((resolve, reject) => {
      child.once('message', (msg: ChildDone) => resolve(msg));
      child.once('error', reject);
      child.send({ mqttUrl: platform.mqttUrl, ...start } satisfies ChildStart);
    });

    process.stderr.write(`${gates.length} gate cameras, ${n + m} sessions: entries…\n`);
    const entries = await run({ phase: 'in', jobs: jobs('in', 0, n + m), window });
    await platform.broker.writer.drain();
    const open = Number((await platform.db.pool.query(`SELECT count(*) AS n FROM sessions WHERE status = 'open'`)).rows[0].n);
    process.stderr.write(`  ${entries.acked} entries in ${(entries.elapsedMs / 1000).toFixed(1)} s (${Math.round(entries.acked / (entries.elapsedMs / 1000))}/s), ${open} sessions open\n`);

    // Every sampled plate belongs to a contactless driver: its exit is charged automatically.
    const sampled = Array.from({ length: n + m }, (_, i) => i).filter(sampledAt).map(plate);
    await platform.db.pool.query(
      `WITH x AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(phone, plate)),
            d AS (INSERT INTO drivers (phone, password_hash) SELECT phone, '!disabled' FROM x RETURNING id, phone),
            p AS (INSERT INTO driver_plates (plate, driver_id, contactless) SELECT x.plate, d.id, true FROM x JOIN d USING (phone))
       INSERT INTO payment_methods (driver_id, provider, token, label, is_default) SELECT id, 'simpay', 'tok_ok_pm_bench', 'Bench ****0000', true FROM d`,
      [sampled.map((_, k) => `199${String(k).padStart(8, '0')}`), sampled]);

    // Phase 1, throughput: closed loop.
    process.stderr.write(`  throughput: ${n} exits, ${window} in flight per camera…\n`);
    const exitStart = now();
    const closed = await run({ phase: 'out', jobs: jobs('out', 0, n), window, last: m === 0 });
    await platform.broker.writer.drain();
    const exitWall = (Math.max(lastInvoiceAt, exitStart + closed.elapsedMs) - exitStart) / 1000;
    const closedInvoices = invoices;

    // Phase 2, latency at a rate: open loop.
    let atRate: Awaited<ReturnType<typeof latencies>> & { rate: number; exits: number; seconds: number; billedPerSecond: number; publishErrors: number } | null = null;
    if (m > 0) {
      await new Promise((r) => setTimeout(r, 1000)); // let the charges of phase 1 settle
      process.stderr.write(`  latency: ${m} exits at ${rate}/s, open loop…\n`);
      const rateStart = now();
      const timed = await run({ phase: 'out', jobs: jobs('out', n, n + m), window, rate, last: true });
      await platform.broker.writer.drain();
      const wall = (Math.max(lastInvoiceAt, rateStart + timed.elapsedMs) - rateStart) / 1000;
      atRate = {
        rate, exits: m, seconds: Math.round(wall * 10) / 10, billedPerSecond: Math.round((invoices - closedInvoices) / wall), publishErrors: timed.errors,
        ...await latencies(timed, issuedAt),
      };
    }
    const closedFigures = await latencies(closed, issuedAt);

    const { rows } = await platform.db.pool.query(
      `SELECT (SELECT count(*) FROM invoices) AS invoices, (SELECT count(*) FROM sessions WHERE status = 'closed') AS closed,
              (SELECT count(*) FROM session_exceptions) AS exceptions, (SELECT sum(amount_fen) FROM invoices) AS fen`);
    const figures = {
      benchmark: 'billing', sessions: n + m, gateCameras: gates.length, cores: os.cpus().length,
      entriesPerSecond: Math.round(entries.acked / (entries.elapsedMs / 1000)),
      invoices: Number(rows[0].invoices), sessionsClosed: Number(rows[0].closed), exceptions: Number(rows[0].exceptions), billedFen: Number(rows[0].fen),
      publishErrors: entries.errors + closed.errors + (atRate?.publishErrors ?? 0),
      throughput: {
        exits: n, window, sessionsBilledPerSecond: Math.round(closedInvoices / exitWall), seconds: Math.round(exitWall * 10) / 10,
        // In a closed loop the latency is in-flight / throughput: reported, not the target's figure.
        ...closedFigures,
      },
      atRate,
    };
    console.log(JSON.stringify(figures));
    console.error(`throughput: billed ${figures.throughput.sessionsBilledPerSecond} sessions/s (closed loop, ${n} exits; target ≥ 5,000)`);
    if (atRate) {
      console.error(`at ${rate} exits/s (open loop, ${m} exits): billed ${atRate.billedPerSecond}/s · exit→invoice p50 ${atRate.exitToInvoiceMs.p50} ms p99 ${atRate.exitToInvoiceMs.p99} ms (${atRate.exitToInvoiceMs.samples} samples; target p99 < 200 ms)`
        + ` · exit→charge p50 ${atRate.exitToChargeMs.p50} ms p99 ${atRate.exitToChargeMs.p99} ms (${atRate.exitToChargeMs.samples} of ${atRate.exitToChargeMs.payable} payable)`);
    }
    console.error(`${figures.invoices}/${n + m} invoiced, ${figures.exceptions} exceptions, ${figures.publishErrors} publish errors`);
  } finally {
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  /** Exit → invoice and exit → charge for a phase's sampled exits (charges waited for up to 60 s). */
  async function latencies(phase: ChildDone, issuedAt: Map<string, number>) {
    const keys = phase.published.map(([k]) => k);
    // A free stay (within the grace period) issues a ¥0 invoice, which is never charged.
    const payable = Number((await platform.db.pool.query(
      `SELECT count(*) AS n FROM invoices i JOIN sessions s ON s.id = i.session_id
        WHERE s.exit_device || '|' || s.exit_seq = ANY($1::text[]) AND i.amount_fen > 0`, [keys])).rows[0].n);
    const chargedAt = new Map<string, number>();
    const deadline = now() + 60_000;
    while (chargedAt.size < payable && now() < deadline) {
      const { rows: charged } = await platform.db.pool.query(
        `SELECT s.exit_device, s.exit_seq, c.updated_at FROM charges c JOIN invoices i ON i.id = c.invoice_id JOIN sessions s ON s.id = i.session_id
          WHERE c.status = 'succeeded' AND c.method = 'contactless' AND s.exit_device || '|' || s.exit_seq = ANY($1::text[])`, [keys]);
      for (const r of charged) chargedAt.set(`${r.exit_device}|${r.exit_seq}`, new Date(r.updated_at).getTime());
      if (chargedAt.size < payable) await new Promise((r) => setTimeout(r, 200));
    }
    const since = (at: Map<string, number>) => phase.published.map(([k, t]) => (at.has(k) ? at.get(k)! - t : NaN)).filter((x) => Number.isFinite(x));
    const toInvoice = summarize(since(issuedAt));
    const toCharge = summarize(since(chargedAt));
    const puback = summarize(phase.pubackMs);
    return {
      exitToInvoiceMs: { p50: toInvoice.p50, p99: toInvoice.p99, max: toInvoice.max, samples: toInvoice.n },
      exitPubackMs: { p50: puback.p50, p99: puback.p99 },
      exitToChargeMs: { p50: toCharge.p50, p99: toCharge.p99, samples: toCharge.n, payable },
    };
  }
}
