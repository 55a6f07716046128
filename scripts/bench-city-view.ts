// npm run bench:city-view [-- --lots 1260 --days 7 --runs 2]
// What the console's city view costs the embedded database (analytics/city-view.ts): N lots (the
// whole-city preset has ~1,260 garages and street segments) with a sample every 15 minutes for D
// days, the 15-minute aggregate refreshed, then the picture of every lot drawn cold R times (each a
// run of six-hour queries on the one connection ingest also commits through) and once warm. Prints
// one JSON line: the longest single query, the whole picture, and the warm call, in ms.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CityPictures } from '../analytics/index.ts';
import { migrate, openDatabase } from '../core/db/index.ts';

const { values } = parseArgs({ options: { lots: { type: 'string', default: '1260' }, days: { type: 'string', default: '7' }, runs: { type: 'string', default: '2' } } });
const [lots, days, runs] = [Number(values.lots), Number(values.days), Number(values.runs)];
const dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-bench-city-view-'));
const db = await openDatabase({ dataDir: dir });
const pool = db.pool;
// Every query's time, from the pool: the longest is what one slice holds the connection.
const times: number[] = [];
const query = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
(pool as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = async (...a: unknown[]) => {
  const t = performance.now();
  try { return await query(...a); } finally { times.push(performance.now() - t); }
};
try {
  await migrate(pool);
  await pool.query(`INSERT INTO operators (id, name) VALUES ('op-bench', 'bench')`);
  await pool.query(`INSERT INTO lots (id, operator_id, name, name_en, kind, district, lat, lng, capacity)
    SELECT 'B-' || i, 'op-bench', 'lot ' || i, 'lot ' || i, 'street', 'Jinshui', 34.70 + (i % 40) * 0.002, 113.60 + (i / 40) * 0.002, 20
      FROM generate_series(1, $1::int) i`, [lots]);
  let t = performance.now();
  await pool.query(`INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
    SELECT s, l.id, 5, 15, 0 FROM lots l, generate_series(date_trunc('hour', now()) - make_interval(days => $1::int), now(), interval '15 minutes') s`, [days]);
  await pool.query(`CALL refresh_continuous_aggregate('lot_occupancy_15m', now() - make_interval(days => $1::int + 1), now())`, [days]);
  const loadMs = performance.now() - t;
  const cold: number[] = [];
  let longest = 0;
  for (let i = 0; i < runs; i++) {
    times.length = 0;
    t = performance.now();
    await new CityPictures(pool).view(28, null);
    cold.push(performance.now() - t);
    longest = Math.max(longest, ...times);
  }
  const pictures = new CityPictures(pool);
  await pictures.view(28, null);
  t = performance.now();
  await pictures.view(28, null);
  const round = (x: number) => Math.round(x);
  console.log(JSON.stringify({ benchmark: 'city-view', lots, days, samples: lots * days * 96, loadMs: round(loadMs), coldMs: cold.map(round), longestQueryMs: round(longest), warmMs: round(performance.now() - t), load: os.loadavg().map((x) => x.toFixed(1)).join(' ') }));
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
