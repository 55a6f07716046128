// Every module's scheduled work, run by node-cron in one place. A failed run is logged and runs
// again at its next slot; a run never overlaps the previous one (the embedded database has one
// connection, so two at once would only queue).
import cron from 'node-cron';
import type { Job, ModuleContext } from './module.ts';

/** Throws naming the job when its schedule is not a cron expression; returns the stop. */
export function scheduleJobs(jobs: readonly Job[], ctx: ModuleContext): () => Promise<void> {
  for (const job of jobs) {
    if (!cron.validate(job.schedule)) throw new Error(`${job.name}: ${JSON.stringify(job.schedule)} is not a cron expression; use e.g. "0 10 * * *" (10:00 daily).`);
  }
  const tasks = jobs.map((job) => cron.schedule(job.schedule, async () => {
    const label = job.name.replace(/\W+/g, '-');
    const started = performance.now();
    const done = (outcome: 'ok' | 'failed') => {
      const s = (performance.now() - started) / 1000;
      ctx.metrics.jobSeconds.observe({ job: label, outcome }, s);
      ctx.metrics.jobLastSeconds.set({ job: label }, s);
    };
    try {
      await job.run(ctx);
      done('ok');
    } catch (err) {
      done('failed');
      ctx.log.error({ err }, `${job.name} failed; it runs again at its next slot`);
    }
  }, { name: `onelot-${job.name.replace(/\W+/g, '-')}`, noOverlap: true, ...(job.timeZone ? { timezone: job.timeZone } : {}) }));
  return async () => { for (const t of tasks) await t.destroy(); };
}
