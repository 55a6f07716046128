// Wrong device secrets counted across ingest processes: two feeds joined as the change relay joins
// them (core/change-relay.ts, tested on a real server in its own file), each with its limiter.
import { describe, it, expect } from 'vitest';
import { ChangeFeed } from '../core/changes.ts';
import { ConnectLimiter } from './connect-limiter.ts';
import { shareConnectOutcomes } from './connect-sharing.ts';

function twoProcesses() {
  const [a, b] = [new ChangeFeed(), new ChangeFeed()];
  a.relayTo(async (name, change) => { b.emitLocal(name, change); });
  b.relayTo(async (name, change) => { a.emitLocal(name, change); });
  return [shareConnectOutcomes(new ConnectLimiter(), a, 10), shareConnectOutcomes(new ConnectLimiter(), b, 10)];
}
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('shareConnectOutcomes', () => {
  it('locks a device id everywhere once its wrong secrets, spread over the processes, reach the limit', async () => {
    const [one, two] = twoProcesses();
    for (let i = 0; i < 3; i++) one.fail('sen-1', '203.0.113.9');
    for (let i = 0; i < 2; i++) two.fail('sen-1', '198.51.100.4');
    await settle();
    // 5 wrong secrets for one id lock it (ingest/connect-limiter.ts): 3 here and 2 there, each heard of.
    expect(one.retryAfterMs('sen-1', '192.0.2.1')).toBeGreaterThan(0);
    expect(two.retryAfterMs('sen-1', '192.0.2.1')).toBeGreaterThan(0);
    one.stop();
    two.stop();
  });

  it('each process counts alone without the relay: the limit is per process', () => {
    const [one, two] = [new ConnectLimiter(), new ConnectLimiter()];
    for (let i = 0; i < 3; i++) one.fail('sen-1', '203.0.113.9');
    for (let i = 0; i < 2; i++) two.fail('sen-1', '198.51.100.4');
    expect(one.retryAfterMs('sen-1', '192.0.2.1')).toBe(0);
    expect(two.retryAfterMs('sen-1', '192.0.2.1')).toBe(0);
  });

  it('learns where a device signed in through another process, so a stranger\'s failures do not lock it out there', async () => {
    const [one, two] = twoProcesses();
    one.succeed('sen-2', '10.20.30.40');
    await settle();
    for (let i = 0; i < 5; i++) two.fail('sen-2', '203.0.113.66'); // a stranger guessing its secret
    await settle();
    expect(two.retryAfterMs('sen-2', '203.0.113.77')).toBeGreaterThan(0);
    expect(two.retryAfterMs('sen-2', '10.20.30.40')).toBe(0); // its home, learnt from the other process
    expect(one.retryAfterMs('sen-2', '10.20.30.40')).toBe(0);
    one.stop();
    two.stop();
  });
});
