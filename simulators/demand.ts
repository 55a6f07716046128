// How busy the simulated city is: a time-of-day demand curve for Zhengzhou, arrival rates per lot,
// and how long cars stay. Pure: time and randomness come in as arguments.
export type Rng = () => number;
export type LotKind = 'garage' | 'street';
export interface DemandLot { kind: LotKind; capacity: number; demand: number }

const HOUR_MS = 3_600_000;
// China has had one zone (UTC+8) and no daylight saving since 1991, so a fixed offset is exact.
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;

/** Local clock hour in Asia/Shanghai as a fraction, 0 ≤ h < 24. */
export function shanghaiHour(t: Date): number {
  const ms = (t.getTime() + SHANGHAI_OFFSET_MS) % (24 * HOUR_MS);
  return (ms < 0 ? ms + 24 * HOUR_MS : ms) / HOUR_MS;
}

// [local hour, relative demand]; 1 = the commute peaks. Linear in between, wrapping at midnight.
const CURVE: Array<[number, number]> = [
  [0, 0.15], [1, 0.05], [5.5, 0.05], // night lull 01:00–05:30
  [7, 0.45], [8, 1], [9.5, 1], // morning commute
  [10.5, 0.6], [12, 0.7], [14, 0.65], [17, 0.7], // errands, lunch, shopping
  [17.5, 0.95], [19, 0.95], // evening commute
  [20, 0.8], [21.5, 0.55], [23, 0.3], [24, 0.15], // evening shopping and dining, then home
];

/** Relative arrival demand (0..1) at a local hour. */
export function demandAtHour(hour: number): number {
  const h = ((hour % 24) + 24) % 24;
  for (let i = 1; i < CURVE.length; i++) {
    const [h1, v1] = CURVE[i];
    if (h <= h1) {
      const [h0, v0] = CURVE[i - 1];
      return v0 + ((v1 - v0) * (h - h0)) / (h1 - h0);
    }
  }
  return CURVE[0][1];
}

/** Relative arrival demand (0..1) at an instant, in Zhengzhou local time. */
export const demandCurve = (t: Date): number => demandAtHour(shanghaiHour(t));

/**
 * Dwell times are lognormal (many short stops, a long tail of all-day parkers). Street parking is
 * errands (median ~50 min); garages serve shopping, work and hospital visits (median ~2 h).
 */
export const DWELL: Record<LotKind, { medianMin: number; sigma: number; minMin: number; maxMin: number }> = {
  street: { medianMin: 50, sigma: 0.8, minMin: 3, maxMin: 12 * 60 },
  garage: { medianMin: 120, sigma: 0.75, minMin: 5, maxMin: 24 * 60 },
};

/** Mean of the (untruncated) dwell distribution in minutes: median × e^(σ²/2). */
export const meanDwellMinutes = (kind: LotKind): number => DWELL[kind].medianMin * Math.exp(DWELL[kind].sigma ** 2 / 2);

/**
 * Arrivals per bay per hour at peak demand and lot.demand = 1. Chosen so that, by Little's law
 * (occupancy = rate × mean dwell), an average lot runs ~80% full at the peaks and busy ones fill up.
 */
export const BASE_TURNOVER: Record<LotKind, number> = {
  street: 0.8 / (meanDwellMinutes('street') / 60),
  garage: 0.8 / (meanDwellMinutes('garage') / 60),
};

/** Expected arrivals per hour at `lot` at instant `t`: capacity × curve(t) × demand × base turnover. */
export function arrivalRatePerHour(lot: DemandLot, t: Date): number {
  return lot.capacity * demandCurve(t) * lot.demand * BASE_TURNOVER[lot.kind];
}

/**
 * The occupancy a lot settles at if demand stayed as it is at `t` (Little's law, capped below full):
 * a sensible state to start a simulation from.
 */
export function steadyOccupancy(lot: DemandLot, t: Date): number {
  if (lot.capacity <= 0) return 0;
  const rate = arrivalRatePerHour(lot, t);
  return Math.min(0.95, (rate * meanDwellMinutes(lot.kind)) / 60 / lot.capacity);
}

/** A standard normal draw (Box–Muller). */
export function normal(rng: Rng): number {
  const u = Math.max(rng(), Number.EPSILON); // log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A dwell time in minutes for a car at a lot of `kind`, truncated to a plausible range. */
export function dwellMinutes(kind: LotKind, rng: Rng): number {
  const d = DWELL[kind];
  const m = d.medianMin * Math.exp(d.sigma * normal(rng));
  return Math.min(d.maxMin, Math.max(d.minMin, m));
}

/**
 * How much longer a car found already parked will stay, in minutes. Cars found parked are biased
 * towards long stays (inspection paradox): for a lognormal dwell the length-biased draw is the
 * same lognormal scaled by e^σ², and the car is uniformly far through it.
 */
export function remainingDwellMinutes(kind: LotKind, rng: Rng): number {
  const d = DWELL[kind];
  const stay = d.medianMin * Math.exp(d.sigma * normal(rng) + d.sigma ** 2);
  return Math.min(d.maxMin, Math.max(1, stay * rng()));
}

/**
 * How many arrivals occur in an interval with `mean` expected ones (Poisson). Knuth's method for
 * small means; a rounded normal for large ones, where Knuth's loop would run long and underflow.
 */
export function poisson(mean: number, rng: Rng): number {
  if (!(mean > 0)) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > limit && k < 1000) { // bounded: P(k > 100 | mean ≤ 30) is negligible
    k += 1;
    p *= rng();
  }
  return k;
}

/** Shuffle `items` in place (Fisher–Yates) with `rng`, and return them. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
