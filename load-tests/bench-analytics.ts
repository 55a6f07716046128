// npm run bench:analytics [-- --sessions 400000]
// The operators' analytics on a month of parking: N sessions (one every 6 s over 20 demo lots, i.e.
// ~28 days; 95 % paid), then the report for 1, 7 and 30 days as an operator gets it
// (GET /api/v1/operator/analytics, signed in over HTTP), against the same figures computed from the
// raw rows (what a report would cost without lot_hourly_stats), the one-time backfill
// (migrations/008's statement), and the 10-second fold of 30,000 deltas that the ingest path
// appends (what appending costs it: bench:billing). Every millisecond here is the embedded
// database's one connection held while devices wait, which is why the figures matter.
//
// The platform runs as `npm start` runs it, in its own process, started twice on one data
// directory: first to create the demo district, then, after this process has written the month
// with plain SQL (core/db on the same directory; the platform is stopped, the embedded database has
// one owner), with its node-cron jobs on, so its own 10-second job folds the deltas
// (onelot_analytics_fold_seconds, onelot_analytics_deltas_folded_total) before the reports are timed.
// The seed, the backfill and the raw-row figures run on this process's own copy of the engine,
// with the platform stopped: the same PGlite, the same data, no competition.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase, type Pool } from '../core/db/index.ts';
import { addOperatorAdmin } from './lib/console-account.ts';
import { counter, histogram } from './lib/stats.ts';
import { startPlatformProcess } from './lib/platform-process.ts';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '400000' } } });
const n = Number(values.sessions);
if (!Number.isInteger(n) || n < 1) throw new Error('--sessions must be a positive integer');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-bench-analytics-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const ms = (t0: number) => Math.round(performance.now() - t0);
const best = async (f: () => Promise<unknown>) => {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) { const t = performance.now(); await f(); times.push(ms(t)); }
  return Math.min(...times);
};
const DAYS = [1, 7, 30];
const FOLD_DELTAS = 30_000;
const operator = { account: 'bench-analytics', password: randomBytes(12).toString('base64url') };

// 1. The demo district, as a first `npm start` makes it.
process.stderr.write('creating the demo district…\n');
await (await startPlatformProcess({ dataDir })).stop();

// 2. A month of parking, written directly; the hourly figures filled as migrations/008 fills them.
process.stderr.write(`seeding ${n} sessions and invoices…\n`);
const db = await openDatabase({ dataDir });
let seedMs: number;
let backfillMs: number;
const rawMs = new Map<number, number>();
try {
  const pool: Pool = db.pool;
  let t0 = performance.now();
  await pool.query(`
    INSERT INTO sessions (lot_id, plate, plate_kind, status, entry_time, exit_time, entry_device, entry_seq, exit_device, exit_seq)
    SELECT l.id, '豫A' || lpad((g % 100000)::text, 5, '0'), 'standard', 'closed',
           now() - ($1 * interval '6 seconds') + g * interval '6 seconds' - interval '2 hours',
           now() - ($1 * interval '6 seconds') + g * interval '6 seconds', 'bench', g, 'bench', g
      FROM generate_series(1, $1::int) g CROSS JOIN LATERAL (SELECT id FROM lots ORDER BY id OFFSET (g % 20) LIMIT 1) l`, [n]);
  await pool.query(`
    INSERT INTO invoices (session_id, lot_id, plate, amount_fen, lines, tariff_id, tariff_version, status, issued_at, due_at, paid_at)
    SELECT id, lot_id, plate, 500, '[]', 'bench', 1, CASE WHEN id % 20 = 0 THEN 'outstanding' ELSE 'paid' END,
           exit_time, exit_time + interval '7 days', CASE WHEN id % 20 = 0 THEN NULL ELSE exit_time + interval '1 minute' END
      FROM sessions WHERE entry_device = 'bench'`);
  await pool.query('ANALYZE');
  seedMs = ms(t0);

  // Seeded with SQL, around the statements that keep the table: fill it as the migration does.
  await pool.query('DELETE FROM lot_hourly_stats');
  await pool.query('DELETE FROM lot_hourly_deltas');
  t0 = performance.now();
  await pool.query(`INSERT INTO lot_hourly_stats SELECT * FROM lot_hourly_stats_between('-infinity', 'infinity')`);
  backfillMs = ms(t0);

  // The same figures from the raw rows: what every report would cost without the table.
  const to = new Date();
  for (const days of DAYS) {
    const from = new Date(to.getTime() - days * 86_400_000);
    rawMs.set(days, await best(() => pool.query('SELECT count(*) FROM lot_hourly_stats_between($1, $2)', [from.toISOString(), to.toISOString()])));
  }

  // The 10-second fold: 30,000 deltas (10 s of bench:billing's rate, one per session event) over
  // 20 lots and the last 2 hours, for the platform's job to move into lot_hourly_stats. Each
  // (lot, hour) gets as many -1 as +1 deltas: the fold does the same work, and the month the
  // reports show stays the month seeded.
  await pool.query(`INSERT INTO lot_hourly_deltas SELECT l.id, date_trunc('hour', now() - (g % 2) * interval '1 hour', 'UTC'), s, s, s * 120, s * 500, s * 500
                      FROM generate_series(1, ${FOLD_DELTAS}) g CROSS JOIN LATERAL (SELECT CASE WHEN (g / 20) % 2 = 0 THEN 1 ELSE -1 END AS s) sign
                      CROSS JOIN LATERAL (SELECT id FROM lots ORDER BY id OFFSET (g % 20) LIMIT 1) l`);
  // An operator to sign in as, made as npm run operator:add makes one.
  await addOperatorAdmin(pool, operator.account, 'Bench analytics', operator.password);
} finally {
  await db.close();
}

// 3. The platform with its scheduled jobs: the fold runs at the next 10-second slot.
const platform = await startPlatformProcess({ dataDir, env: { SCHEDULED_JOBS: 'true' } });
const runs: Array<{ days: number; sessions: number; reportMs: number; rawMs: number }> = [];
let fold: { deltas: number; ms: number | null; folds: number };
try {
  process.stderr.write('waiting for the platform\'s analytics fold (every 10 s)…\n');
  const deadline = Date.now() + 30_000;
  let text = await platform.metrics();
  while (counter(text, 'onelot_analytics_deltas_folded_total') < FOLD_DELTAS && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    text = await platform.metrics();
  }
  const h = histogram(text, 'onelot_analytics_fold_seconds');
  // Only the first fold had deltas; later ones (none yet, as a rule) find the table empty.
  fold = { deltas: counter(text, 'onelot_analytics_deltas_folded_total'), ms: h.count ? Math.round(h.sum * 1000) : null, folds: h.count };

  const login = await fetch(`${platform.httpUrl}/api/v1/operator/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(operator),
  });
  if (!login.ok) throw new Error(`POST /api/v1/operator/login answered ${login.status}: ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  for (const days of DAYS) {
    const to = new Date();
    const from = new Date(to.getTime() - days * 86_400_000);
    const url = `${platform.httpUrl}/api/v1/operator/analytics?from=${from.toISOString()}&to=${to.toISOString()}`;
    let sessions = 0;
    const reportMs = await best(async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
      sessions = ((await res.json()) as { totals: { sessions: number } }).totals.sessions;
    });
    runs.push({ days, sessions, reportMs, rawMs: rawMs.get(days)! });
  }
} finally {
  await platform.stop();
}

console.log(JSON.stringify({ benchmark: 'analytics', sessions: n, seedMs, backfillMs, runs, fold, reportOver: 'HTTP', platform: { process: 'child' } }));
for (const r of runs) console.error(`${r.days} day(s), ${r.sessions} sessions: report ${r.reportMs} ms over HTTP (the same figures from raw rows: ${r.rawMs} ms)`);
console.error(`backfill of ${n} sessions: ${backfillMs} ms · folding ${fold.deltas} deltas: ${fold.ms} ms (the platform's job; best of 3 per report)`);
