// A token is honoured only while its session is: revoked sessions, disabled accounts and expired
// sessions are refused on the very next request (core/sessions.ts), over real HTTP and SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, revokeSession, revokeSessionsOf } from '../core/sessions.ts';
import { issueToken, verifyToken } from '../core/tokens.ts';
import { loadConfig } from '../core/config.ts';
import { cityModules } from '../platform.ts';
import { consoleToken, signUp, startTestPlatform, tempDataDir, type TestPlatform } from './helpers.ts';

let p: TestPlatform;
beforeAll(async () => {
  const dataDir = tempDataDir();
  p = await startTestPlatform({ dataDir, modules: cityModules(loadConfig({ DATA_DIR: dataDir })).modules });
});
afterAll(async () => { await p?.destroy(); });

const review = async (token: string) => (await fetch(`${p.httpUrl}/api/v1/operator/review`, { headers: { authorization: `Bearer ${token}` } })).status;
const sidOf = (token: string) => verifyToken(p.config.AUTH_TOKEN_SECRET, token)!.sid;

describe('sessions behind tokens', () => {
  it('refuses a signed-out session at once and keeps the others', async () => {
    const a = await consoleToken(p, { operatorId: 'op-zzpark' });
    const b = await consoleToken(p, { operatorId: 'op-zzpark' });
    expect(await review(a)).toBe(200);
    await revokeSession(p.db.pool, sidOf(a));
    expect(await review(a)).toBe(401);
    expect(await review(b)).toBe(200);
  });

  it('ends every session of an account but the one kept (a password change), and all when disabled', async () => {
    const keep = await consoleToken(p, { operatorId: 'op-s', account: 'op-s-admin' });
    const other = await consoleToken(p, { operatorId: 'op-s', account: 'op-s-admin' });
    expect(await revokeSessionsOf(p.db.pool, { accountId: 'op-s-admin' }, sidOf(keep))).toBe(1);
    expect(await review(other)).toBe(401);
    expect(await review(keep)).toBe(200);
    await p.db.pool.query('UPDATE operator_accounts SET active = false WHERE id = $1', ['op-s-admin']);
    expect(await review(keep)).toBe(401);
  });

  it('refuses a session past its expiry even with a well-signed token, and a token naming no session', async () => {
    await consoleToken(p, { operatorId: 'op-zzpark' });
    const nowS = Math.floor(Date.now() / 1000);
    const s = await openSession(p.db.pool, p.config.AUTH_TOKEN_SECRET, { accountId: 'op-zzpark' }, nowS, 3600);
    expect(await review(s.token)).toBe(200);
    await p.db.pool.query(`UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [s.sessionId]);
    expect(await review(s.token)).toBe(401);
    expect(await review(issueToken(p.config.AUTH_TOKEN_SECRET, 'no-such-session'))).toBe(401);
  });

  it('keeps driver and console sessions apart', async () => {
    const { body: { token } } = await signUp(p, { phone: '13900000001', password: 'driver-pass-1' });
    expect(await review(token)).toBe(401);
    expect((await fetch(`${p.httpUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${p.httpUrl}/api/v1/me`, { headers: { authorization: `Bearer ${await consoleToken(p)}` } })).status).toBe(401);
  });
});
