// Small helpers for benchmark figures: percentiles of samples, and reading the platform's
// Prometheus text (GET /metrics): counters, and latency percentiles from a histogram's increase
// over a window (two scrapes), as Prometheus's histogram_quantile(increase(...)) would give them.
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { n: s.length, p50: r(percentile(s, 50)), p99: r(percentile(s, 99)), max: r(s[s.length - 1] ?? NaN) };
}

// One sample line of the text exposition format: name, optional {labels}, value (timestamps are not used by prom-client).
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** Every sample of metric `name` (exact name: a histogram's series are name_bucket, name_sum, name_count). */
export function samples(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ labels, value: parseValue(m[3]) });
  }
  return out;
}

/** The sum of a metric's samples whose labels include `match` (all of them without it); 0 if there are none. */
export function sampleValue(text: string, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples(text, name)) if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  return total;
}

/** Read a counter's value from Prometheus text (summed over its label sets). */
export function counter(text: string, name: string): number {
  return sampleValue(text, name);
}

/** A histogram at one scrape: cumulative counts per upper bound (seconds, ascending, +Inf last), sum, count. */
export interface HistogramSnapshot { buckets: Array<[le: number, cumulative: number]>; sum: number; count: number }

/** Read histogram `name` (summed over its other labels). */
export function histogram(text: string, name: string): HistogramSnapshot {
  const byLe = new Map<number, number>();
  for (const s of samples(text, `${name}_bucket`)) {
    const le = parseValue(s.labels.le ?? 'NaN');
    if (!Number.isNaN(le)) byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return {
    buckets: [...byLe].sort((a, b) => a[0] - b[0]),
    sum: sampleValue(text, `${name}_sum`),
    count: sampleValue(text, `${name}_count`),
  };
}

/** What was observed between two scrapes of the same histogram (after − before, bucket by bucket). */
export function histogramIncrease(before: HistogramSnapshot, after: HistogramSnapshot): HistogramSnapshot {
  const was = new Map(before.buckets);
  return {
    buckets: after.buckets.map(([le, n]) => [le, n - (was.get(le) ?? 0)]),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/**
 * The q-quantile (0..1) of a histogram, as Prometheus's histogram_quantile computes it: find the
 * bucket the rank falls in and interpolate linearly within it (the first bucket from 0). Within
 * the +Inf bucket the answer is the highest finite bound (all we know is "more than that").
 * NaN without observations.
 */
export function histogramQuantile(h: HistogramSnapshot, q: number): number {
  const total = h.buckets.length ? h.buckets[h.buckets.length - 1][1] : 0;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, cumulative] of h.buckets) {
    if (cumulative >= rank && cumulative > prevCount) {
      if (le === Infinity) return prevLe;
      return prevLe + (le - prevLe) * ((rank - prevCount) / (cumulative - prevCount));
    }
    prevLe = le;
    prevCount = cumulative;
  }
  return prevLe;
}

/** The upper bound of the highest bucket that holds an observation: the maximum is at most this (Infinity: above every bound). NaN when empty. */
export function histogramMaxBound(h: HistogramSnapshot): number {
  let prev = 0;
  let bound = NaN;
  for (const [le, cumulative] of h.buckets) {
    if (cumulative > prev) bound = le;
    prev = cumulative;
  }
  return bound;
}

/**
 * Latency figures in milliseconds for what a seconds-histogram observed between two scrapes: p50
 * and p99 (to 0.1 ms; bucket resolution is the limit, ±10 % with core/metrics.ts LATENCY_BUCKETS),
 * the mean, the bound the maximum is under (null if above every bucket), and how many
 * observations. null figures when nothing was observed.
 */
export function latencyBetween(before: string, after: string, name: string) {
  const h = histogramIncrease(histogram(before, name), histogram(after, name));
  const ms = (s: number) => (Number.isFinite(s) ? Math.round(s * 10_000) / 10 : null);
  return {
    p50: ms(histogramQuantile(h, 0.5)), p99: ms(histogramQuantile(h, 0.99)),
    meanMs: h.count > 0 ? ms(h.sum / h.count) : null, maxAtMostMs: ms(histogramMaxBound(h)), samples: h.count,
  };
}
