// npm run chaos [-- --scenario all|ingest-kill|payments-kill|stall|clock|storm --seed 1 --short --fuzz 800,300,200]
// The platform in its own process, as `npm start` runs it, under the failures of issue 12 ("Safe to
// put on the internet"): kill -9 at full ingest, kill -9 during contactless charging and webhooks,
// a stalled database, device clocks that lie, a reconnect storm. Each scenario prints its figures
// with what it requires (docs/security.md, "Chaos"); the whole run prints one JSON line on stdout
// and a table on stderr, and exits 1 when any requirement failed. `--short` is the seeded small
// version `npm test` runs (load-tests/chaos.test.ts); the seed picks the moments of the kills.
// `--fuzz PAYLOADS,PACKETS,REQUESTS` then runs `npm run fuzz`'s attacks, with those counts and the
// same seed, on the platform the scenarios left behind (load-tests/fuzz/run.ts): `npm test` gets
// its short fuzz without starting a platform of its own for it.
import { parseArgs } from 'node:util';
import { seededRandom } from '../core/random.ts';
import { createHarness, type Harness, type Platform, type ScenarioResult } from './chaos/harness.ts';
import { ingestKill } from './chaos/ingest-kill.ts';
import { clockScenario } from './chaos/clock.ts';
import { stallScenario } from './chaos/stall.ts';
import { stormScenario } from './chaos/storm.ts';
import { paymentsKill } from './chaos/payments-kill.ts';
import { startProvider, type ProviderProcess } from './lib/provider-process.ts';
import { runFuzz, type FuzzCounts } from './fuzz/run.ts';
import { formatReport } from './fuzz/report.ts';
import type { Check, FuzzFindings } from './fuzz/report.ts';

// In this order: the kills last, each leaves a restarted platform behind.
const SCENARIOS = ['clock', 'stall', 'storm', 'ingest-kill', 'payments-kill'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: args } = parseArgs({ options: {
  scenario: { type: 'string', default: 'all' },
  seed: { type: 'string', default: '1' },
  short: { type: 'boolean', default: false },
  fuzz: { type: 'string' },
} });
const chosen: Scenario[] = args.scenario === 'all' ? [...SCENARIOS] : args.scenario!.split(',') as Scenario[];
for (const s of chosen) {
  if (!SCENARIOS.includes(s)) {
    process.stderr.write(`--scenario must be all or a comma-separated list of ${SCENARIOS.join(', ')}; got ${s}\n`);
    process.exit(2);
  }
}
const seed = Number(args.seed);
const fuzzCounts: FuzzCounts | undefined = args.fuzz === undefined ? undefined : (() => {
  const [payloads, packets, requests] = args.fuzz.split(',').map(Number);
  if (![payloads, packets, requests].every((n) => Number.isInteger(n) && n >= 0)) {
    process.stderr.write(`--fuzz must be PAYLOADS,PACKETS,REQUESTS (three counts); got ${args.fuzz}\n`);
    process.exit(2);
  }
  return { payloads, packets, requests };
})();
const random = seededRandom(seed);
const short = args.short!;
// The full run's sizes, and the short one's (inside `npm test`: ~80 s with --fuzz at load 15 on
// 2 cores, most of it the two platform starts). The short one kills at a seeded count of PUBACKs
// and holds the database only until the read gate has closed and stayed closed a second
// (stallS 0): the platform's own signals, no fixed waits.
const size = short
  ? { devices: 100, window: 8, killMs: [1500, 2500], killAcks: [800, 1600], sensors: 5, stallDevices: 50, stallRate: 500, stallS: 0, backlogMax: 500, storm: 300, invoices: 20 }
  : { devices: 1000, window: 8, killMs: [6000, 12_000], killAcks: undefined, sensors: 50, stallDevices: 1000, stallRate: 5000, stallS: 15, backlogMax: 10_000, storm: 5000, invoices: 300 };

const started = Date.now();
const log = (m: string) => process.stderr.write(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`);
const between = ([lo, hi]: number[]) => Math.round(lo + random() * (hi - lo));

interface Fuzzed { findings: FuzzFindings; results: Check[]; seconds: number }

async function run(h: Harness): Promise<{ results: ScenarioResult[]; fuzz?: Fuzzed }> {
  const results: ScenarioResult[] = [];
  let fuzz: Fuzzed | undefined;
  // The short run stops reading at 500 uncommitted messages (the default is 10,000), so its
  // 500 msg/s close the read gate about a second into the stall.
  h.env.INGEST_BACKLOG_MAX = String(size.backlogMax);
  let provider: ProviderProcess | undefined;
  if (chosen.includes('payments-kill')) {
    // The provider outlives the platform's kills; every start of the platform uses it.
    const secret = `chaos-webhook-secret-${seed}-${Date.now()}`;
    provider = await startProvider({ webhookUrl: `${h.httpUrl}/api/v1/payments/webhook`, secret, latencyMs: 300 });
    Object.assign(h.env, { PAYMENT_PROVIDER_URL: provider.url, PAYMENT_WEBHOOK_SECRET: secret });
  }
  log(`starting the platform as npm start does (data in ${h.dataDir})…`);
  let p: Platform = await h.start();
  try {
    for (const s of chosen) {
      log(`scenario ${s}`);
      if (s === 'ingest-kill') {
        const r = await ingestKill(h, p, { devices: size.devices, window: size.window, killAfterMs: between(size.killMs), killAtAcked: size.killAcks && between(size.killAcks) });
        p = r.platform;
        results.push(r.result);
      } else if (s === 'payments-kill') {
        const r = await paymentsKill(h, p, { invoices: size.invoices, random, provider: provider! });
        p = r.platform;
        results.push(r.result);
      } else if (s === 'stall') {
        results.push(await stallScenario(h, p, { devices: size.stallDevices, rate: size.stallRate, stallS: size.stallS, backlogMax: size.backlogMax }));
      } else if (s === 'clock') {
        results.push(await clockScenario(p, { sensors: size.sensors }));
      } else {
        results.push(await stormScenario(h, p, { devices: size.storm }));
      }
    }
    if (fuzzCounts) {
      log(`fuzz (${args.fuzz}) on the platform the scenarios left behind`);
      const t0 = Date.now();
      fuzz = { ...await runFuzz(p, { seed, counts: fuzzCounts, dataDir: h.dataDir, tmpDir: p.tmpDir, say: log }), seconds: 0 };
      fuzz.seconds = Math.round((Date.now() - t0) / 1000);
    }
  } finally {
    await h.stop(p);
    await provider?.stop();
  }
  return { results, fuzz };
}

function table(results: ScenarioResult[]): string {
  const lines = ['', `OneLot chaos report (seed ${seed}${short ? ', short' : ''})`];
  for (const r of results) {
    lines.push('', `${r.pass ? 'PASS' : 'FAIL'}  ${r.scenario}`);
    for (const f of r.figures) {
      const mark = f.pass === undefined ? '    ' : f.pass ? ' ok ' : 'FAIL';
      lines.push(`  ${mark} ${f.name}: ${f.value}${f.unit ? ` ${f.unit}` : ''}${f.want ? `   (required: ${f.want})` : ''}`);
    }
    for (const n of r.notes ?? []) lines.push(`       ${n}`);
  }
  return `${lines.join('\n')}\n`;
}

const maxDevices = Math.max(size.devices, size.stallDevices, chosen.includes('storm') ? size.storm : 0);
const harness = await createHarness({ devices: maxDevices, log });
let code = 0;
try {
  const { results, fuzz } = await run(harness);
  process.stderr.write(table(results));
  if (fuzz) process.stderr.write(`\n${formatReport(fuzz.findings, fuzz.results)}\n`);
  const fuzzPass = !fuzz || fuzz.results.every((c) => c.pass);
  const f = fuzz?.findings;
  const fuzzSummary = fuzz && { report: 'onelot-fuzz', seed, counts: fuzzCounts, seconds: fuzz.seconds, checks: fuzz.results, memory: f!.memory, payloads: f!.payloads?.sent ?? 0, packets: f!.packets?.sent ?? 0, requests: f!.api?.sent ?? 0 };
  process.stdout.write(`${JSON.stringify({ report: 'onelot-chaos', seed, short, seconds: Math.round((Date.now() - started) / 1000), pass: results.every((r) => r.pass) && fuzzPass, scenarios: results, fuzz: fuzzSummary })}\n`);
  code = results.every((r) => r.pass) && fuzzPass ? 0 : 1;
} catch (err) {
  log(`chaos run failed: ${(err as Error).stack ?? err}`);
  code = 1;
} finally {
  harness.cleanup();
}
process.exit(code);
