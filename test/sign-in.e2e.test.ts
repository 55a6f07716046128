// Issue 12, accounts: sign-out and password change end sessions, sign-ins are rate-limited per
// address and per account without letting a stranger lock the owner out, registration does not
// tell who has an account, and the session cookie needs the CSRF header — over real HTTP and SQL.
// Addresses: fastify's trustProxy is off, so a client cannot claim an address by header; the
// per-address cases use inject() with remoteAddress, which sets the socket's address the limiter keys on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { purgeDeadSessions } from '../core/sessions.ts';
import { verifyToken } from '../core/tokens.ts';
import { cityModules } from '../platform.ts';
import { createOperator } from '../operators/index.ts';
import { signUp, smsCode, startTestPlatform, tempDataDir, type TestPlatform } from './helpers.ts';

// Limits as shipped (helpers.ts raises them for the other files).
const ENV = { AUTH_LIMIT_PER_ADDRESS: '10', AUTH_LIMIT_PER_ACCOUNT: '20' };
let p: TestPlatform;
beforeAll(async () => {
  const dataDir = tempDataDir();
  p = await startTestPlatform({ dataDir, env: ENV, modules: cityModules(loadConfig({ DATA_DIR: dataDir, ...ENV })).modules });
}, 400_000);
afterAll(async () => { await p?.destroy(); });

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(`${p.httpUrl}${url}`, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null, headers: r.headers };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const fromAddress = (remoteAddress: string, url: string, payload: object) =>
  p.api.inject({ method: 'POST', url, payload, remoteAddress });

describe('sign-out and password change', () => {
  it('signing out ends the token at once; other sessions of the driver live on', async () => {
    const a = (await signUp(p, { phone: '13911110001', password: 'first-pass-1' })).body.token as string;
    const b = (await call('POST', '/api/v1/auth/login', { phone: '13911110001', password: 'first-pass-1' })).body.token as string;
    expect((await call('POST', '/api/v1/auth/logout', undefined, bearer(a))).status).toBe(204);
    expect((await call('GET', '/api/v1/me', undefined, bearer(a))).status).toBe(401);
    expect((await call('GET', '/api/v1/me', undefined, bearer(b))).status).toBe(200);
  });

  it('a driver\'s password change needs the current password and ends every other session', async () => {
    await signUp(p, { phone: '13911110002', password: 'first-pass-2' });
    const login = async (password: string) => call('POST', '/api/v1/auth/login', { phone: '13911110002', password });
    const keep = (await login('first-pass-2')).body.token as string;
    const other = (await login('first-pass-2')).body.token as string;
    const wrong = await call('PUT', '/api/v1/me/password', { currentPassword: 'not-it-at-all', newPassword: 'second-pass-2' }, bearer(keep));
    expect(wrong.status).toBe(403);
    expect((await call('PUT', '/api/v1/me/password', { currentPassword: 'first-pass-2', newPassword: 'second-pass-2' }, bearer(keep))).status).toBe(204);
    expect((await call('GET', '/api/v1/me', undefined, bearer(other))).status).toBe(401);
    expect((await call('GET', '/api/v1/me', undefined, bearer(keep))).status).toBe(200);
    expect((await login('first-pass-2')).status).toBe(401);
    expect((await login('second-pass-2')).status).toBe(200);
  });

  it('console: sign-out and password change end sessions the same way', async () => {
    await createOperator(p.db.pool, { id: 'op-acct', name: 'Acct Parking', password: 'console-pass-1' });
    const login = async (password: string) => call('POST', '/api/v1/operator/login', { account: 'op-acct', password });
    const keep = (await login('console-pass-1')).body.token as string;
    const other = (await login('console-pass-1')).body.token as string;
    const gone = (await login('console-pass-1')).body.token as string;
    expect((await call('POST', '/api/v1/operator/logout', undefined, bearer(gone))).status).toBe(204);
    expect((await call('GET', '/api/v1/operator/review', undefined, bearer(gone))).status).toBe(401);
    expect((await call('POST', '/api/v1/operator/password', { current: 'console-pass-1', password: 'console-pass-2' }, bearer(keep))).status).toBe(204);
    expect((await call('GET', '/api/v1/operator/review', undefined, bearer(other))).status).toBe(401);
    expect((await call('GET', '/api/v1/operator/review', undefined, bearer(keep))).status).toBe(200);
    expect((await login('console-pass-2')).status).toBe(200);
  });

  it('the purge job deletes expired sessions', async () => {
    const token = (await call('POST', '/api/v1/auth/login', { phone: '13911110001', password: 'first-pass-1' })).body.token as string;
    const sid = verifyToken(p.config.AUTH_TOKEN_SECRET, token)!.sid;
    await p.db.pool.query(`UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [sid]);
    expect(await purgeDeadSessions(p.db.pool)).toBeGreaterThanOrEqual(1);
    expect((await p.db.pool.query('SELECT 1 FROM auth_sessions WHERE id = $1', [sid])).rows).toEqual([]);
  });
});

describe('no phone enumeration', () => {
  it('asking for a sign-up code answers the same for a customer\'s phone and a new one; only the SMS differs', async () => {
    await signUp(p, { phone: '13911110003', password: 'first-pass-3' });
    const known = await call('POST', '/api/v1/auth/register/code', { phone: '13911110003' });
    const fresh = await call('POST', '/api/v1/auth/register/code', { phone: '13911110004' });
    expect(known.status).toBe(202);
    expect([known.status, known.body]).toEqual([fresh.status, fresh.body]);
    // A guessed code for the customer's phone fails exactly like a wrong code for a new phone.
    const a = await call('POST', '/api/v1/auth/register', { phone: '13911110003', code: '000000', password: 'attacker-pass' });
    const b = await call('POST', '/api/v1/auth/register', { phone: '13911110004', code: (Number(await smsCode(p, '13911110004')) + 1).toString().padStart(6, '0').slice(-6), password: 'attacker-pass' });
    expect([a.status, a.body]).toEqual([b.status, b.body]);
    expect(a.body.error.code).toBe('ONELOT_ERR_BAD_CODE');
    await expect(smsCode(p, '13911110003')).rejects.toThrow(/account-exists/);
  });

  it('login says one thing for an unknown phone and a wrong password, in similar time', async () => {
    const time = async (phone: string) => {
      const t = performance.now();
      const r = await call('POST', '/api/v1/auth/login', { phone, password: 'wrong-password' });
      return { ms: performance.now() - t, r };
    };
    // Interleaved samples, the fastest of each kept: load on a shared machine only ever adds time,
    // so the minimum is the path's own cost (one CI run saw a single pair differ 6× from noise).
    const wrongs: Awaited<ReturnType<typeof time>>[] = [];
    const unknowns: Awaited<ReturnType<typeof time>>[] = [];
    for (let i = 0; i < 3; i++) {
      wrongs.push(await time('13911110003'));
      unknowns.push(await time('13911119999'));
    }
    const [wrong, unknown] = [wrongs[0], unknowns[0]];
    expect(wrong.r.status).toBe(401);
    expect([unknown.r.status, unknown.r.body]).toEqual([wrong.r.status, wrong.r.body]);
    const fastest = (xs: { ms: number }[]) => Math.min(...xs.map((x) => x.ms));
    // Both verify a scrypt hash (a dummy one for the unknown phone): neither answers in a fraction of
    // the other's time. Without the dummy hash the unknown phone answers ~50× faster.
    expect(Math.min(fastest(wrongs), fastest(unknowns)) / Math.max(fastest(wrongs), fastest(unknowns))).toBeGreaterThan(0.2);
  });

  it('a password reset by SMS code signs in and ends the other sessions', async () => {
    const old = (await call('POST', '/api/v1/auth/login', { phone: '13911110003', password: 'first-pass-3' })).body.token as string;
    expect((await call('POST', '/api/v1/auth/reset/code', { phone: '13911110003' })).status).toBe(202);
    const r = await call('POST', '/api/v1/auth/reset', { phone: '13911110003', code: await smsCode(p, '13911110003'), password: 'reset-pass-3' });
    expect(r.status).toBe(200);
    expect((await call('GET', '/api/v1/me', undefined, bearer(old))).status).toBe(401);
    expect((await call('GET', '/api/v1/me', undefined, bearer(r.body.token))).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('per address: a guesser gets 429 with retry-after, while the owner from another address still signs in', async () => {
    await signUp(p, { phone: '13911110005', password: 'owner-pass-5' });
    const guesses = [];
    for (let i = 0; i < 12; i++) guesses.push(await fromAddress('203.0.113.7', '/api/v1/auth/login', { phone: '13911110005', password: `guess-${i}-xx` }));
    expect(guesses.slice(0, 10).map((r) => r.statusCode)).toEqual(Array(10).fill(401));
    const limited = guesses[10];
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error).toMatchObject({ code: 'ONELOT_ERR_RATE_LIMITED', message: expect.stringMatching(/from this address.*try again in \d+ s/) });
    const owner = await fromAddress('198.51.100.20', '/api/v1/auth/login', { phone: '13911110005', password: 'owner-pass-5' });
    expect(owner.statusCode).toBe(200);
  });

  it('per account: many addresses together are slowed on one phone, for a minute, not locked for 15', async () => {
    await signUp(p, { phone: '13911110006', password: 'owner-pass-6' });
    // Signing up spent 2 of the phone's 20 a minute (the code and the confirmation).
    const statuses = [];
    for (let i = 0; i < 18; i++) statuses.push((await fromAddress(`203.0.113.${100 + i}`, '/api/v1/auth/login', { phone: '13911110006', password: 'guess-pass' })).statusCode);
    expect(statuses).toEqual(Array(18).fill(401));
    const last = await fromAddress('198.51.100.21', '/api/v1/auth/login', { phone: '13911110006', password: 'owner-pass-6' });
    expect(last.statusCode).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(last.json().error.message).toMatch(/for this account/);
  });
});

describe('the session cookie', () => {
  it('sign-in sets an HttpOnly SameSite=Strict cookie; a state change by cookie needs the CSRF header; sign-out clears it', async () => {
    await signUp(p, { phone: '13911110007', password: 'cookie-pass-7' });
    const login = await call('POST', '/api/v1/auth/login', { phone: '13911110007', password: 'cookie-pass-7' });
    const set = login.headers.getSetCookie();
    const session = set.find((c) => c.startsWith('onelot_session='))!;
    const csrf = set.find((c) => c.startsWith('onelot_csrf='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Strict/i);
    expect(session).toMatch(/Path=\/api/);
    expect(csrf).not.toMatch(/HttpOnly/i);
    const cookie = [session, csrf].map((c) => c.split(';')[0]).join('; ');
    const csrfValue = csrf.split(';')[0].split('=')[1];
    expect((await call('GET', '/api/v1/me', undefined, { cookie })).status).toBe(200);
    const noHeader = await call('POST', '/api/v1/me/plates', { plate: '豫A7C007' }, { cookie });
    expect(noHeader.status).toBe(403);
    expect(noHeader.body.error.code).toBe('ONELOT_ERR_CSRF');
    expect((await call('POST', '/api/v1/me/plates', { plate: '豫A7C007' }, { cookie, 'x-onelot-csrf': 'forged-value-0000000000' })).status).toBe(403);
    expect((await call('POST', '/api/v1/me/plates', { plate: '豫A7C007' }, { cookie, 'x-onelot-csrf': csrfValue })).status).toBe(201);
    const out = await call('POST', '/api/v1/auth/logout', undefined, { cookie, 'x-onelot-csrf': csrfValue });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().find((c) => c.startsWith('onelot_session='))).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await call('GET', '/api/v1/me', undefined, { cookie })).status).toBe(401);
  });
});
