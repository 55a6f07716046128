// Console accounts over real HTTP and SQL (issue 11): the city onboards an operator whose admin
// chooses a password at first sign-in; the admin creates staff, sets their refund limit, disables
// them (their token dies on the next request) and resets passwords; a password change ends the
// other sessions; every step is in the audit log, which the database refuses to change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { cityModules } from '../platform.ts';
import { consoleToken, startTestPlatform, tempDataDir, type TestPlatform } from './helpers.ts';

let p: TestPlatform;
beforeAll(async () => {
  const dataDir = tempDataDir();
  p = await startTestPlatform({ dataDir, modules: cityModules(loadConfig({ DATA_DIR: dataDir })).modules });
}, 300_000);
afterAll(async () => { await p?.destroy(); });

async function api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${p.httpUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('onboarding and staff accounts', () => {
  let city: string;
  let admin: string;

  it('the city onboards an operator; its admin\'s setup code only lets them choose a password', async () => {
    city = await consoleToken(p, { operatorId: null, role: 'city', account: 'acc-city' });
    const made = await api('POST', '/api/v1/operator/operators', { operatorId: 'op-acc', name: '测试停车', adminAccount: 'wang@op-acc', adminName: 'Wang' }, city);
    expect(made.status).toBe(201);
    expect(made.body.account).toMatchObject({ accountId: 'wang@op-acc', operatorId: 'op-acc', role: 'admin', mustSetPassword: true });
    const code = made.body.setupCode as string;
    expect(code).toMatch(/^[a-z2-9]{12}$/);
    expect((await api('POST', '/api/v1/operator/operators', { operatorId: 'op-acc', name: 'x', adminAccount: 'other@op-acc', adminName: 'x' }, city)).status).toBe(409);

    const withCode = await api('POST', '/api/v1/operator/login', { account: 'wang@op-acc', password: code });
    expect(withCode.status).toBe(403);
    expect(withCode.body.error.code).toBe('ONELOT_ERR_PASSWORD_SETUP');
    expect((await api('POST', '/api/v1/operator/password/setup', { account: 'wang@op-acc', code: 'wrong-code-1', password: 'wang-password-1' })).status).toBe(401);
    const set = await api('POST', '/api/v1/operator/password/setup', { account: 'wang@op-acc', code, password: 'wang-password-1' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ accountId: 'wang@op-acc', operatorId: 'op-acc', role: 'admin' });
    // The code is spent: it neither signs in nor sets a password again.
    expect((await api('POST', '/api/v1/operator/password/setup', { account: 'wang@op-acc', code, password: 'another-pass-1' })).status).toBe(401);
    const login = await api('POST', '/api/v1/operator/login', { account: 'wang@op-acc', password: 'wang-password-1' });
    expect(login.status).toBe(200);
    admin = login.body.token;
    const ops = await api('GET', '/api/v1/operator/operators', undefined, city);
    expect(ops.body.operators.find((o: any) => o.operatorId === 'op-acc')).toMatchObject({ accounts: 1, lots: 0, admins: [{ accountId: 'wang@op-acc', active: true, mustSetPassword: false }] });
    expect((await api('GET', '/api/v1/operator/operators', undefined, admin)).status).toBe(403);
  }, 180_000);

  it('an admin creates staff with a refund limit; disabling ends the staff token at once; enabling lets them sign in again', async () => {
    const made = await api('POST', '/api/v1/operator/accounts', { accountId: 'li@op-acc', name: 'Li', refundLimitFen: 500 }, admin);
    expect(made.status).toBe(201);
    expect(made.body.account).toMatchObject({ role: 'staff', refundLimitFen: 500, operatorId: 'op-acc' });
    const staff = (await api('POST', '/api/v1/operator/password/setup', { account: 'li@op-acc', code: made.body.setupCode, password: 'li-password-01' })).body.token as string;
    expect((await api('GET', '/api/v1/operator/review', undefined, staff)).status).toBe(200);
    expect((await api('POST', '/api/v1/operator/accounts', { accountId: 'x@op-acc', name: 'X' }, staff)).status).toBe(403);

    const list = await api('GET', '/api/v1/operator/accounts', undefined, admin);
    expect(list.body.accounts.map((a: any) => a.accountId).sort()).toEqual(['li@op-acc', 'wang@op-acc']);
    // The last sign-in comes from the audit log: the staff's first, by its setup code, a moment ago.
    const li = list.body.accounts.find((a: any) => a.accountId === 'li@op-acc');
    expect(Date.now() - Date.parse(li.lastSignInAt)).toBeLessThan(60_000);

    const off = await api('PATCH', '/api/v1/operator/accounts/li%40op-acc', { active: false }, admin);
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await api('GET', '/api/v1/operator/review', undefined, staff)).status).toBe(401);
    expect((await api('POST', '/api/v1/operator/login', { account: 'li@op-acc', password: 'li-password-01' })).status).toBe(401);
    expect((await api('PATCH', '/api/v1/operator/accounts/li%40op-acc', { active: true, refundLimitFen: 2000 }, admin)).body).toMatchObject({ active: true, refundLimitFen: 2000 });
    expect((await api('POST', '/api/v1/operator/login', { account: 'li@op-acc', password: 'li-password-01' })).status).toBe(200);
  }, 180_000);

  it('a password reset ends the sessions and hands out a new code; a password change ends the other sessions only', async () => {
    const before = (await api('POST', '/api/v1/operator/login', { account: 'li@op-acc', password: 'li-password-01' })).body.token;
    const reset = await api('POST', '/api/v1/operator/accounts/li%40op-acc/password-reset', undefined, admin);
    expect(reset.status).toBe(200);
    expect((await api('GET', '/api/v1/operator/review', undefined, before)).status).toBe(401);
    expect((await api('POST', '/api/v1/operator/login', { account: 'li@op-acc', password: 'li-password-01' })).status).toBe(401);
    const first = (await api('POST', '/api/v1/operator/password/setup', { account: 'li@op-acc', code: reset.body.setupCode, password: 'li-password-02' })).body.token;
    const second = (await api('POST', '/api/v1/operator/login', { account: 'li@op-acc', password: 'li-password-02' })).body.token;
    expect((await api('POST', '/api/v1/operator/password', { current: 'wrong-one-xx', password: 'li-password-03' }, second)).status).toBe(403);
    expect((await api('POST', '/api/v1/operator/password', { current: 'li-password-02', password: 'li-password-03' }, second)).status).toBe(204);
    expect((await api('GET', '/api/v1/operator/review', undefined, first)).status).toBe(401);
    expect((await api('GET', '/api/v1/operator/review', undefined, second)).status).toBe(200);
  }, 180_000);

  it('keeps every step in the audit log, filtered for the admin, all tenants for the city, and refuses to change it', async () => {
    const mine = await api('GET', '/api/v1/operator/audit?action=account.', undefined, admin);
    expect(mine.status).toBe(200);
    const actions = mine.body.entries.map((e: any) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['account.create', 'account.update', 'account.reset-password', 'account.set-password']));
    expect(mine.body.entries.every((e: any) => e.operatorId === 'op-acc')).toBe(true);
    const disabled = mine.body.entries.find((e: any) => e.action === 'account.update' && e.after.active === false);
    expect(disabled).toMatchObject({ accountId: 'wang@op-acc', objectId: 'li@op-acc', before: { active: true } });
    const signIns = await api('GET', '/api/v1/operator/audit?action=sign-in&accountId=li%40op-acc', undefined, admin);
    expect(signIns.body.entries.length).toBeGreaterThanOrEqual(3);
    // By object, a page at a time: two pages of one hold different entries, in the same order as one read.
    const ofLi = (await api('GET', '/api/v1/operator/audit?objectType=account&objectId=li%40op-acc', undefined, admin)).body.entries;
    expect(ofLi.length).toBeGreaterThanOrEqual(5);
    expect(ofLi.every((e: any) => e.objectId === 'li@op-acc')).toBe(true);
    const page1 = (await api('GET', '/api/v1/operator/audit?objectId=li%40op-acc&limit=2', undefined, admin)).body.entries;
    const page2 = (await api('GET', '/api/v1/operator/audit?objectId=li%40op-acc&limit=2&offset=2', undefined, admin)).body.entries;
    expect([...page1, ...page2].map((e: any) => e.id)).toEqual(ofLi.slice(0, 4).map((e: any) => e.id));
    const all = await api('GET', '/api/v1/operator/audit?action=operator.onboard', undefined, city);
    expect(all.body.entries[0]).toMatchObject({ accountId: 'acc-city', objectId: 'op-acc' });
    await expect(p.db.pool.query('UPDATE audit_log SET action = $1', ['tampered'])).rejects.toThrow(/append-only/);
    await expect(p.db.pool.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
  }, 180_000);
});
