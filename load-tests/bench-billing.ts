// npm run bench:billing [-- --sessions 100000 --window 40 --rate 5000 --rate-seconds 10 --provider own|in-process --database-url URL]
// Starts the platform as `npm start` does, in its own process (demo district, no simulator, no
// node-cron jobs: one landing at a random point of a run would scan everything it billed), with
// billing, payments and contactless auto-charge as always. Drives every demo gate camera over real
// MQTT (QoS 1) from a separate process: first the entries, then the exits in two phases, and prints
// one JSON line of figures:
// - throughput: N exits in a closed loop (`window` in flight per camera, the next sent when one is
//   acknowledged): sessions billed per second (onelot_billing_invoices_issued_total over the phase;
//   a PUBACK is sent after the commit that issued the invoice);
// - latency at a rate: `rate` exits per second for `rate-seconds` in an open loop (sent on a clock,
//   whatever the acknowledgements), so the latency is the platform's and not the loop's (a closed
//   loop's latency is just in-flight / throughput): exit → invoice committed and exit → automatic
//   charge for contactless plates: exit → invoice p50/p99 from the platform's histogram over the
//   phase's window (onelot_billing_exit_to_invoice_seconds, from the broker's receipt of the exit);
//   exit → charge from the database, for the phase's own exits (from the exit's own timestamp,
//   stamped as it is sent, to the charge's success: what onelot_payments_exit_to_charge_seconds
//   measures, without the previous phase's late charges).
// The simulated payment provider runs in a process of its own (`--provider own`, the default), reached at
// PAYMENT_PROVIDER_URL over HTTP and sending its signed webhooks back, as a real provider would from
// its own machines; `--provider in-process` runs it inside the platform as `npm start` does.
// --database-url: the platform runs on that PostgreSQL server (TimescaleDB or plain 15+), in a
// database of its own created for the run and dropped after it, instead of the embedded one.
// Every 100th plate of the closed loop and every 10th of the open loop belongs to a contactless
// driver (written to the database before the platform starts). Database totals are read after it
// stops, from the same data directory.
// The same file is the load process (--child): its CPU does not count as the platform's.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { openDatabase, migrate, type Pool } from '../core/db/index.ts';
import type { CredentialsFile, DeviceCredential } from '../seed/city-loader.ts';
import { counter, histogram, latencyBetween, sampleValue, summarize } from './lib/stats.ts';
import { freePort, killWithParent, settleIngest, startPlatformProcess, type PlatformProcess } from './lib/platform-process.ts';
import { startProvider } from './lib/provider-process.ts';
import { createScratchDatabase } from './lib/scratch-database.ts';
import { pace } from './lib/pace.ts';
import { RawMqttClient } from './lib/raw-mqtt.ts';

const now = () => performance.timeOrigin + performance.now();
const SAMPLE_EVERY = 100;
const RATE_SAMPLE_EVERY = 10;
const WEBHOOK_SECRET = 'bench-billing-webhook-secret';

// An event's body carries TS where its time goes: stamped when it is sent, `ago` ms before then.
const TS = '@ts@';
interface Job { device: DeviceCredential; events: Array<{ seq: number; body: string; ago: number; sample: boolean }> }
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
      const body = e.body.replace(TS, new Date(Date.now() - e.ago).toISOString());
      clients.get(j.device.id)!.publish(`devices/${j.device.id}/events`, body, (err) => {
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
}

function options() {
  const { values } = parseArgs({ options: {
    sessions: { type: 'string', default: '100000' }, window: { type: 'string', default: '40' },
    rate: { type: 'string', default: '5000' }, 'rate-seconds': { type: 'string', default: '10' },
    provider: { type: 'string', default: 'own' }, 'database-url': { type: 'string' },
  } });
  if (values.provider !== 'own' && values.provider !== 'in-process') throw new Error('--provider must be own (the simulated provider in a process of its own, as a real one is) or in-process (in the platform\'s, as the demo runs it)');
  const n = Number(values.sessions);
  const rate = Number(values.rate);
  const m = Math.round(rate * Number(values['rate-seconds']));
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new Error('--sessions must be an integer from 1 to 1,000,000');
  if (!Number.isFinite(rate) || rate < 0 || m > 1_000_000) throw new Error('--rate and --rate-seconds must be ≥ 0 and give at most 1,000,000 exits (0 skips the open-loop phase)');
  return { n, m, rate, window: Number(values.window), providerPlace: values.provider, serverUrl: values['database-url'] };
}

// Distinct standard plates (豫 + letter + 5 digits), stays of 20 min to 10 h that end as the exits are sent.
// Sessions [0, n) exit in the closed loop, [n, n + m) in the open loop at the rate.
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXY';
const plate = (i: number) => `豫${LETTERS[Math.floor(i / 100_000)]}${String(i % 100_000).padStart(5, '0')}`;

/** The gate cameras' events for sessions [from, to): session i always goes through camera i mod G (its lot's gate), in and out. */
function jobBuilder(gates: DeviceCredential[], sampledAt: (i: number) => boolean) {
  let seq = Date.now() * 10;
  return (phase: 'in' | 'out', from: number, to: number): Job[] => gates.map((device, g) => {
    const events: Job['events'] = [];
    for (let i = from + (((g - from) % gates.length) + gates.length) % gates.length; i < to; i += gates.length) {
      // Stays of 20 min to 10 h, ending now: an entry is stamped that long before it is sent, an
      // exit when it is sent (the exit time is the clock of onelot_payments_exit_to_charge_seconds).
      const stayMs = (20 + (i * 37) % 580) * 60_000;
      const s = ++seq;
      events.push({
        seq: s, sample: phase === 'out' && sampledAt(i), ago: phase === 'in' ? stayMs : 0,
        body: JSON.stringify({ type: 'gate', seq: s, ts: TS, direction: phase, plate: plate(i), plateColor: 'blue', confidence: 0.97 }),
      });
    }
    return { device, events };
  });
}

/**
 * Every sampled plate belongs to a contactless driver: its exit is charged automatically. Written
 * before the platform starts (the embedded database has one owner at a time).
 */
async function contactlessDrivers(where: Where, plates: string[]): Promise<void> {
  await withDatabase(where, async (pool) => {
    await migrate(pool);
    await pool.query(
      `WITH x AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(phone, plate)),
            d AS (INSERT INTO drivers (phone, password_hash) SELECT phone, '!disabled' FROM x RETURNING id, phone),
            -- Claimed a day ago: contactless covers only stays that began after the claim (docs/security.md),
            -- and the bench's stays began up to 10 h before their exits.
            p AS (INSERT INTO driver_plates (plate, driver_id, contactless, claimed_at) SELECT x.plate, d.id, true, now() - interval '1 day' FROM x JOIN d USING (phone))
       INSERT INTO payment_methods (driver_id, provider, token, label, is_default) SELECT id, 'simpay', 'tok_ok_pm_bench', 'Bench ****0000', true FROM d`,
      [plates.map((_, k) => `199${String(k).padStart(8, '0')}`), plates]);
  });
}

const seen = (text: string) => counter(text, 'onelot_mqtt_messages_stored_total') + counter(text, 'onelot_mqtt_messages_duplicate_total');
const invoicesIn = (text: string) => counter(text, 'onelot_billing_invoices_issued_total');

/**
 * One exit phase: run it, wait until every acknowledged exit is counted and its contactless
 * charges have landed (so they are neither cut off nor counted in the next phase), and read the
 * platform's figures over that window. Every exit acknowledged is an invoice committed.
 */
async function exitPhase(platform: PlatformProcess, run: (start: Omit<ChildStart, 'mqttUrl'>) => Promise<ChildDone>, start: Omit<ChildStart, 'mqttUrl'>) {
  const before = await platform.metrics();
  const done = await run(start);
  await settleIngest(platform, { from: seen(before), atLeast: done.acked });
  const invoices = invoicesIn(await platform.metrics()) - invoicesIn(before);
  const after = await chargesSettled(platform);
  return { done, invoices, wall: done.elapsedMs / 1000, figures: windowFigures(before, after, done) };
}

async function main() {
  const { n, m, rate, window, providerPlace, serverUrl } = options();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-bench-billing-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const database = serverUrl ? await createScratchDatabase('onelot_bench_billing', serverUrl) : null;
  const where: Where = { dataDir, databaseUrl: database?.url };
  const sampledAt = (i: number) => (i < n ? i % SAMPLE_EVERY === 0 : (i - n) % RATE_SAMPLE_EVERY === 0);
  await contactlessDrivers(where, Array.from({ length: n + m }, (_, i) => i).filter(sampledAt).map(plate));

  // The payment provider is somebody else's service: the simulated one runs in a process of its
  // own (scripts/provider-sim.ts), not in the platform's (where its HTTP server, charges and signed webhooks took the
  // platform's main thread), and the platform reaches it at PAYMENT_PROVIDER_URL as it would a
  // real one. `--provider in-process` measures the demo's default instead.
  const httpPort = await freePort();
  const provider = providerPlace === 'own' ? await startProvider({ webhookUrl: `http://127.0.0.1:${httpPort}/api/v1/payments/webhook`, secret: WEBHOOK_SECRET, latencyMs: 50 }) : undefined;
  const platform = await startPlatformProcess({
    dataDir, httpPort, env: {
      ...(provider ? { PAYMENT_PROVIDER_URL: provider.url, PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET } : {}),
      ...(database ? { DATABASE_URL: database.url } : {}),
    },
  });
  const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
  const gates = creds.devices.filter((d) => d.kind === 'gate-camera');
  const jobs = jobBuilder(gates, sampledAt);
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'] });
  killWithParent(child);
  const run = (start: Omit<ChildStart, 'mqttUrl'>) => new Promise<ChildDone>((resolve, reject) => {
    child.once('message', (msg: ChildDone) => resolve(msg));
    child.once('error', reject);
    child.send({ mqttUrl: platform.mqttUrl, ...start } satisfies ChildStart);
  });

  process.stderr.write(`${gates.length} gate cameras, ${n + m} sessions: entries…\n`);
  const text = await platform.metrics();
  const entries = await run({ phase: 'in', jobs: jobs('in', 0, n + m), window });
  await settleIngest(platform, { from: seen(text), atLeast: entries.acked });
  process.stderr.write(`  ${entries.acked} entries in ${(entries.elapsedMs / 1000).toFixed(1)} s (${Math.round(entries.acked / (entries.elapsedMs / 1000))}/s)\n`);
  // Phase 1, throughput: closed loop.
  process.stderr.write(`  throughput: ${n} exits, ${window} in flight per camera…\n`);
  const closed = await exitPhase(platform, run, { phase: 'out', jobs: jobs('out', 0, n), window, last: m === 0 });
  // Phase 2, latency at a rate: open loop.
  if (m > 0) process.stderr.write(`  latency: ${m} exits at ${rate}/s, open loop…\n`);
  const timed = m > 0 ? await exitPhase(platform, run, { phase: 'out', jobs: jobs('out', n, n + m), window, rate, last: true }) : null;
  child.kill();
  await platform.stop();
  await provider?.stop();

  const db = await databaseFigures(where, closed.done, timed?.done ?? null);
  await database?.drop();
  const figures = {
    benchmark: 'billing', sessions: n + m, gateCameras: gates.length, cores: os.cpus().length, loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    entriesPerSecond: Math.round(entries.acked / (entries.elapsedMs / 1000)),
    invoices: Number(db.totals.invoices), sessionsClosed: Number(db.totals.closed), exceptions: Number(db.totals.exceptions), billedFen: Number(db.totals.fen),
    publishErrors: entries.errors + closed.done.errors + (timed?.done.errors ?? 0),
    throughput: {
      exits: n, window, sessionsBilledPerSecond: Math.round(closed.invoices / closed.wall), seconds: Math.round(closed.wall * 10) / 10,
      // In a closed loop the latency is in-flight / throughput: reported, not the target's figure.
      ...closed.figures,
      exitToChargeMs: { ...closed.figures.exitToChargeMs, ...db.closedPayable },
    },
    atRate: timed && {
      rate, exits: m, seconds: Math.round(timed.wall * 10) / 10, billedPerSecond: Math.round(timed.invoices / timed.wall), publishErrors: timed.done.errors,
      ...timed.figures,
      exitToChargeMs: { ...timed.figures.exitToChargeMs, ...db.ratePayable },
    },
    platform: { process: 'child', database: database ? 'a PostgreSQL server (--database-url)' : 'embedded', paymentProvider: providerPlace === 'own' ? 'a process of its own' : 'in the platform\'s process', exitToInvoiceFrom: 'broker receipt of the exit', exitToChargeFrom: 'exit timestamp (stamped at publish)' },
  };
  console.log(JSON.stringify(figures));
  console.error(`throughput: billed ${figures.throughput.sessionsBilledPerSecond} sessions/s (closed loop, ${n} exits; target ≥ 5,000)`);
  if (figures.atRate) {
    const r = figures.atRate;
    console.error(`at ${rate} exits/s (open loop, ${m} exits): billed ${r.billedPerSecond}/s · exit→invoice p50 ${r.exitToInvoiceMs.p50} ms p99 ${r.exitToInvoiceMs.p99} ms (${r.exitToInvoiceMs.samples} samples; target p99 < 200 ms)`
      + ` · exit→charge p50 ${r.exitToChargeMs.p50} ms p99 ${r.exitToChargeMs.p99} ms (${r.exitToChargeMs.samples} of ${r.exitToChargeMs.payable} payable)`
      + (r.exitToChargeMs.stagesMs ? ` [p50/p99 ms: ${Object.entries(r.exitToChargeMs.stagesMs).map(([k, v]) => `→${k} ${v.p50}/${v.p99}`).join(', ')}]` : ''));
  }
  const c = (f: { cost: { databaseBusyMsPerExit: number; mainBusyMsPerExit: number; syncsPerExit: number } }) => `database ${f.cost.databaseBusyMsPerExit} ms, main ${f.cost.mainBusyMsPerExit} ms, ${f.cost.syncsPerExit} syncs`;
  console.error(`per exit, charges included: closed loop ${c(figures.throughput)}${figures.atRate ? ` · at the rate ${c(figures.atRate)}` : ''}`);
  console.error(`${figures.invoices}/${n + m} invoiced, ${figures.exceptions} exceptions, ${figures.publishErrors} publish errors`);
}

/** What the database holds, read from the same database once the platform has stopped. */
async function databaseFigures(where: Where, closed: ChildDone, timed: ChildDone | null) {
  return withDatabase(where, async (pool) => {
    const { rows } = await pool.query(
      `SELECT (SELECT count(*) FROM invoices) AS invoices, (SELECT count(*) FROM sessions WHERE status = 'closed') AS closed,
              (SELECT count(*) FROM session_exceptions) AS exceptions, (SELECT sum(amount_fen) FROM invoices) AS fen`);
    return { totals: rows[0], closedPayable: await payable(pool, closed), ratePayable: timed ? await payable(pool, timed) : null };
  });
}

/** The run's database: the embedded one in `dataDir`, or the scratch database on a server. */
interface Where { dataDir: string; databaseUrl?: string }

/** Open the run's database (the embedded one only while the platform is not running), run `fn`, close it. */
async function withDatabase<T>(where: Where, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir: where.dataDir, databaseUrl: where.databaseUrl });
  try {
    return await fn(db.pool);
  } finally {
    await db.close();
  }
}

/**
 * Wait for a phase's contactless charges: until the platform's count of them has not moved for
 * 12 s (longer than the auto-charger's 10-second safety-net scan, so nothing is left for it to
 * find), at most 60 s after the phase's last exit was acknowledged (as before the platform moved
 * out of process: under an overloaded open loop charges lag a minute; those still pending show as
 * `charged` < `payable`). Returns the metrics text at that point.
 */
async function chargesSettled(platform: PlatformProcess): Promise<string> {
  const deadline = Date.now() + 60_000;
  let text = await platform.metrics();
  let last = histogram(text, 'onelot_payments_exit_to_charge_seconds').count;
  let since = Date.now();
  while (Date.now() - since < 12_000 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    text = await platform.metrics();
    const count = histogram(text, 'onelot_payments_exit_to_charge_seconds').count;
    if (count !== last) { last = count; since = Date.now(); }
  }
  return text;
}

/** A phase's latencies: from the platform's histograms over its window, and PUBACKs from the load process. */
function windowFigures(before: string, after: string, phase: ChildDone) {
  const toInvoice = latencyBetween(before, after, 'onelot_billing_exit_to_invoice_seconds');
  const toCharge = latencyBetween(before, after, 'onelot_payments_exit_to_charge_seconds');
  const puback = summarize(phase.pubackMs);
  // What the phase cost each thread, exit by exit (busy = event-loop utilization × time, so on a
  // loaded machine it includes time the thread waited for a core), and how many disk syncs its
  // commits took: less sensitive to the machine's load than the rates, and comparable run to run.
  const delta = (name: string, match: Record<string, string> = {}) => sampleValue(after, name, match) - sampleValue(before, name, match);
  const perExit = (x: number) => Math.round((x / Math.max(1, phase.acked)) * 1e6) / 1e3;
  const cost = {
    databaseBusyMsPerExit: perExit(delta('onelot_event_loop_busy_seconds_total', { thread: 'database' })),
    mainBusyMsPerExit: perExit(delta('onelot_event_loop_busy_seconds_total', { thread: 'main' })),
    syncsPerExit: Math.round((delta('onelot_db_syncs_total') / Math.max(1, phase.acked)) * 1000) / 1000,
  };
  return {
    cost,
    // max: the upper bound of the highest histogram bucket observed (null: above 131 s).
    exitToInvoiceMs: { p50: toInvoice.p50, p99: toInvoice.p99, max: toInvoice.maxAtMostMs, mean: toInvoice.meanMs, samples: toInvoice.samples },
    exitPubackMs: { p50: puback.p50, p99: puback.p99 },
    exitToChargeMs: { p50: toCharge.p50, p99: toCharge.p99, max: toCharge.maxAtMostMs, mean: toCharge.meanMs, samples: toCharge.samples },
  };
}

/**
 * Of a phase's sampled (contactless) exits: how many invoices were payable (a free stay's ¥0 never
 * is), how many were charged, and exit → charge p50/p99 of those charges (the exit's timestamp to
 * the charge's success, as onelot_payments_exit_to_charge_seconds measures it). Read here per
 * phase: the histogram over a phase's window also counted the previous phase's charges that
 * settled in it (a rate phase once showed 998 samples for 983 payable exits, p99 41 s).
 */
async function payable(pool: Pool, phase: ChildDone): Promise<{ payable: number; charged: number; p50: number | null; p99: number | null; samples: number; stagesMs: Record<string, { p50: number | null; p99: number | null }> }> {
  const keys = phase.published.map(([k]) => k);
  // Where a charge's time goes, from the database's own clocks (now(): each transaction's start):
  // exit → its invoice issued, → its attempt recorded, → the attempt's success recorded.
  const stages = { issued: 'm.issued_at - m.exit_time', attempt: 'c.created_at - m.issued_at', succeeded: 'c.updated_at - c.created_at' };
  const pcts = (col: string) => `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${col}) AS ${col}_p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ${col}) AS ${col}_p99`;
  const { rows } = await pool.query(
    `WITH mine AS (
       SELECT i.id, i.amount_fen, i.issued_at, s.exit_time FROM invoices i JOIN sessions s ON s.id = i.session_id
        WHERE s.exit_device || '|' || s.exit_seq = ANY($1::text[])
     ), charged AS (
       SELECT extract(epoch FROM c.updated_at - m.exit_time) * 1000 AS ms,
              ${Object.entries(stages).map(([k, d]) => `extract(epoch FROM ${d}) * 1000 AS ${k}`).join(', ')}
         FROM mine m JOIN charges c ON c.invoice_id = m.id AND c.status = 'succeeded' AND c.method = 'contactless'
     )
     SELECT (SELECT count(*) FROM mine WHERE amount_fen > 0) AS payable, (SELECT count(*) FROM charged) AS charged, p.*
       FROM (SELECT ${pcts('ms')}, ${Object.keys(stages).map(pcts).join(', ')} FROM charged) p`, [keys]);
  const ms = (v: unknown) => (v === null ? null : Math.round(Number(v) * 10) / 10);
  const r = rows[0];
  const charged = Number(r.charged);
  const stagesMs = Object.fromEntries(Object.keys(stages).map((k) => [k, { p50: ms(r[`${k}_p50`]), p99: ms(r[`${k}_p99`]) }]));
  return { payable: Number(r.payable), charged, p50: ms(r.ms_p50), p99: ms(r.ms_p99), samples: charged, stagesMs };
}

// Last, so every constant above is initialised before it runs.
if (!process.argv.includes('--child')) await main();
