// The benchmarks read the platform's latencies from /metrics histograms: these hold the reading
// (a window's increase, quantiles interpolated as Prometheus does) to the exact percentiles of
// the samples, through prom-client's own text output with the platform's buckets.
import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../../core/metrics.ts';
import { seededRandom } from '../../seed/demo-city.ts';
import { counter, histogram, histogramIncrease, histogramMaxBound, histogramQuantile, latencyBetween, percentile, sampleValue } from './stats.ts';

function platformLike() {
  const registry = new Registry();
  const h = new Histogram({ name: 'x_seconds', help: 'x', buckets: LATENCY_BUCKETS, registers: [registry] });
  return { h, scrape: () => registry.metrics() };
}

describe('reading Prometheus text', () => {
  const text = [
    '# HELP onelot_event_loop_busy_seconds_total busy',
    '# TYPE onelot_event_loop_busy_seconds_total counter',
    'onelot_event_loop_busy_seconds_total{thread="main"} 12.5',
    'onelot_event_loop_busy_seconds_total{thread="database"} 3.25e-1',
    'onelot_mqtt_messages_stored_total 120000',
    'onelot_mqtt_messages_stored_total_extra 7',
    'onelot_mqtt_messages_rejected_total{reason="bad \\"json\\""} 2',
    'onelot_mqtt_messages_rejected_total{reason="schema"} 3',
  ].join('\n');

  it('sums a metric over its label sets, or over those that match', () => {
    expect(counter(text, 'onelot_mqtt_messages_stored_total')).toBe(120000);
    expect(counter(text, 'onelot_mqtt_messages_rejected_total')).toBe(5);
    expect(sampleValue(text, 'onelot_event_loop_busy_seconds_total', { thread: 'database' })).toBeCloseTo(0.325);
    expect(sampleValue(text, 'onelot_mqtt_messages_rejected_total', { reason: 'bad "json"' })).toBe(2);
    expect(counter(text, 'onelot_not_there_total')).toBe(0);
  });
});

describe('percentiles from a histogram window', () => {
  it('matches the exact p50/p99 of what was observed in the window within the buckets\' ±10 %, from 10 ms to 10 s', async () => {
    const rnd = seededRandom(7);
    for (const [lo, hi] of [[0.01, 0.05], [0.05, 2], [0.5, 10], [0.01, 10]]) {
      const { h, scrape } = platformLike();
      // Before the window: other traffic, much slower, which the increase must leave out.
      for (let i = 0; i < 3000; i++) h.observe(5 + rnd() * 5);
      const before = await scrape();
      const seen: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const v = lo * (hi / lo) ** rnd(); // log-uniform, like latencies
        seen.push(v);
        h.observe(v);
      }
      const after = await scrape();
      seen.sort((a, b) => a - b);
      const r = latencyBetween(before, after, 'x_seconds');
      expect(r.samples).toBe(20_000);
      expect(r.p50! / 1000 / percentile(seen, 50)).toBeGreaterThan(0.9);
      expect(r.p50! / 1000 / percentile(seen, 50)).toBeLessThan(1.1);
      expect(r.p99! / 1000 / percentile(seen, 99)).toBeGreaterThan(0.9);
      expect(r.p99! / 1000 / percentile(seen, 99)).toBeLessThan(1.1);
      expect(r.meanMs! / 1000).toBeCloseTo(seen.reduce((s, v) => s + v, 0) / seen.length, 3);
      expect(r.maxAtMostMs! / 1000).toBeGreaterThanOrEqual(seen[seen.length - 1]);
      expect(r.maxAtMostMs! / 1000).toBeLessThan(seen[seen.length - 1] * 1.2);
    }
  });

  it('interpolates within a bucket as histogram_quantile does, and answers the highest bound in +Inf', () => {
    const h = { buckets: [[0.1, 10], [0.2, 30], [Infinity, 40]] as Array<[number, number]>, sum: 0, count: 40 };
    expect(histogramQuantile(h, 0.25)).toBeCloseTo(0.1); // rank 10: the top of the first bucket
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(0.15); // rank 20: half-way through (0.1, 0.2]
    expect(histogramQuantile(h, 0.125)).toBeCloseTo(0.05); // rank 5: the first bucket starts at 0
    expect(histogramQuantile(h, 0.99)).toBe(0.2); // in +Inf: "more than 0.2"
    expect(histogramMaxBound(h)).toBe(Infinity);
    expect(histogramMaxBound({ ...h, buckets: [[0.1, 10], [0.2, 30], [0.4, 30], [Infinity, 30]] })).toBe(0.2);
  });

  it('has nothing to say about an empty window', async () => {
    const { h, scrape } = platformLike();
    h.observe(0.02);
    const text = await scrape();
    expect(latencyBetween(text, text, 'x_seconds')).toEqual({ p50: null, p99: null, meanMs: null, maxAtMostMs: null, samples: 0 });
    expect(histogramQuantile(histogramIncrease(histogram(text, 'x_seconds'), histogram(text, 'x_seconds')), 0.5)).toBeNaN();
  });
});
