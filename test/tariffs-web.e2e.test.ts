// The tariff console and the lot's public fees in a real headless Chromium against a real
// platform: the admin composes a version (a progressive tier added, the live preview repricing as
// it is typed, a mistake shown with the engine's sentence), saves and schedules it; the city signs
// in and approves it; the lot's page on the map shows it as the next tariff — on a desktop and on a
// 360 px phone. Then a monthly pass is issued from the passes tab.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../core/config.ts';
import { cityModules } from '../platform.ts';
import { createCityAccount, createOperator } from '../operators/index.ts';
import { startTestPlatform, tempDataDir, type TestPlatform, launchChromium, cspViolations } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' };
const ADMIN = { id: 'op-zzpark', name: '郑州城市停车', password: 'console-pass-tariffs-1' };
const CITY = { id: 'city', name: '郑州市城管局', password: 'console-pass-city-1' };
const LOT = 'ZZ-JS-0005'; // 花园路, a street lot of op-zzpark

let p: TestPlatform;
let browser: Browser;
let page: Page;
let csp: string[];
const tid = (id: string, extra = '') => `[data-testid="${id}"]${extra}`;

async function signIn(who: { id: string; password: string }) {
  await page.goto(p.httpUrl + '/#/operator');
  await page.reload(); // a hash change keeps the page (and who was signed in): load it afresh
  await page.locator(tid('op-login-id')).fill(who.id);
  await page.locator(tid('op-login-password')).fill(who.password);
  await page.locator(tid('op-login-submit')).click();
  await page.locator(tid('op-console')).waitFor();
}

/** The total the preview shows for a typical stay, in the page's words. */
async function previewTotal(label: string): Promise<string> {
  const row = page.locator(`${tid('tariff-preview-examples')} li`, { hasText: label });
  return row.locator(tid('stay-total')).innerText();
}

const overflows = () => page.evaluate(() => document.scrollingElement!.scrollWidth > window.innerWidth + 1);

beforeAll(async () => {
  const dataDir = tempDataDir();
  const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  p = await startTestPlatform({ dataDir, env: ENV, modules: cityModules(config).modules });
  await createOperator(p.db.pool, ADMIN);
  await createCityAccount(p.db.pool, CITY);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, locale: 'zh-CN', timezoneId: 'Europe/London' });
  csp = await cspViolations(page);
  page.setDefaultTimeout(8000);
}, 180_000); // a platform and a browser on a shared 2-core machine
afterAll(async () => {
  await browser?.close();
  await p?.destroy();
});

describe('tariffs in the console and on the map', () => {
  it('the admin composes a version with a tier; the preview reprices as it is typed and names mistakes', async () => {
    await signIn(ADMIN);
    await page.locator(tid('op-tab-link-tariffs')).click();
    await page.locator(tid('op-lot-select')).selectOption(LOT);
    await page.locator(tid('lot-tariffs')).waitFor();
    expect(await page.locator(tid('version-2'), { hasText: '执行中' }).count()).toBe(1);
    await page.locator(tid('tariff-new')).click();
    await page.locator(tid('tariff-composer')).waitFor();
    // A copy of the version in force (zz-street v2): 4 h from 09:00 is ¥3 + 6 × ¥1.50.
    await page.locator(tid('tariff-preview-examples')).waitFor();
    expect(await previewTotal('09:00起 4小时')).toBe('¥12.00');

    // After 2 h, ¥3 per 30 min: ¥3 + 2 × ¥1.50 + 4 × ¥3 = ¥18.
    await page.locator(tid('band-0-add-tier')).click();
    await page.locator(tid('band-0-tier-0-yuan')).fill('3');
    await expect.poll(() => previewTotal('09:00起 4小时'), { timeout: 5000 }).toBe('¥18.00');
    expect(await page.locator(tid('tariff-preview-rules')).innerText()).toContain('超过120分钟后每30分钟 ¥3.00');
    const twoHalf = page.locator(`${tid('tariff-preview-examples')} li`, { hasText: '09:00起 4小时' });
    await twoHalf.locator('summary').click();
    expect(await twoHalf.innerText()).toContain('超过120分钟后 每30分钟 ¥3.00 × 4 = ¥12.00');

    // A band that ends where no band starts: the engine's sentence, then fixed.
    await page.locator(tid('band-0-to')).fill('20:00');
    await expect.poll(() => page.locator(tid('tariff-preview-error')).innerText().catch(() => ''), { timeout: 5000 })
      .toContain('band Day ends at 20:00 but the next band, Night, starts at 21:00');
    await page.locator(tid('band-0-to')).fill('21:00');
    await page.locator(tid('tariff-preview-error')).waitFor({ state: 'detached' });

    await page.locator(tid('tariff-name')).fill('Street with a 2-hour step');
    await page.locator(tid('tariff-save')).click();
    await page.locator(tid('version-3', '[data-status="draft"]')).waitFor();
    await page.locator(tid('version-3-schedule')).click();
    await page.locator(tid('version-3', '[data-status="pending"]')).waitFor();
    expect(await page.locator(tid('version-3'), { hasText: '待市政审批' }).count()).toBe(1);
  });

  it('the city approves it from its queue', async () => {
    await page.locator(tid('op-sign-out')).click();
    await signIn(CITY);
    await page.locator(tid('op-tab-link-tariffs')).click();
    const item = page.locator(tid(`approval-${LOT}@3`));
    await item.waitFor();
    expect(await item.innerText()).toContain('超过120分钟后每30分钟 ¥3.00');
    await page.locator(tid(`approve-${LOT}@3`)).click();
    await item.waitFor({ state: 'detached' });
    const { rows } = await p.db.pool.query(`SELECT status, decided_by FROM tariffs WHERE lot_id = $1 AND version = 3`, [LOT]);
    expect(rows).toEqual([{ status: 'approved', decided_by: 'city' }]);
  });

  it('the lot\'s page on the map shows the fees in force and the approved next version, on desktop and on a 360 px phone', async () => {
    for (const viewport of [{ width: 1280, height: 1000 }, { width: 360, height: 740 }]) {
      await page.setViewportSize(viewport);
      await page.goto(p.httpUrl + '/#/');
      await page.locator(tid('search-input')).fill('花园路');
      await page.locator(tid('search-result', `[data-lot-id="${LOT}"]`)).click();
      const next = page.locator(tid('lot-tariff-next'));
      await next.waitFor();
      expect(await next.getAttribute('data-version')).toBe('3');
      expect(await page.locator(tid('lot-tariff-current')).getAttribute('data-version')).toBe('2');
      expect(await page.locator(tid('lot-tariff-next-rules')).innerText()).toContain('超过120分钟后每30分钟 ¥3.00');
      expect(await page.locator(tid('lot-tariff-approval')).innerText()).toContain('市政');
      expect(await overflows()).toBe(false);
    }
  });

  it('the composer and the passes tab fit a 360 px phone; a monthly pass is issued and listed', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    // Signed out (the token lives in sessionStorage), then in again as the admin.
    await page.evaluate(() => sessionStorage.clear());
    await signIn(ADMIN);
    await page.goto(p.httpUrl + '/#/operator/passes');
    await page.locator(tid('op-lot-select')).selectOption(LOT);
    await page.locator(tid('pass-name')).fill('李伟');
    await page.locator(tid('pass-plates')).fill('豫A 55555');
    await page.locator(tid('pass-price')).fill('300');
    await page.locator(tid('pass-issue')).click();
    const item = page.locator(`${tid('pass-list')} li`, { hasText: '李伟' });
    await page.locator(`${tid('pass-list')} li, ${tid('pass-error')}`).first().waitFor({ timeout: 20_000 });
    expect(await page.locator(tid('pass-error')).count(), await page.locator(tid('op-tab-passes')).innerText()).toBe(0);
    await item.waitFor({ timeout: 20_000 });
    expect(await item.innerText()).toContain('豫A55555');
    expect(await item.innerText()).toContain('¥300.00');
    expect(await overflows()).toBe(false);

    await page.goto(p.httpUrl + '/#/operator/tariffs');
    await page.locator(tid('op-lot-select')).selectOption(LOT);
    await page.locator(tid('tariff-new')).click();
    await page.locator(tid('tariff-preview-examples')).waitFor();
    expect(await overflows()).toBe(false);
  });

  it('broke none of the page\'s security rules', () => {
    expect(csp).toEqual([]);
  });
});
