// Wrong device secrets counted by every ingest process together (processes by role: README,
// "Roles"). Each process keeps judging CONNECTs from memory (ingest/connect-limiter.ts: a map
// lookup, never a query, however hard the flood), and every `flushMs` reports what it judged on the
// change feed, which relays it to the others (core/change-relay.ts); they count those failures as
// their own and learn where each device last signed in, its home, which a stranger's failures never
// lock. A guesser spread over N processes thus gets the budget once, not N times, give or take
// what one `flushMs` lets through. Connection-attempt rates (ingest/connect-rate.ts) stay per
// process: they guard that process's own CPU.
import { randomUUID } from 'node:crypto';
import type { ChangeFeed, ConnectOutcomes } from '../core/changes.ts';
import type { ConnectLimiter } from './connect-limiter.ts';

export type ConnectJudge = Pick<ConnectLimiter, 'retryAfterMs' | 'fail' | 'succeed'> & { stop(): void };

/** `limiter` judging as before, its outcomes shared through `changes` (which must be relayed to matter). */
export function shareConnectOutcomes(limiter: ConnectLimiter, changes: ChangeFeed, flushMs = 200): ConnectJudge {
  const self = randomUUID();
  let failed: Array<[string, string]> = [];
  let succeeded: Array<[string, string]> = [];
  const flush = () => {
    if (!failed.length && !succeeded.length) return;
    changes.emit('connects', { from: self, failed, succeeded });
    failed = [];
    succeeded = [];
  };
  const timer = setInterval(flush, flushMs);
  timer.unref();
  const onRemote = (c: ConnectOutcomes) => {
    if (c.from === self) return; // judged here already
    const now = Date.now();
    for (const [deviceId, address] of c.failed) limiter.fail(deviceId, address, now);
    for (const [deviceId, address] of c.succeeded) limiter.succeed(deviceId, address);
  };
  changes.on('connects', onRemote);
  return {
    retryAfterMs: (deviceId, address, now) => limiter.retryAfterMs(deviceId, address, now),
    fail(deviceId, address, now) {
      limiter.fail(deviceId, address, now);
      failed.push([deviceId, address]);
    },
    succeed(deviceId, address) {
      limiter.succeed(deviceId, address);
      succeeded.push([deviceId, address]);
    },
    stop() {
      clearInterval(timer);
      flush();
      changes.off('connects', onRemote);
    },
  };
}
