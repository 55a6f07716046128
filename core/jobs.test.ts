// Every scheduled run is on /metrics: its duration by job and outcome (core/jobs.ts), so a job that
// outgrows its slot (device health over a whole city, every minute) shows before it overlaps.
import { describe, expect, it } from 'vitest';
import { scheduleJobs } from './jobs.ts';
import { createMetrics } from './metrics.ts';
import type { ModuleContext } from './module.ts';

describe('scheduleJobs', () => {
  it('records each run of each job, ok or failed, in onelot_job_duration_seconds and the last run\'s exact duration', async () => {
    const metrics = createMetrics();
    const errors: string[] = [];
    const ctx = { metrics, log: { info() {}, warn() {}, error: (_: unknown, m?: string) => { errors.push(m ?? ''); } } } as unknown as ModuleContext;
    // node-cron's six-field form: every second.
    const stop = scheduleJobs([
      { name: 'device health', schedule: '* * * * * *', run: () => new Promise((r) => setTimeout(r, 50)) },
      { name: 'broken job', schedule: '* * * * * *', run: async () => { throw new Error('no'); } },
    ], ctx);
    await new Promise((r) => setTimeout(r, 2300));
    await stop();
    const text = await metrics.registry.metrics();
    const sample = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    expect(sample(/^onelot_job_duration_seconds_count\{job="device-health",outcome="ok"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(sample(/^onelot_job_duration_seconds_count\{job="broken-job",outcome="failed"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    const last = sample(/^onelot_job_last_duration_seconds\{job="device-health"\} ([\d.e-]+)/m);
    expect(last).toBeGreaterThanOrEqual(0.04);
    expect(last).toBeLessThan(1);
    expect(errors.some((m) => m.startsWith('broken job failed'))).toBe(true);
  });
});
