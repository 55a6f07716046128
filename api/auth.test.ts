import { describe, it, expect } from 'vitest';
import { issueToken, verifyToken } from './auth.ts';

const SECRET = 'token-secret-0123456789abcdef';

describe('bearer tokens', () => {
  it('round-trips driver and operator claims', () => {
    expect(verifyToken(SECRET, issueToken(SECRET, { driverId: 7 }, 1000), 1000)).toEqual({ driverId: 7, exp: 1000 + 12 * 3600 });
    expect(verifyToken(SECRET, issueToken(SECRET, { operatorId: 'op-1' }, 1000), 1000)?.operatorId).toBe('op-1');
  });
  it('refuses expired, tampered, foreign and malformed tokens', () => {
    const t = issueToken(SECRET, { driverId: 7 }, 1000);
    expect(verifyToken(SECRET, t, 1000 + 12 * 3600)).toBeNull();
    const [payload, sig] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ driverId: 8, exp: 99999999 })).toString('base64url');
    expect(verifyToken(SECRET, `${forged}.${sig}`, 1000)).toBeNull();
    expect(verifyToken('another-secret-0123456789', t, 1000)).toBeNull();
    for (const bad of ['', '.', 'abc', `${payload}.`, `.${sig}`, `${payload}.${sig}x`]) expect(verifyToken(SECRET, bad, 1000)).toBeNull();
  });
});

import { LoginLimiter } from './auth.ts';
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
