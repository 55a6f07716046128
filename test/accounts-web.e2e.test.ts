// The console's account pages (issue 11) in a real headless Chromium against a real platform, one
// browser context per person: the city onboards an operator and copies its admin's setup code; the
// admin opens the setup link, is refused a short password in Chinese, chooses one and is signed in;
// creates a staff account with a refund limit in yuan; the staff member signs in with the setup
// code as a password, chooses a password, and sees no Staff, Audit or Tariffs tab; the admin
// disables them and their next click lands on the sign-in page saying why; the admin's and the
// city's audit tabs show it all, filtered. Then English, and the pages at 390 px.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../core/config.ts';
import type { Pool } from '../core/db/index.ts';
import { createCityAccount } from '../operators/index.ts';
import { cityModules } from '../platform.ts';
import { cspViolations, launchChromium, startTestPlatform, tempDataDir, type TestPlatform } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' };
const CITY = { id: 'city-acc-web', name: '郑州市停车平台', password: 'console-pass-city-1' };
const OP = { id: 'op-acc-web', name: '二七停车管理有限公司', admin: 'wang@op-acc-web', adminName: '王经理' };
const STAFF = { id: 'li@op-acc-web', name: '李员工' };
const tid = (id: string) => `[data-testid="${id}"]`;

let p: TestPlatform;
let pool: Pool;
let browser: Browser;
const contexts: BrowserContext[] = [];
const csp: string[][] = [];
/** Uncaught errors in any of the pages: the test ends expecting none. */
const pageErrors: string[] = [];
let city: Page;
let admin: Page;
let staff: Page;
let setupLink: string;

/** A person's own browser (sessionStorage is per tab), allowed to use the clipboard. */
async function person(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1200 }, locale: 'zh-CN', permissions: ['clipboard-read', 'clipboard-write'] });
  contexts.push(context);
  const page = await context.newPage();
  csp.push(await cspViolations(page));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

async function signIn(page: Page, account: string, password: string) {
  await page.goto(`${p.httpUrl}/#/operator`);
  await page.locator(tid('op-login-id')).fill(account);
  await page.locator(tid('op-login-password')).fill(password);
  await page.locator(tid('op-login-submit')).click();
}

const tabLinks = (page: Page) => page.locator('[data-testid^="op-tab-link-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.replace('op-tab-link-', '')));
const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

beforeAll(async () => {
  const dataDir = tempDataDir();
  p = await startTestPlatform({ dataDir, env: ENV, modules: cityModules(loadConfig({ ...ENV, DATA_DIR: dataDir })).modules });
  pool = p.db.pool;
  await createCityAccount(pool, CITY);
  browser = await launchChromium();
  [city, admin, staff] = [await person(), await person(), await person()];
}, 300_000);
afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await p?.destroy();
});

describe('operators, staff and the audit log in the console', () => {
  it('the city onboards an operator and copies its admin\'s one-time setup code', async () => {
    await signIn(city, CITY.id, CITY.password);
    await city.locator(tid('op-console')).waitFor();
    expect(await tabLinks(city)).toEqual(expect.arrayContaining(['operators', 'audit', 'claims']));
    expect(await tabLinks(city)).not.toContain('staff');
    await city.locator(tid('op-tab-link-operators')).click();
    await city.locator(tid('onboard-operator-id')).fill(OP.id);
    await city.locator(tid('onboard-name')).fill(OP.name);
    await city.locator(tid('onboard-admin-account')).fill(OP.admin);
    await city.locator(tid('onboard-admin-name')).fill(OP.adminName);
    await city.locator(tid('onboard-submit')).click();
    const code = (await city.locator(tid('setup-code')).textContent())!.trim();
    expect(code).toMatch(/^[a-z2-9]{12}$/);
    await city.locator(tid('setup-code-copy')).click();
    await expect.poll(() => city.locator(tid('setup-code-copy')).textContent()).toBe('已复制');
    expect(await city.evaluate(() => navigator.clipboard.readText())).toBe(code);
    setupLink = (await city.locator(tid('setup-link')).textContent())!.trim();
    expect(new URL(setupLink).hash).toBe(`#/operator/setup?account=${encodeURIComponent(OP.admin)}&code=${code}`);
    // The list shows the operator, no lots yet, its admin waiting for a first sign-in.
    const row = city.locator(`[data-operator-id="${OP.id}"]`);
    await expect.poll(() => row.locator(tid('operator-admins')).textContent()).toContain('待首次登录');
    expect(await row.locator(tid('operator-lots')).textContent()).toBe('0');
    const made = (await pool.query('SELECT role, operator_id, must_set_password FROM operator_accounts WHERE id = $1', [OP.admin])).rows[0];
    expect(made).toEqual({ role: 'admin', operator_id: OP.id, must_set_password: true });
    // The same id again is refused, in Chinese first, with the API's sentence naming it.
    await city.locator(tid('setup-code-done')).click();
    await city.locator(tid('onboard-operator-id')).fill(OP.id);
    await city.locator(tid('onboard-name')).fill('重复');
    await city.locator(tid('onboard-admin-account')).fill('other@op-acc-web');
    await city.locator(tid('onboard-admin-name')).fill('重复');
    await city.locator(tid('onboard-submit')).click();
    expect(await city.locator(tid('onboard-error')).textContent()).toMatch(/^该编号或登录账号已被占用，请换一个。 .*op-acc-web/);
  });

  it('the new admin opens the setup link, is refused a short password in Chinese, then chooses one and is signed in', async () => {
    await admin.goto(setupLink);
    await admin.locator(tid('setup-form')).waitFor();
    expect(await admin.locator(tid('setup-account')).inputValue()).toBe(OP.admin);
    await admin.locator(tid('setup-password')).fill('short');
    await admin.locator(tid('setup-password-again')).fill('short');
    await admin.locator(tid('setup-submit')).click();
    expect(await admin.locator(tid('setup-error')).textContent()).toBe('密码至少需要 10 个字符');
    await admin.locator(tid('setup-password')).fill('wang-password-1');
    await admin.locator(tid('setup-password-again')).fill('wang-password-1');
    await admin.locator(tid('setup-submit')).click();
    expect(await admin.locator(tid('op-name')).textContent()).toBe(OP.adminName);
    expect(new URL(admin.url()).hash).toBe('#/operator');
    const tabs = await tabLinks(admin);
    expect(tabs).toEqual(expect.arrayContaining(['staff', 'audit', 'tariffs']));
    expect(tabs).not.toContain('operators');
    expect((await pool.query('SELECT must_set_password FROM operator_accounts WHERE id = $1', [OP.admin])).rows[0].must_set_password).toBe(false);
  });

  let staffCode: string;
  it('the admin creates a staff account with a refund limit in yuan, stored in fen', async () => {
    await admin.locator(tid('op-tab-link-staff')).click();
    await admin.locator(tid('staff-account')).fill(STAFF.id);
    await admin.locator(tid('staff-name')).fill(STAFF.name);
    await admin.locator(tid('staff-limit')).fill('12.5');
    await admin.locator(tid('staff-create')).click();
    staffCode = (await admin.locator(tid('setup-code')).textContent())!.trim();
    expect(staffCode).toMatch(/^[a-z2-9]{12}$/);
    const row = admin.locator(`[data-account-id="${STAFF.id}"]`);
    expect(await row.locator(tid('staff-limit-value')).textContent()).toBe('¥12.50');
    expect(await row.locator(tid('staff-state')).textContent()).toBe('待设置密码');
    expect((await pool.query('SELECT refund_limit_fen, role FROM operator_accounts WHERE id = $1', [STAFF.id])).rows[0]).toEqual({ refund_limit_fen: 1250, role: 'staff' });
    await admin.locator(tid('setup-code-done')).click();
    // The limit changed in place: 20 yuan.
    await row.locator(tid('staff-set-limit')).click();
    await row.locator(tid('staff-limit-edit')).fill('20');
    await row.locator(tid('staff-limit-save')).click();
    await expect.poll(() => row.locator(tid('staff-limit-value')).textContent()).toBe('¥20.00');
    expect((await pool.query('SELECT refund_limit_fen FROM operator_accounts WHERE id = $1', [STAFF.id])).rows[0].refund_limit_fen).toBe(2000);
  });

  it('the staff member signs in with the setup code as a password, chooses a password, and sees no Staff, Audit or Tariffs tab', async () => {
    await signIn(staff, STAFF.id, staffCode);
    await staff.locator(tid('setup-form')).waitFor();
    expect(await staff.locator(tid('setup-code-input')).inputValue()).toBe(staffCode);
    await staff.locator(tid('setup-password')).fill('li-password-01');
    await staff.locator(tid('setup-password-again')).fill('li-password-02');
    await staff.locator(tid('setup-submit')).click();
    expect(await staff.locator(tid('setup-error')).textContent()).toBe('两次输入的密码不一致');
    await staff.locator(tid('setup-password-again')).fill('li-password-01');
    await staff.locator(tid('setup-submit')).click();
    expect(await staff.locator(tid('op-name')).textContent()).toBe(STAFF.name);
    const tabs = await tabLinks(staff);
    expect(tabs).toContain('review');
    for (const hidden of ['staff', 'audit', 'tariffs', 'operators', 'claims']) expect(tabs).not.toContain(hidden);
    // A hash typed by hand opens the review queue instead.
    await staff.goto(`${p.httpUrl}/#/operator/staff`);
    await staff.locator(tid('op-tab-review')).waitFor();
  });

  it('the admin disables the staff account; the staff member\'s next click lands on the sign-in page saying why', async () => {
    await admin.reload();
    const row = admin.locator(`[data-account-id="${STAFF.id}"]`);
    await expect.poll(() => row.locator(tid('staff-state')).textContent()).toBe('启用');
    await row.locator(tid('staff-disable')).click();
    await row.locator(tid('staff-disable-yes')).click();
    await expect.poll(() => row.locator(tid('staff-state')).textContent()).toBe('已停用');
    // The admin cannot disable themself: no button on their own row.
    expect(await admin.locator(`[data-account-id="${OP.admin}"] ${tid('staff-disable')}`).count()).toBe(0);

    await staff.locator(tid('op-tab-link-lots')).click();
    await staff.locator(tid('op-login')).waitFor();
    expect(await staff.locator(tid('op-ended')).textContent()).toContain('停用');
    await signIn(staff, STAFF.id, 'li-password-01');
    await staff.locator(tid('op-login-error')).waitFor();
  });

  it('the admin\'s audit tab shows these actions, filtered by action and by object', async () => {
    await admin.locator(tid('op-tab-link-audit')).click();
    await admin.locator(tid('audit-table')).waitFor();
    await admin.locator(tid('audit-action')).fill('account.update');
    await admin.locator(tid('audit-apply')).click();
    await expect.poll(() => admin.locator(tid('audit-row')).evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute('data-action')))])).toEqual(['account.update']);
    // Newest first: the disabling, then the limit of 12.50 → 20.00 yuan.
    const rows = admin.locator(tid('audit-row'));
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).locator('[data-field="active"]').textContent()).toBe('active true → false');
    expect(await rows.nth(1).locator('[data-field="refundLimitFen"]').textContent()).toBe('refundLimitFen ¥12.50 → ¥20.00');
    expect(await rows.nth(0).getAttribute('data-object-id')).toBe(STAFF.id);

    await admin.locator(tid('audit-clear')).click();
    await admin.locator(tid('audit-objectId')).fill(STAFF.id);
    await admin.locator(tid('audit-apply')).click();
    await expect.poll(() => admin.locator(tid('audit-row')).evaluateAll((rs) => rs.map((r) => r.getAttribute('data-action')))).toEqual(
      ['account.update', 'sign-in', 'account.set-password', 'account.update', 'account.create']);
    // Nothing of another tenant, and the city's onboarding of this one is the admin's to read too.
    await admin.locator(tid('audit-clear')).click();
    await expect.poll(() => admin.locator(tid('audit-row')).evaluateAll((rs) => rs.map((r) => r.getAttribute('data-action')))).toContain('operator.onboard');
    expect(await admin.locator(tid('audit-next')).isDisabled()).toBe(true);
  });

  it('the city reads every operator\'s audit log and narrows it to one operator', async () => {
    await city.locator(tid('op-tab-link-audit')).click();
    await city.locator(tid('audit-table')).waitFor();
    await city.locator(tid('audit-operatorId')).selectOption(OP.id);
    await city.locator(tid('audit-action')).fill('account.');
    await city.locator(tid('audit-apply')).click();
    await expect.poll(() => city.locator(tid('audit-row')).evaluateAll((rs) => [...new Set(rs.map((r) => r.getAttribute('data-action')))].sort())).toEqual(
      ['account.create', 'account.set-password', 'account.update']);
  });

  it('the admin enables the account again and resets its password: the old password fails, the new setup code signs in', async () => {
    await admin.locator(tid('op-tab-link-staff')).click();
    const row = admin.locator(`[data-account-id="${STAFF.id}"]`);
    await row.locator(tid('staff-enable')).click();
    await row.locator(tid('staff-enable-yes')).click();
    await expect.poll(() => row.locator(tid('staff-state')).textContent()).toBe('启用');
    await row.locator(tid('staff-reset')).click();
    await row.locator(tid('staff-reset-yes')).click();
    const code = (await admin.locator(tid('setup-code')).textContent())!.trim();
    expect(code).not.toBe(staffCode);
    await expect.poll(() => row.locator(tid('staff-state')).textContent()).toBe('待设置密码');
    await admin.locator(tid('setup-code-done')).click();

    await signIn(staff, STAFF.id, 'li-password-01');
    await staff.locator(tid('op-login-error')).waitFor();
    await staff.locator(tid('op-login-password')).fill(code);
    await staff.locator(tid('op-login-submit')).click();
    await staff.locator(tid('setup-password')).fill('li-password-03');
    await staff.locator(tid('setup-password-again')).fill('li-password-03');
    await staff.locator(tid('setup-submit')).click();
    expect(await staff.locator(tid('op-name')).textContent()).toBe(STAFF.name);
    await staff.locator(tid('op-sign-out')).click();
  });

  it('reads in English, and fits a 390 px phone: the staff, audit and operators pages and the setup form', async () => {
    await admin.locator(tid('op-tab-link-audit')).click();
    await admin.locator(tid('lang-toggle')).click();
    expect(await admin.locator(tid('op-tab-link-staff')).textContent()).toBe('Staff');
    expect(await admin.locator(tid('op-tab-link-audit')).textContent()).toBe('Audit log');
    expect(await admin.locator(`${tid('audit')} h2`).textContent()).toBe('Audit log');
    await admin.locator(tid('lang-toggle')).click();
    expect(await admin.locator(tid('op-tab-link-staff')).textContent()).toBe('员工账号');

    for (const page of [admin, city, staff]) await page.setViewportSize({ width: 390, height: 800 });
    await admin.locator(tid('audit-table')).waitFor();
    expect(await overflows(admin)).toBe(false);
    await admin.locator(tid('op-tab-link-staff')).click();
    await admin.locator(tid('staff-list')).waitFor();
    expect(await overflows(admin)).toBe(false);
    await city.locator(tid('op-tab-link-operators')).click();
    await city.locator(tid('operators')).locator('table').waitFor();
    expect(await overflows(city)).toBe(false);
    await staff.locator(tid('op-have-setup-code')).click();
    await staff.locator(tid('setup-form')).waitFor();
    expect(await overflows(staff)).toBe(false);
    expect(csp.flat()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
