import { describe, it, expect } from 'vitest';
import { LoginLimiter } from './login-limiter.ts';
describe('login limiter', () => {
  it('locks a phone after 5 failures for 15 minutes and forgets on success', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 4; i++) l.fail('13800000000', 0);
    expect(l.retryAfterMs('13800000000', 0)).toBe(0);
    l.fail('13800000000', 0);
    expect(l.retryAfterMs('13800000000', 1000)).toBe(15 * 60_000 - 1000);
    expect(l.retryAfterMs('13900000000', 1000)).toBe(0);
    expect(l.retryAfterMs('13800000000', 15 * 60_000)).toBe(0);
    l.fail('13700000000', 0);
    l.succeed('13700000000');
    for (let i = 0; i < 4; i++) l.fail('13700000000', 0);
    expect(l.retryAfterMs('13700000000', 0)).toBe(0);
  });
});
