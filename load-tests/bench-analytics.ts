// npm run bench:analytics [-- --sessions 400000]
// The operators' analytics on a month of parking: N sessions (one every 6 s over 20 demo lots, i.e.
// ~28 days; 95 % paid), then the report for 1, 7 and 30 days computed live from the raw rows (what
// a report would cost without lot_hourly_stats) and from the materialised hours, plus the cost of
// the backfill and of the 5-minute refresh. Every millisecond here is the embedded database's one
// connection held while devices wait, which is why the figures matter.
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { startPlatform } from '../platform.ts';
import { businessExtras } from '../extras.ts';
import { analyticsReport } from '../analytics/report.ts';
import { refreshRecent, summarizeTimeIndexes } from '../analytics/hourly-stats.ts';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '400000' } } });
const n = Number(values.sessions);
const dataDir = path.join(os.tmpdir(), `onelot-bench-analytics-${process.pid}`);
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'warn' });
// No cron: the benchmark decides when the hourly figures are materialised.
const platform = await startPlatform(config, businessExtras(config, { billing: { cron: false } }).extras);
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
await summarizeTimeIndexes(pool); // as the 5-minute job leaves them
const seedMs = ms(t0);

const report = async (days: number) => {
  const to = new Date();
  const times: number[] = [];
  let sessions = 0;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    sessions = (await analyticsReport(pool, new Date(to.getTime() - days * 86_400_000), to, null))!.totals.sessions;
    times.push(ms(t));
  }
  return { days, sessions, ms: Math.min(...times) };
};
const live = [await report(1), await report(7), await report(30)];
t0 = performance.now();
await refreshRecent(pool);
const backfillMs = ms(t0);
t0 = performance.now();
await refreshRecent(pool);
const refreshMs = ms(t0);
const materialised = [await report(1), await report(7), await report(30)];
await platform.close();
rmSync(dataDir, { recursive: true, force: true });

console.log(JSON.stringify({ benchmark: 'analytics', sessions: n, seedMs, live, backfillMs, refreshMs, materialised }));
for (const [i, m] of materialised.entries()) {
  console.error(`${m.days} day(s), ${m.sessions} sessions: ${m.ms} ms from the hourly figures (${live[i].ms} ms from raw rows)`);
}
console.error(`backfill ${backfillMs} ms · 5-minute refresh ${refreshMs} ms (best of 3 per report)`);
