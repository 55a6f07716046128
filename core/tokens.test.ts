import { describe, it, expect } from 'vitest';
import { issueToken, verifyToken } from './tokens.ts';

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
