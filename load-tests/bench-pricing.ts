// npm run bench:pricing [-- --blocks 60 --weeks 16 --elasticity -0.4 --seed 1]
// Do the platform's price steps keep a space free? Simulated street blocks, minute by minute, over
// weeks: drivers arrive with simulators/demand.ts's Zhengzhou time-of-day curve (weekends quieter,
// each day its own noise), each block with its own popularity, and respond to the hourly price
// with a constant elasticity (default −0.4: Pierce & Shoup 2013, the SFpark evaluation; see
// docs/pricing.md). A driver who finds the block full is turned away (cruises on). Every Monday the
// platform's own recommendation code (billing/pricing/recommend.ts via billing/index.ts:
// recommendationWindow + recommendPrices) reads the block's occupancy by hour under the price in
// force, and its step is accepted and takes effect at once (as next Monday's version would).
// Prints, for the first two weeks (one price everywhere) and the last two, the share of priced
// block-hours (07:00–22:00) inside the target band, above and below it, and the drivers turned away.
// Pure simulation: no platform process, no database — the question is the policy, not the I/O.
import { parseArgs } from 'node:util';
import { DEFAULT_POLICY, parseTariff, recommendationWindow, recommendPrices, type HourOccupancy, type Tariff } from '../billing/index.ts';
import { seededRandom } from '../core/random.ts';
import { BASE_TURNOVER, demandAtHour, dwellMinutes, normal, poisson } from '../simulators/demand.ts';

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '60' },
    weeks: { type: 'string', default: '16' },
    elasticity: { type: 'string', default: '-0.4' },
    seed: { type: 'string', default: '1' },
  },
});
const BLOCKS = Number(values.blocks);
const WEEKS = Number(values.weeks);
const ELASTICITY = Number(values.elasticity);
if (!Number.isInteger(BLOCKS) || BLOCKS < 1) throw new Error('--blocks must be a positive integer');
if (!Number.isInteger(WEEKS) || WEEKS < 6) throw new Error('--weeks must be an integer of at least 6 (two before, two after, and time to adjust)');
if (!(ELASTICITY <= 0 && ELASTICITY > -3)) throw new Error('--elasticity must be between -3 and 0, e.g. -0.4');

const DAY_MIN = 1440;
const WEEK_MIN = 7 * DAY_MIN;
const policy = DEFAULT_POLICY;
/** Hours counted as priced block-hours: the hours SFpark counted were its metered hours. */
const PRICED = (h: number) => h >= 7 && h < 22;

// SFpark-like time bands, one price each, ¥3/h by day and ¥1/h at night to start with everywhere.
const band = (name: string, from: string, to: string, fen: number) => ({ name, from, to, pricing: { kind: 'units' as const, unit: { minutes: 60, fen } } });
const START: Tariff = parseTariff({
  id: 'bench-v1', lotId: 'bench', version: 1, validFrom: '2026-01-05T00:00:00+08:00', name: 'Bench street', timeZone: 'Asia/Shanghai', graceMinutes: 0,
  bands: [band('Morning', '07:00', '10:00', 300), band('Midday', '10:00', '13:00', 300), band('Afternoon', '13:00', '16:00', 300),
    band('Evening', '16:00', '19:00', 300), band('Night-life', '19:00', '22:00', 300), band('Night', '22:00', '07:00', 100)],
});
/** The hourly price at local hour h under tariff t. */
function priceAt(t: Tariff, h: number): number {
  const b = t.bands.find((x) => {
    const f = Number(x.from.slice(0, 2));
    const e = Number(x.to.slice(0, 2));
    return f < e ? h >= f && h < e : h >= f || h < e;
  })!;
  return b.pricing.kind === 'units' ? (b.pricing.unit.fen * 60) / b.pricing.unit.minutes : 0;
}

interface Block { capacity: number; demand: number; tariff: Tariff; since: number; parked: number[]; occ: Float64Array; turnedAway: Int32Array }

const rng = seededRandom(Number(values.seed));
const blocks: Block[] = Array.from({ length: BLOCKS }, () => ({
  capacity: 8 + Math.floor(rng() * 33), // street segments of 8–40 bays, as seed/city-generator.ts makes them
  // Popularity: lognormal around 1, so some blocks overflow at the peaks and some stay half empty.
  demand: Math.exp(0.45 * normal(rng)),
  tariff: START,
  since: 0,
  parked: [],
  occ: new Float64Array(WEEKS * 7 * 24), // occupied bay-minutes per hour
  turnedAway: new Int32Array(WEEKS * 7),
}));

const started = performance.now();
const steps = { up: 0, down: 0 };
const dayNoise = Array.from({ length: WEEKS * 7 }, () => Math.exp(0.12 * normal(rng)));
for (let minute = 0; minute < WEEKS * WEEK_MIN; minute++) {
  const day = Math.floor(minute / DAY_MIN);
  const hourOfDay = Math.floor((minute % DAY_MIN) / 60);
  // Day 0 is a Monday (the bench's weeks start with the platform's steps).
  const weekend = day % 7 >= 5 ? 0.8 : 1;
  const base = demandAtHour(hourOfDay + (minute % 60) / 60) * weekend * dayNoise[day];
  for (const b of blocks) {
    b.parked = b.parked.filter((until) => until > minute);
    // Demand responds to the price with constant elasticity: rate ∝ (p / p0)^ε.
    const p = priceAt(b.tariff, hourOfDay);
    const p0 = priceAt(START, hourOfDay);
    const response = p > 0 && p0 > 0 ? (p / p0) ** ELASTICITY : 1;
    const rate = b.capacity * base * b.demand * BASE_TURNOVER.street * response / 60;
    for (let n = poisson(rate, rng); n > 0; n--) {
      if (b.parked.length < b.capacity) b.parked.push(minute + Math.max(1, Math.round(dwellMinutes('street', rng))));
      else b.turnedAway[day]++;
    }
    b.occ[Math.floor(minute / 60)] += b.parked.length / b.capacity;
  }
  // Monday 00:00 of each later week: the platform's weekly run, accepted and in force at once.
  if ((minute + 1) % WEEK_MIN === 0 && minute + 1 < WEEKS * WEEK_MIN) {
    const week = (minute + 1) / WEEK_MIN; // weeks completed
    for (const b of blocks) {
      if (week < 2) continue; // the first two weeks are the "before": one price everywhere
      const now = new Date(week * WEEK_MIN * 60_000);
      const window = recommendationWindow(now, policy.lookbackWeeks, new Date(b.since * 60_000));
      if (!window) continue;
      const fromHour = Math.floor(window.from.getTime() / 3_600_000);
      const sums = Array.from({ length: 24 }, () => ({ sum: 0, n: 0 }));
      for (let h = fromHour; h < week * 7 * 24; h++) { sums[h % 24].sum += b.occ[h] / 60; sums[h % 24].n += 4; }
      const hourly: HourOccupancy[] = sums.map((s, hour) => ({ hour, occupancy: s.n ? s.sum / (s.n / 4) : 0, buckets: s.n }));
      const rec = recommendPrices(b.tariff, hourly, policy);
      if (!rec.proposal) continue;
      for (const s of rec.steps) if (s.direction !== 'hold') steps[s.direction]++;
      b.tariff = parseTariff({ ...rec.proposal, id: `bench-v${b.tariff.version + 1}`, lotId: 'bench', version: b.tariff.version + 1, validFrom: now.toISOString() });
      b.since = week * WEEK_MIN;
    }
  }
}

/** Shares of priced block-hours in, above and below the target band, and drivers turned away per day, over weeks [w0, w1). */
function figures(w0: number, w1: number) {
  let inBand = 0, above = 0, below = 0, away = 0, total = 0;
  for (const b of blocks) {
    for (let h = w0 * 168; h < w1 * 168; h++) {
      if (!PRICED(h % 24)) continue;
      const o = b.occ[h] / 60;
      total++;
      if (o > policy.targetHigh) above++;
      else if (o < policy.targetLow) below++;
      else inBand++;
    }
    for (let d = w0 * 7; d < w1 * 7; d++) away += b.turnedAway[d];
  }
  const pct = (x: number) => `${((100 * x) / total).toFixed(1)} %`;
  return { inBand: pct(inBand), above: pct(above), below: pct(below), awayPerDay: Math.round(away / ((w1 - w0) * 7)), inBandShare: inBand / total };
}

const before = figures(0, 2);
const after = figures(WEEKS - 2, WEEKS);
const prices = blocks.map((b) => priceAt(b.tariff, 8)).sort((a, b) => a - b);
console.log(`bench:pricing — ${BLOCKS} street blocks (${blocks.reduce((s, b) => s + b.capacity, 0)} bays), ${WEEKS} simulated weeks, elasticity ${ELASTICITY}, seed ${values.seed}`);
console.log(`target band ${policy.targetLow * 100}–${policy.targetHigh * 100} %, step ¥${(policy.stepFenPerHour / 100).toFixed(2)}/h weekly, floor ¥${(policy.floorFenPerHour / 100).toFixed(2)}, ceiling ¥${(policy.ceilingFenPerHour / 100).toFixed(2)}; ${steps.up} steps up, ${steps.down} down`);
console.log('');
console.log('                              weeks 1–2 (one price)   last 2 weeks');
console.log(`block-hours in target band    ${before.inBand.padStart(10)}              ${after.inBand.padStart(10)}`);
console.log(`block-hours above (too full)  ${before.above.padStart(10)}              ${after.above.padStart(10)}`);
console.log(`block-hours below (underused) ${before.below.padStart(10)}              ${after.below.padStart(10)}`);
console.log(`drivers turned away per day   ${String(before.awayPerDay).padStart(10)}              ${String(after.awayPerDay).padStart(10)}   (${(100 * (after.awayPerDay - before.awayPerDay) / Math.max(1, before.awayPerDay)).toFixed(0)} %)`);
console.log(`08:00 price across blocks     ¥3.00 everywhere           ¥${(prices[0] / 100).toFixed(2)} … ¥${(prices[Math.floor(prices.length / 2)] / 100).toFixed(2)} (median) … ¥${(prices[prices.length - 1] / 100).toFixed(2)}`);
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
