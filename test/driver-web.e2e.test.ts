// The drivers' account and plate-lookup pages in a real headless Chromium (Debian's), against a
// real platform with payments wired (the simulated provider over HTTP, its signed webhooks).
// Sessions and invoices are inserted with SQL, as the sessions engine would write them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../core/config.ts';
import type { Pool } from '../core/db/index.ts';
import { paymentsModule } from '../payments/index.ts';
import { ensureBillingSeed } from '../seed/billing-seed.ts';
import { notificationsModule } from '../notifications/index.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { smsCode, startTestPlatform, tempDataDir, nextSeq, type TestPlatform, launchChromium, cspViolations } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' };
const PHONE = '13712345678';
const PASSWORD = 'parking-pass-1';
const MY_PLATE = '豫A8W123';
const OTHER_PLATE = '豫B66666';

const LINES = [
  { kind: 'band', name: 'Day', nameZh: '白天', part: 'first-unit', from: '2026-03-02T01:00:00Z', to: '2026-03-02T02:00:00Z', minutes: 60, units: 1, unitMinutes: 60, unitFen: 300, amountFen: 300, description: 'Day first 60 min ¥3.00' },
  { kind: 'band', name: 'Day', nameZh: '白天', part: 'later-units', from: '2026-03-02T02:00:00Z', to: '2026-03-02T03:40:00Z', minutes: 100, units: 4, unitMinutes: 30, unitFen: 150, amountFen: 650, description: 'Day 4 × ¥1.50' },
];

let p: TestPlatform;
let pool: Pool;
let browser: Browser;
let page: Page;
let csp: string[];

async function firstLot(kind: 'street' | 'garage'): Promise<string> {
  return (await pool.query<{ id: string }>('SELECT id FROM lots WHERE kind = $1 ORDER BY id LIMIT 1', [kind])).rows[0].id;
}

/** A closed session and its outstanding invoice (¥9.50, entry 09:00 Asia/Shanghai). */
async function makeInvoice(plate: string, opts: { dueAt?: Date } = {}): Promise<{ id: number; ref: string }> {
  const lot = await firstLot('street');
  const s = await pool.query<{ id: number }>(
    `INSERT INTO sessions (lot_id, plate, plate_kind, status, entry_time, exit_time, entry_device, entry_seq, exit_device, exit_seq, entry_confidence, exit_confidence)
     VALUES ($1, $2, 'standard', 'closed', '2026-03-02T01:00:00Z', '2026-03-02T03:40:00Z', 'test-gate-cam', $3, 'test-gate-cam', $4, 0.97, 0.95) RETURNING id`,
    [lot, plate, nextSeq(), nextSeq()]);
  const i = await pool.query<{ id: number; public_ref: string }>(
    `INSERT INTO invoices (session_id, lot_id, plate, amount_fen, lines, tariff_id, tariff_version, status, due_at)
     VALUES ($1, $2, $3, 950, $4, 'zz-street-v2', 2, 'outstanding', $5) RETURNING id, public_ref`,
    [s.rows[0].id, lot, plate, JSON.stringify(LINES), opts.dueAt ?? new Date(Date.now() + 7 * 86400_000)]);
  return { id: i.rows[0].id, ref: i.rows[0].public_ref };
}

async function openSession(plate: string, minutesAgo: number): Promise<number> {
  const lot = await firstLot('garage');
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO sessions (lot_id, plate, plate_kind, status, entry_time, entry_device, entry_seq, entry_confidence)
     VALUES ($1, $2, 'standard', 'open', now() - make_interval(mins => $3), 'test-gate-cam', $4, 0.98) RETURNING id`,
    [lot, plate, minutesAgo, nextSeq()]);
  return rows[0].id;
}

const tid = (id: string, extra = '') => `[data-testid="${id}"]${extra}`;

async function setLang(lang: 'zh' | 'en') {
  const toggle = page.locator(tid('lang-toggle'));
  if ((await toggle.getAttribute('data-lang')) !== lang) await toggle.click();
  await page.waitForFunction((l) => document.querySelector('[data-testid="lang-toggle"]')?.getAttribute('data-lang') === l, lang);
}

beforeAll(async () => {
  const dataDir = tempDataDir();
  const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  // A long auto-charge interval: nothing charges behind the test's back except the pokes the API makes.
  const payments = paymentsModule(config, { autoChargeIntervalMs: 3_600_000, sim: { latencyMs: 30 } });
  p = await startTestPlatform({ dataDir, env: ENV, modules: [payments, notificationsModule(config)] });
  pool = p.db.pool;
  await ensureBillingSeed(pool); // tariffs, so an open stay has a running fee
  browser = await launchChromium();
  // A browser in another zone: times must still show in Asia/Shanghai.
  page = await browser.newPage({ viewport: { width: 1100, height: 1300 }, locale: 'zh-CN', timezoneId: 'Europe/London' });
  csp = await cspViolations(page);
  page.setDefaultTimeout(8000); // a stuck step fails with its own message, before the test's timeout
});
afterAll(async () => {
  await browser?.close();
  await p?.destroy();
});

describe('driver pages', () => {
  it('keeps the map as the default page, with the nav in the header', async () => {
    await page.goto(p.httpUrl + '/');
    await page.locator(tid('stream-status', '[data-state="open"]')).waitFor({ timeout: 10_000 });
    expect(await page.locator(tid('nav-map')).getAttribute('aria-current')).toBe('page');
    expect(await page.locator(tid('nav-lookup')).innerText()).toBe('查缴费');
    expect(await page.locator(tid('nav-account')).innerText()).toBe('我的');
    await page.screenshot({ path: '/tmp/onelot-map-nav-zh.png' });
  });

  it('registers, adds a plate, a payment method, and turns contactless on', async () => {
    await page.locator(tid('nav-account')).click();
    await page.locator(tid('login-phone')).fill(PHONE);
    await page.locator(tid('login-password')).fill(PASSWORD);
    await page.locator(tid('register-submit')).click();
    // Step 2: the code the (simulated) SMS carried.
    await page.locator(tid('register-code')).waitFor({ timeout: 5000 });
    await page.locator(tid('register-code')).fill(await smsCode(p, PHONE));
    await page.locator(tid('register-confirm')).click();
    await page.locator(tid('plate-input')).waitFor({ timeout: 15_000 });
    expect(await page.locator(tid('account-phone')).innerText()).toBe(PHONE);
    // The session is an HttpOnly cookie the page's script cannot read; nothing in storage.
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie)).not.toMatch(/onelot_session|token/);
    const session = (await page.context().cookies()).find((c) => c.name === 'onelot_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });

    // Hints while typing; the plate is sent normalised.
    await page.locator(tid('plate-input')).fill('A12');
    expect(await page.locator(tid('plate-input-hint')).innerText()).toContain('省份');
    expect(await page.locator(tid('plate-add')).isDisabled()).toBe(true);
    await page.locator(tid('plate-input')).fill('豫a·8w123');
    expect(await page.locator(tid('plate-input-hint')).innerText()).toContain(MY_PLATE);
    await page.locator(tid('plate-add')).click();
    const row = page.locator(tid('plate-row', `[data-plate="${MY_PLATE}"]`));
    await row.waitFor({ timeout: 5000 });

    // No payment method yet: contactless is off and explained.
    expect(await row.locator(tid('contactless-toggle')).isDisabled()).toBe(true);
    expect(await page.locator(tid('plates-card')).innerText()).toContain('无感支付需要先添加支付方式');

    await page.locator(tid('pm-kind')).selectOption('alipay');
    await page.locator(tid('pm-account')).fill('138****0000');
    await page.locator(tid('pm-add')).click();
    await page.locator(tid('pm-row')).first().waitFor({ timeout: 5000 });
    expect(await page.locator(tid('pm-row')).first().innerText()).toContain('默认');

    await row.locator(tid('contactless-toggle')).check();
    await page.locator(tid('plate-row', `[data-plate="${MY_PLATE}"][data-contactless="true"]`)).waitFor({ timeout: 5000 });
    const { rows } = await pool.query('SELECT contactless FROM driver_plates WHERE plate = $1', [MY_PLATE]);
    expect(rows[0].contactless).toBe(true);
  });

  it('shows the current stay with a live fee, pays an invoice with the default method, and offers the receipt', async () => {
    // The account shows only stays since the plate's claim: this driver claimed it before these.
    await pool.query(`UPDATE driver_plates SET claimed_at = '2026-01-01T00:00:00Z' WHERE plate = $1`, [MY_PLATE]);
    await openSession(MY_PLATE, 95);
    const { ref } = await makeInvoice(MY_PLATE);
    await page.reload();
    const open = page.locator(tid('session-row', '[data-status="open"]'));
    await open.waitFor({ timeout: 5000 });
    const fee = open.locator(tid('running-fee'));
    expect(await fee.innerText()).toMatch(/^¥\d+\.\d{2}$/);
    expect(Number(await fee.getAttribute('data-fen'))).toBeGreaterThan(0);
    // The elapsed time ticks every second without a fetch.
    const elapsed = open.locator(tid('elapsed'));
    const before = await elapsed.innerText();
    expect(before).toMatch(/^1:3\d:\d\d$/);
    await page.waitForFunction((b) => document.querySelector('[data-testid="elapsed"]')?.textContent !== b, before, { timeout: 3000 });

    const inv = page.locator(tid('invoice-row', `[data-invoice-ref="${ref}"]`));
    await inv.waitFor({ timeout: 5000 });
    expect(await inv.getAttribute('data-status')).toBe('outstanding');
    expect(await inv.locator(tid('invoice-amount')).innerText()).toBe('¥9.50');
    expect(await inv.innerText()).toContain('2026-03-02 09:00'); // entry in Asia/Shanghai, browser in London
    await page.screenshot({ path: '/tmp/onelot-account-zh.png', fullPage: true });

    await inv.locator(tid('pay-button')).click();
    await page.locator(tid('invoice-row', `[data-invoice-ref="${ref}"][data-status="paid"]`)).waitFor({ timeout: 10_000 });
    const receipt = inv.locator(tid('receipt-link'));
    const href = (await receipt.getAttribute('href'))!;
    expect(href).toMatch(/^\/api\/v1\/receipts\/OL-\d{8}-\d{6,}\?key=/);
    const res = await fetch(p.httpUrl + href);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('¥9.50');

    // The finished stay lists the paid invoice with its receipt.
    const past = page.locator(tid('session-row', '[data-status="closed"]')).filter({ has: page.locator(tid('receipt-link')) });
    await past.first().waitFor({ timeout: 5000 });
    await setLang('en');
    expect(await page.locator(tid('open-sessions')).innerText()).toContain('Parked now');
    await page.screenshot({ path: '/tmp/onelot-account-en.png', fullPage: true });
    await setLang('zh');
  });

  it('looks up another plate without an account (amount, lot, date; no times) and pays it by reference with a one-off token (declined, then paid)', async () => {
    const { id: invoiceId, ref } = await makeInvoice(OTHER_PLATE, { dueAt: new Date(Date.now() - 86400_000) });
    await page.locator(tid('logout')).click();
    await page.locator(tid('login-phone')).waitFor({ timeout: 5000 });
    expect(await page.evaluate(() => localStorage.getItem('onelot.driverToken'))).toBeNull();

    await page.locator(tid('nav-lookup')).click();
    await page.locator(tid('lookup-input')).fill('豫b 66666');
    expect(await page.locator(tid('lookup-input-hint')).innerText()).toContain(OTHER_PLATE);
    await page.locator(tid('lookup-submit')).click();
    const result = page.locator(tid('lookup-result'));
    await result.waitFor({ timeout: 5000 });
    const text = await result.innerText();
    expect(text).toContain('豫B·***66'); // masked
    expect(text).not.toContain(OTHER_PLATE);
    expect(text).toContain('¥9.50');
    expect(text).toContain('已逾期');
    expect(text).toContain('2026-03-02'); // the stay's date in Asia/Shanghai...
    expect(text).not.toMatch(/09:00|11:40/); // ...and never its times (plates are personal data)
    const inv = result.locator(tid('invoice-row', `[data-invoice-ref="${ref}"]`));
    expect(await inv.locator('summary').count()).toBe(0); // no fee lines: they carry times

    // A declined checkout first.
    await inv.locator(tid('pay-button')).click();
    await inv.locator(tid('checkout-account')).fill('decline-me');
    await page.screenshot({ path: '/tmp/onelot-lookup-zh.png', fullPage: true });
    await inv.locator(tid('checkout-submit')).click();
    await page.locator(tid('invoice-row', `[data-invoice-ref="${ref}"][data-pay="declined"]`)).waitFor({ timeout: 10_000 });
    expect(await inv.innerText()).toContain('银行卡被拒'); // the provider's card_declined, in the page's language
    expect(await inv.getAttribute('data-status')).toBe('outstanding');

    // Then a good one.
    await inv.locator(tid('pay-button')).click();
    await inv.locator(tid('checkout-account')).fill('138****0000');
    await inv.locator(tid('checkout-submit')).click();
    await page.locator(tid('invoice-row', `[data-invoice-ref="${ref}"][data-status="paid"]`)).waitFor({ timeout: 10_000 });
    await inv.locator(tid('receipt-link')).waitFor({ timeout: 5000 }); // the payer's, through the payment key
    const { rows } = await pool.query<{ status: string; n: number }>(
      `SELECT i.status, (SELECT count(*)::int FROM charges c WHERE c.invoice_id = i.id AND c.status = 'succeeded') AS n FROM invoices i WHERE i.id = $1`, [invoiceId]);
    expect(rows[0]).toEqual({ status: 'paid', n: 1 });
    await page.screenshot({ path: '/tmp/onelot-lookup-paid-zh.png', fullPage: true });
    await setLang('en');
    expect(await inv.innerText()).toContain('Paid');
    await page.screenshot({ path: '/tmp/onelot-lookup-paid-en.png', fullPage: true });
  });

  it('logs back in with the phone and password', async () => {
    await page.locator(tid('nav-account')).click();
    await page.locator(tid('login-phone')).fill(PHONE);
    await page.locator(tid('login-password')).fill('wrong-password');
    await page.locator(tid('login-submit')).click();
    await page.locator('[role="alert"]').waitFor({ timeout: 5000 });
    expect(await page.locator('[role="alert"]').innerText()).toContain('phone number or password is wrong');
    await page.screenshot({ path: '/tmp/onelot-login-en.png' });
    await page.locator(tid('login-password')).fill(PASSWORD);
    await page.locator(tid('login-submit')).click();
    await page.locator(tid('plate-row', `[data-plate="${MY_PLATE}"]`)).waitFor({ timeout: 5000 });
    await page.setViewportSize({ width: 390, height: 1400 });
    await page.screenshot({ path: '/tmp/onelot-account-mobile-en.png', fullPage: true });
    // The map, narrow, with the nav squeezed into the header.
    await page.setViewportSize({ width: 390, height: 760 });
    await page.locator(tid('nav-map')).click();
    await page.locator(tid('stream-status', '[data-state="open"]')).waitFor({ timeout: 10_000 });
    await setLang('zh');
    await page.screenshot({ path: '/tmp/onelot-map-mobile-zh.png' });
  });

  it('refuses a state change by cookie without the CSRF header, and a cross-site POST does not sign out', async () => {
    // Same origin but no X-OneLot-CSRF (what a forged form or a script without the cookie's value sends).
    const bare = await page.evaluate(async () => {
      const r = await fetch('/api/v1/auth/logout', { method: 'POST' });
      return { status: r.status, body: await r.json() };
    });
    expect(bare).toMatchObject({ status: 403, body: { error: { code: 'ONELOT_ERR_CSRF' } } });
    // Another site (localhost is not 127.0.0.1's site) posts to our sign-out with the browser's cookies.
    const evil = http.createServer((_req, res) => res.end('<!doctype html><title>evil</title>'));
    await new Promise<void>((resolve) => evil.listen(0, 'localhost', resolve));
    try {
      // The test's page was made by browser.newPage(), whose context takes no second page: visit the other site in it.
      await page.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
      // The request goes out; our Cross-Origin-Resource-Policy then hides the answer, so fetch rejects.
      await page.evaluate(async (url) => { await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include' }).catch(() => null); }, `${p.httpUrl}/api/v1/auth/logout`);
    } finally {
      evil.close();
    }
    await page.goto(`${p.httpUrl}/`);
    // Still signed in: SameSite=Strict kept the cookie off the cross-site request.
    expect(await page.evaluate(async () => (await fetch('/api/v1/me')).status)).toBe(200);
  });
});

describe('driver pages under the Content-Security-Policy', () => {
  it('broke none of its rules', () => {
    expect(csp).toEqual([]);
  });
});
