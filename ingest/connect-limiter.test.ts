import { describe, it, expect } from 'vitest';
import { ConnectLimiter } from './connect-limiter.ts';

const limits = { addressFailures: 4, deviceFailures: 2, lockMs: 60_000 };
const T = 1_000_000;

describe('ConnectLimiter', () => {
  it('locks a device id after its failures, from any address, for a short while only', () => {
    const l = new ConnectLimiter(limits);
    l.fail('sen-1', '10.0.0.9', T);
    expect(l.retryAfterMs('sen-1', '10.0.0.9', T)).toBe(0);
    l.fail('sen-1', '10.0.0.8', T);
    expect(l.retryAfterMs('sen-1', '10.0.0.7', T)).toBe(60_000);
    expect(l.retryAfterMs('sen-2', '10.0.0.7', T)).toBe(0);
    expect(l.retryAfterMs('sen-1', '10.0.0.7', T + 60_000)).toBe(0);
  });

  it('locks an address after its failures, for every id', () => {
    const l = new ConnectLimiter(limits);
    for (let i = 0; i < 4; i++) l.fail(`guess-${i}`, '10.0.0.9', T);
    expect(l.retryAfterMs('sen-anything', '10.0.0.9', T + 1)).toBe(59_999);
    expect(l.retryAfterMs('sen-anything', '10.0.0.10', T + 1)).toBe(0);
  });

  it("never locks a device out of the address it last signed in from: a stranger's failures lock only the stranger", () => {
    const l = new ConnectLimiter(limits);
    l.succeed('sen-1', '10.0.0.1');
    for (let i = 0; i < 10; i++) l.fail('sen-1', '10.6.6.6', T);
    expect(l.retryAfterMs('sen-1', '10.6.6.6', T)).toBe(60_000);
    expect(l.retryAfterMs('sen-1', '10.0.0.1', T)).toBe(0);
  });

  it('forgets an id\'s failures when it signs in', () => {
    const l = new ConnectLimiter(limits);
    l.fail('sen-1', '10.0.0.1', T);
    l.succeed('sen-1', '10.0.0.2');
    l.fail('sen-1', '10.0.0.3', T);
    expect(l.retryAfterMs('sen-1', '10.0.0.3', T)).toBe(0);
  });
});
