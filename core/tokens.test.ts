import { createHmac } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { issueToken, verifyToken } from './tokens.ts';

const SECRET = 'token-secret-0123456789abcdef';

describe('bearer tokens', () => {
  it('round-trips the session they name', () => {
    expect(verifyToken(SECRET, issueToken(SECRET, 'sess-1', 1000), 1000)).toEqual({ sid: 'sess-1', exp: 1000 + 12 * 3600 });
  });
  it('refuses expired, tampered, foreign and malformed tokens', () => {
    const t = issueToken(SECRET, 'sess-1', 1000);
    expect(verifyToken(SECRET, t, 1000 + 12 * 3600)).toBeNull();
    const [payload, sig] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ sid: 'sess-2', exp: 99999999 })).toString('base64url');
    expect(verifyToken(SECRET, `${forged}.${sig}`, 1000)).toBeNull();
    expect(verifyToken('another-secret-0123456789', t, 1000)).toBeNull();
    for (const bad of ['', '.', 'abc', `${payload}.`, `.${sig}`, `${payload}.${sig}x`]) expect(verifyToken(SECRET, bad, 1000)).toBeNull();
    const noSid = Buffer.from(JSON.stringify({ driverId: 7, exp: 99999999 })).toString('base64url');
    expect(verifyToken(SECRET, `${noSid}.${createSig(noSid)}`, 1000)).toBeNull();
  });
});

// A token signed properly but from before sessions (claims without sid) is refused too.
function createSig(payload: string): string {
  return createHmac('sha256', SECRET).update(payload).digest('base64url');
}
