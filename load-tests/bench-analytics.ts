// npm run bench:analytics [-- --sessions 400000]
// The operators' analytics on a month of parking: N sessions (one every 6 s over 20 demo lots, i.e.
// ~28 days; 95 % paid), then the report for 1, 7 and 30 days from lot_hourly_stats, against the
// same figures computed from the raw rows (what a report would cost without the table), and the
// one-time backfill (migrations/008 does it for history). Every millisecond here is the embedded
// database's one connection held while devices wait, which is why the figures matter. Also the
// 10-second fold of the deltas the ingest path appends (what appending costs it: bench:billing).
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { cityModules, startPlatform } from '../platform.ts';
import { analyticsReport } from '../analytics/report.ts';
import { foldHourlyDeltas, recomputeHourlyStats } from '../analytics/hourly-stats.ts';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '400000' } } });
const n = Number(values.sessions);
const dataDir = path.join(os.tmpdir(), `onelot-bench-analytics-${process.pid}`);
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'warn', SCHEDULED_JOBS: 'false' });
// No cron: the benchmark decides when the hourly figures are materialised.
const platform = await startPlatform(config, { modules: cityModules(config).modules });
const pool = platform.db.pool;
const ms = (t0: number) => Math.round(performance.now() - t0);

process.stderr.write(`seeding ${n} sessions and invoices…\n`);
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
const seedMs = ms(t0);

// Seeded with SQL, around the statements that keep the table: fill it as the migration would.
t0 = performance.now();
await recomputeHourlyStats(pool, new Date(0), new Date(Date.now() + 86_400_000));
const backfillMs = ms(t0);

const best = async (f: () => Promise<unknown>) => {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) { const t = performance.now(); await f(); times.push(ms(t)); }
  return Math.min(...times);
};
const runs = [];
for (const days of [1, 7, 30]) {
  const to = new Date();
  const from = new Date(to.getTime() - days * 86_400_000);
  let sessions = 0;
  const reportMs = await best(async () => { sessions = (await analyticsReport(pool, from, to, null))!.totals.sessions; });
  const rawMs = await best(() => pool.query('SELECT count(*) FROM lot_hourly_stats_between($1, $2)', [from.toISOString(), to.toISOString()]));
  runs.push({ days, sessions, reportMs, rawMs });
}
// The 10-second fold: 30,000 deltas (10 s of bench:billing's rate, one per session event) over
// 20 lots and the last 2 hours, moved into lot_hourly_stats.
await pool.query(`INSERT INTO lot_hourly_deltas SELECT l.id, date_trunc('hour', now() - (g % 2) * interval '1 hour', 'UTC'), 1, 1, 120, 500, 500
                    FROM generate_series(1, 30000) g CROSS JOIN LATERAL (SELECT id FROM lots ORDER BY id OFFSET (g % 20) LIMIT 1) l`);
t0 = performance.now();
const folded = await foldHourlyDeltas(pool);
const foldMs = ms(t0);
await platform.close();
rmSync(dataDir, { recursive: true, force: true });

console.log(JSON.stringify({ benchmark: 'analytics', sessions: n, seedMs, backfillMs, runs, fold: { deltas: folded, ms: foldMs } }));
for (const r of runs) console.error(`${r.days} day(s), ${r.sessions} sessions: report ${r.reportMs} ms (the same figures from raw rows: ${r.rawMs} ms)`);
console.error(`backfill of ${n} sessions: ${backfillMs} ms · folding ${folded} deltas: ${foldMs} ms (best of 3 per report)`);
