// npm run bench:forecast [-- --lots 300 --train-days 28 --test-days 14 --seed 15]
// How good the free-bays forecast is (issue 15), measured on days it never saw. Weeks of history
// for a sample of the Zhengzhou preset's lots (simulators/history.ts: weekday/weekend, each day's
// own level and drift, event evenings, rainy days); the forecast (core/forecast.ts — the very
// functions the platform's job runs) is fitted on the first `train-days` and scored on the
// following `test-days`, from an origin every 15 minutes of every held-out day:
//   - MAE of free bays at 15, 30 and 60 minutes, against "same as now" and "the profile alone";
//   - calibration: the stated chance of at least one free bay, per decile, against how often there was one;
//   - the time to fit every lot and to forecast every lot (what the platform's jobs do in memory).
// Prints a table on stderr and one JSON line on stdout.
import { parseArgs } from 'node:util';
import { generateCity } from '../seed/city-generator.ts';
import { generateHistory, bucketMeans, type HistoryLot } from '../simulators/history.ts';
import { fitLot, forecastLot, profileAt, STEP_MINUTES, HORIZON_STEPS, type LotModel } from '../core/forecast.ts';

const { values } = parseArgs({ options: {
  lots: { type: 'string', default: '300' },
  'train-days': { type: 'string', default: '28' },
  'test-days': { type: 'string', default: '14' },
  seed: { type: 'string', default: '15' },
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
  fitLot({ capacity: lot.capacity, timeZone: 'Asia/Shanghai', start, free: bucketMeans(free, SAMPLE).subarray(0, trainBuckets) }));
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
process.stdout.write(`${JSON.stringify(result)}\n`);
