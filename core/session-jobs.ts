// The sessions' scheduled work (core/jobs.ts runs it with every module's): dead sessions deleted
// hourly, so auth_sessions holds only what could still be honoured (or was signed out a day ago at most).
import type { Job } from './module.ts';
import { purgeDeadSessions } from './sessions.ts';

export const sessionJobs: Job[] = [{
  name: 'dead sessions purge', schedule: '23 * * * *',
  async run({ pool, log }) {
    const n = await purgeDeadSessions(pool);
    if (n) log.info(`sessions: ${n} expired or revoked session(s) deleted`);
  },
}];
