// npm run bench:forecast [-- --lots 300 --train-days 28 --test-days 14 --seed 15] [--city [--city-lots 1000]]
// How good the free-bays forecast is (issue 15), measured on days it never saw. Weeks of history
// for a sample of the Zhengzhou preset's lots (simulators/history.ts: weekday/weekend, each day's
// own level and drift, event evenings, rainy days); the forecast (core/forecast.ts — the very
// functions the platform's job runs) is fitted on the first `train-days` and scored on the
// following `test-days`, from an origin every 15 minutes of every held-out day:
//   - MAE of free bays at 15, 30 and 60 minutes, against "same as now" and "the profile alone";
//   - calibration: the stated chance of at least one free bay, per decile, against how often there was one;
//   - the time to fit every lot and to forecast every lot (what the platform's jobs do in memory).
// With --city, then the platform's own job at city scale: `city-lots` lots of the preset (the
// 1,000 garages by default) with 28 days of history written into a fresh data directory
// (lot_occupancy_samples, as ingest samples it), the platform started as `npm start` starts it
// with its jobs on, and the forecast job's runs timed from /metrics (onelot_job_duration_seconds,
// job="forecast-refresh"): the first run fills lot_free_15m from the 28 days of samples and fits
// every lot (what an upgrade does once), the next is the 2-minutely refresh. Takes ~8 minutes: the
// job runs at second 30 of every even minute.
// Prints a table on stderr and one JSON line on stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../core/db/index.ts';
import { startPlatformProcess } from './lib/platform-process.ts';
import { sampleValue } from './lib/stats.ts';
import { generateCity } from '../seed/city-generator.ts';
import { generateHistory, bucketLast, bucketMeans, writeHistory, type HistoryLot } from '../simulators/history.ts';
import { fitLot, forecastLot, profileAt, STEP_MINUTES, HORIZON_STEPS, type LotModel } from '../core/forecast.ts';

const { values } = parseArgs({ options: {
  lots: { type: 'string', default: '300' },
  'train-days': { type: 'string', default: '28' },
  'test-days': { type: 'string', default: '14' },
  seed: { type: 'string', default: '15' },
  city: { type: 'boolean', default: false },
  'city-lots': { type: 'string', default: '1000' },
} });
const nLots = Number(values.lots), trainDays = Number(values['train-days']), testDays = Number(values['test-days']), seed = Number(values.seed);
for (const [k, v] of Object.entries({ lots: nLots, 'train-days': trainDays, 'test-days': testDays, seed })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive whole number`);
}
if (trainDays < 7) throw new Error('--train-days must be at least 7 (a week of profile)');

const ms = (t: number) => Math.round(performance.now() - t);
const log = (s: string) => process.stderr.write(`${s}\n`);

// A sample of the city's lots, evenly spread over garages and street segments.
const city = generateCity({ preset: 'zhengzhou', drivers: 0 });
const every = Math.max(1, Math.floor(city.lots.length / nLots));
const lots: HistoryLot[] = city.lots.filter((_, i) => i % every === 0).slice(0, nLots)
  .map((l) => ({ id: l.id, kind: l.kind, capacity: l.capacity, demand: l.demand }));
// Local midnight in Zhengzhou (UTC+8), a Monday.
const start = new Date('2026-09-06T16:00:00Z');
let t = performance.now();
const history = generateHistory(lots, { start, days: trainDays + testDays, seed });
const generateMs = ms(t);
log(`history: ${lots.length} lots × ${trainDays + testDays} days in ${generateMs} ms; days: ${history.days.map((d) => d.kind[0]).join('')} (n normal, e event, r rain)`);

const SAMPLE = history.sampleMinutes;
const PER_BUCKET = STEP_MINUTES / SAMPLE;
const trainBuckets = (trainDays * 1440) / STEP_MINUTES;
t = performance.now();
const models: Array<LotModel | null> = history.lots.map(({ lot, free }) =>
  fitLot({ capacity: lot.capacity, timeZone: 'Asia/Shanghai', start, free: bucketMeans(free, SAMPLE).subarray(0, trainBuckets), last: bucketLast(free, SAMPLE).subarray(0, trainBuckets) }));
const fitMs = ms(t);

const HORIZONS = [1, 2, 4]; // steps: 15, 30, 60 minutes
const err = { model: [0, 0, 0], now: [0, 0, 0], profile: [0, 0, 0] };
let count = 0;
const deciles = Array.from({ length: 10 }, () => ({ n: 0, said: 0, had: 0 }));
let forecastMs = 0, forecasts = 0;
const ORIGIN_OFFSET = 1; // samples past the bucket start: origins are not on the boundary
for (let li = 0; li < history.lots.length; li++) {
  const model = models[li];
  if (!model) continue;
  const free = history.lots[li].free;
  const means = bucketMeans(free, SAMPLE);
  for (let b = trainBuckets + 8; b < means.length - HORIZON_STEPS - 1; b++) {
    const k = b * PER_BUCKET + ORIGIN_OFFSET; // sample index of "now"
    const at = new Date(start.getTime() + k * SAMPLE * 60_000);
    const f0 = performance.now();
    const steps = forecastLot(model, { at, free: free[k], recent: means.subarray(b - 8, b) });
    forecastMs += performance.now() - f0;
    forecasts++;
    HORIZONS.forEach((h, hi) => {
      const actual = free[k + h * PER_BUCKET];
      err.model[hi] += Math.abs(steps[h - 1].free - actual);
      err.now[hi] += Math.abs(free[k] - actual);
      err.profile[hi] += Math.abs(Math.min(model.capacity, Math.max(0, profileAt(model, steps[h - 1].at.getTime()))) - actual);
    });
    count++;
    for (let h = 1; h <= HORIZON_STEPS; h++) {
      const p = steps[h - 1].chance;
      const d = deciles[Math.min(9, Math.floor(p * 10))];
      d.n++; d.said += p; d.had += free[k + h * PER_BUCKET] >= 1 ? 1 : 0;
    }
  }
}

const mae = (a: number[]) => a.map((x) => Math.round((x / count) * 100) / 100);
const result = {
  lots: lots.length, fitted: models.filter(Boolean).length, trainDays, testDays, origins: count,
  maeFreeBays: { horizonsMinutes: HORIZONS.map((h) => h * STEP_MINUTES), forecast: mae(err.model), sameAsNow: mae(err.now), profileAlone: mae(err.profile) },
  improvementVsSameAsNowPct: HORIZONS.map((_, i) => Math.round((1 - err.model[i] / err.now[i]) * 1000) / 10),
  calibration: deciles.map((d, i) => ({ decile: `${i * 10}-${i * 10 + 10}%`, n: d.n, stated: d.n ? Math.round((d.said / d.n) * 1000) / 10 : null, observed: d.n ? Math.round((d.had / d.n) * 1000) / 10 : null })),
  timings: { generateMs, fitMsAllLots: fitMs, fitMsPerLot: Math.round((fitMs / lots.length) * 100) / 100, forecastUsPerLot: Math.round((forecastMs / forecasts) * 1000 * 10) / 10 },
};

log('\nMAE of free bays on held-out days (lower is better)');
log('horizon   forecast   same as now   profile alone   vs same as now');
HORIZONS.forEach((h, i) => log(`${String(h * STEP_MINUTES).padStart(4)} min  ${String(result.maeFreeBays.forecast[i]).padStart(8)}   ${String(result.maeFreeBays.sameAsNow[i]).padStart(11)}   ${String(result.maeFreeBays.profileAlone[i]).padStart(13)}   ${String(-result.improvementVsSameAsNowPct[i]).padStart(6)} %`));
log('\nCalibration of "chance of at least one free bay" (all horizons 15–120 min)');
log('stated decile   times    stated %   observed %   gap');
for (const c of result.calibration) {
  if (!c.n) continue;
  log(`${c.decile.padEnd(13)} ${String(c.n).padStart(8)}   ${String(c.stated).padStart(8)}   ${String(c.observed).padStart(10)}   ${(c.observed! - c.stated!).toFixed(1).padStart(5)}`);
}
log(`\nfit: ${fitMs} ms for ${lots.length} lots; forecast: ${result.timings.forecastUsPerLot} µs per lot`);
const platform = values.city ? await cityStage(Number(values['city-lots'])) : null;
process.stdout.write(`${JSON.stringify({ ...result, platform })}\n`);

/** The platform's forecast job on `n` lots of the preset with 28 days of history; seconds per run from /metrics. */
async function cityStage(n: number) {
  if (!Number.isInteger(n) || n < 1) throw new Error('--city-lots must be a positive whole number');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-bench-forecast-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  log(`\ncity stage: creating the platform's database in ${dataDir}…`);
  await (await startPlatformProcess({ dataDir, env: { SEED_DEMO: 'false' } })).stop();
  const chosen = [...city.lots.filter((l) => l.kind === 'garage'), ...city.lots.filter((l) => l.kind === 'street')].slice(0, n);
  const days = 28;
  const end = Math.floor(Date.now() / 900_000) * 900_000;
  let t0 = performance.now();
  const hist = generateHistory(chosen.map((l) => ({ id: l.id, kind: l.kind, capacity: l.capacity, demand: l.demand })), { start: new Date(end - days * 86_400_000), days, seed, sampleMinutes: 15 });
  log(`city stage: ${chosen.length} lots × ${days} days generated in ${ms(t0)} ms; writing…`);
  const db = await openDatabase({ dataDir });
  let rows: number;
  try {
    const pool = db.pool;
    await pool.query(`INSERT INTO operators (id, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`, [city.operators.map((o) => o.id), city.operators.map((o) => o.name)]);
    await pool.query(
      `INSERT INTO lots (id, operator_id, name, name_en, kind, district, lat, lng, capacity)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::int[])`,
      [chosen.map((l) => l.id), chosen.map((l) => l.operatorId), chosen.map((l) => l.name), chosen.map((l) => l.nameEn), chosen.map((l) => l.kind),
        chosen.map((l) => l.district), chosen.map((l) => l.lat), chosen.map((l) => l.lng), chosen.map((l) => l.capacity)],
    );
    const last = new Map(hist.lots.map(({ lot, free }) => [lot.id, free[free.length - 1]]));
    await pool.query(`INSERT INTO lot_availability (lot_id, free, occupied, unknown) SELECT id, f, c - f, 0 FROM unnest($1::text[], $2::int[], $3::int[]) AS x(id, f, c)`,
      [chosen.map((l) => l.id), chosen.map((l) => last.get(l.id)!), chosen.map((l) => l.capacity)]);
    t0 = performance.now();
    rows = await writeHistory(pool, hist);
    log(`city stage: ${rows} occupancy samples written in ${ms(t0)} ms`);
  } finally {
    await db.close();
  }
  const platform = await startPlatformProcess({ dataDir, env: { SEED_DEMO: 'false', SCHEDULED_JOBS: 'true' } });
  try {
    const runs = async () => sampleValue(await platform.metrics(), 'onelot_job_duration_seconds_count', { job: 'forecast-refresh', outcome: 'ok' });
    const last = async () => sampleValue(await platform.metrics(), 'onelot_job_last_duration_seconds', { job: 'forecast-refresh' });
    const waitRuns = async (k: number) => {
      const deadline = Date.now() + 600_000;
      while ((await runs()) < k) {
        if (Date.now() > deadline) throw new Error(`the forecast job did not complete run ${k} within 10 minutes`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      return last();
    };
    log('city stage: waiting for the forecast job (it runs at second 30 of every even minute)…');
    const firstS = await waitRuns(1);
    log(`city stage: first run (fill lot_free_15m from the samples, fit ${chosen.length} lots, forecast them): ${firstS.toFixed(2)} s`);
    const refreshS = await waitRuns(2);
    log(`city stage: 2-minutely refresh: ${refreshS.toFixed(3)} s`);
    const curve = await (await fetch(`${platform.httpUrl}/api/v1/lots/${chosen[0].id}/forecast`)).json() as { historyDays: number | null };
    return { lots: chosen.length, historyDays: days, samples: rows, firstRunSeconds: firstS, refreshSeconds: refreshS, servedHistoryDays: curve.historyDays };
  } finally {
    await platform.stop();
  }
}
