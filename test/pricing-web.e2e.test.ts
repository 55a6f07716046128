// Price steps in the console, in a real headless Chromium against a real platform (issue 15 §2):
// the city sets its policy and asks for recommendations; the operator's admin reads the evidence
// (occupancy by hour, the step per band), accepts the street step and rejects the garage's with a
// reason — in Chinese and in English, and on a 390 px phone; the city then finds the accepted
// street step waiting in its tariff approvals. The composer also writes an EV-bay misuse fee (§4). Four weeks of occupancy are written as the samples
// ingest keeps, so the weekly job has history to read.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../core/config.ts';
import { cityModules } from '../platform.ts';
import { createCityAccount, createOperator } from '../operators/index.ts';
import { startTestPlatform, tempDataDir, type TestPlatform, launchChromium, cspViolations } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' };
const ADMIN = { id: 'op-zzpark', name: '郑州城市停车', password: 'console-pass-pricing-1' };
const CITY = { id: 'city', name: '郑州市城管局', password: 'console-pass-city-1' };
const STREET = 'ZZ-JS-0005'; // 花园路, a street lot of op-zzpark

let p: TestPlatform;
let browser: Browser;
let page: Page;
let csp: string[];
let garage: string;
const tid = (id: string, extra = '') => `[data-testid="${id}"]${extra}`;
const overflows = () => page.evaluate(() => document.scrollingElement!.scrollWidth > window.innerWidth + 1);

async function signIn(who: { id: string; password: string }) {
  await page.goto(p.httpUrl + '/#/operator');
  await page.reload();
  await page.locator(tid('op-login-id')).fill(who.id);
  await page.locator(tid('op-login-password')).fill(who.password);
  await page.locator(tid('op-login-submit')).click();
  await page.locator(tid('op-console')).waitFor();
}

async function history(lotId: string, day: number, night: number) {
  await p.db.pool.query(
    `INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
     SELECT t, l.id, l.capacity - o.n, o.n, 0
       FROM lots l, generate_series(now() - interval '28 days', now() - interval '15 minutes', interval '15 minutes') t,
            LATERAL (SELECT round(l.capacity * CASE WHEN extract(hour FROM t AT TIME ZONE 'Asia/Shanghai') BETWEEN 7 AND 20 THEN $2::float8 ELSE $3::float8 END)::int AS n) o
      WHERE l.id = $1`, [lotId, day, night]);
}

beforeAll(async () => {
  const dataDir = tempDataDir();
  const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  p = await startTestPlatform({ dataDir, env: ENV, modules: cityModules(config).modules });
  await createOperator(p.db.pool, ADMIN);
  await createCityAccount(p.db.pool, CITY);
  garage = (await p.db.pool.query(`SELECT l.id FROM lots l JOIN lot_billing b ON b.lot_id = l.id WHERE l.kind = 'garage' AND l.operator_id = 'op-zzpark' AND b.tariff_id = 'zz-garage' ORDER BY l.id LIMIT 1`)).rows[0].id;
  await history(STREET, 0.95, 0.2);
  await history(garage, 0.4, 0.2);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, locale: 'zh-CN', timezoneId: 'Europe/London' });
  csp = await cspViolations(page);
  page.setDefaultTimeout(8000);
}, 180_000); // a platform and a browser on a shared 2-core machine
afterAll(async () => {
  await browser?.close();
  await p?.destroy();
});

describe('price steps in the console', () => {
  it('the city sets its policy and asks for recommendations; it reads them but does not decide', async () => {
    await signIn(CITY);
    await page.locator(tid('op-tab-link-pricing')).click();
    await page.locator(tid('pricing-policy')).waitFor();
    expect(await page.locator(tid('pricing-policy')).innerText()).toContain('目标占用率 60%–80%');
    await page.locator(tid('policy-ceiling')).fill('15');
    await page.locator(tid('policy-save')).click();
    await expect.poll(() => page.locator(tid('pricing-policy')).innerText()).toContain('上限 ¥15.00/小时');
    await page.locator(tid('pricing-run')).click();
    await expect.poll(() => page.locator(tid('pricing-ran')).innerText()).toMatch(/\d+ 个建议调价/);
    const street = page.locator(tid(`recommendation-${STREET}`));
    await street.waitFor();
    expect(await street.locator(tid('step-Day')).innerText()).toMatch(/95%[\s\S]*上调 ¥3\.00 → ¥3\.50/);
    expect(await street.innerText()).toContain('路内停车：接受后需市级审批');
    expect(await street.locator(tid(`evidence-${STREET}`)).count()).toBe(1);
    expect(await street.locator(tid('recommendation-accept')).count()).toBe(0);
    await page.locator(tid('op-sign-out')).click();
  });

  it('the admin reads the evidence in English, accepts the street step and rejects the garage\'s with a reason', async () => {
    await signIn(ADMIN);
    await page.locator(tid('lang-toggle')).click();
    await page.locator(tid('op-tab-link-pricing')).click();
    const street = page.locator(tid(`recommendation-${STREET}`));
    await street.waitFor();
    expect(await street.locator(tid('step-Day')).innerText()).toMatch(/95%[\s\S]*above target[\s\S]*Up ¥3\.00 → ¥3\.50/);
    expect(await street.locator(tid('step-Night')).innerText()).toMatch(/2\d%[\s\S]*below target[\s\S]*Down ¥1\.00 → ¥0\.50/);
    expect(await street.innerText()).toContain('No earlier steps');
    await street.locator(tid('recommendation-accept')).click();
    await expect.poll(() => page.locator(tid(`recommendation-${STREET}`)).count()).toBe(0);

    const g = page.locator(tid(`recommendation-${garage}`));
    expect(await g.locator(tid('step-Night')).innerText()).toContain('per visit, not stepped');
    expect(await g.locator(tid('recommendation-reject')).isDisabled()).toBe(true);
    await g.locator(tid('recommendation-reason')).fill('A concert next week');
    await g.locator(tid('recommendation-reject')).click();
    await expect.poll(() => page.locator(tid(`recommendation-${garage}`)).count()).toBe(0);

    await page.locator(tid('pricing-status')).selectOption('accepted');
    await expect.poll(() => page.locator(tid(`recommendation-${STREET}`)).innerText()).toMatch(/Tariff version v\d+ created/);
    await page.locator(tid('pricing-status')).selectOption('rejected');
    await expect.poll(() => page.locator(tid(`recommendation-${garage}`)).innerText()).toContain('A concert next week');

    const log = await p.db.pool.query(`SELECT action FROM audit_log WHERE action IN ('pricing.accept', 'pricing.reject') ORDER BY id`);
    expect(log.rows.map((r) => r.action)).toEqual(['pricing.accept', 'pricing.reject']);
  });

  it('the tariff composer writes an EV-bay misuse fee, which the preview puts in words', async () => {
    await page.locator(tid('op-tab-link-tariffs')).click();
    await page.locator(tid('op-lot-select')).selectOption(STREET);
    await page.locator(tid('lot-tariffs')).waitFor();
    await page.locator(tid('tariff-new')).click();
    await page.locator(tid('tariff-composer')).waitFor();
    await page.locator(tid('ev-fee')).fill('10');
    await expect.poll(() => page.locator(tid('tariff-preview-rules')).innerText(), { timeout: 5000 })
      .toContain('EV-charging bays are for new-energy vehicles: others pay ¥10.00 per 60 min after 15 min (not capped)');
  });

  it('an EV bay taken by a petrol car shows in the alerts, its bay and masked plate in words', async () => {
    const cam = (await p.db.pool.query(`SELECT d.id, d.lot_id, c.bay_code FROM devices d JOIN camera_bays c ON c.device_id = d.id JOIN lots l ON l.id = d.lot_id WHERE l.operator_id = 'op-zzpark' ORDER BY d.id LIMIT 1`)).rows[0];
    // As billing/ev-bays.ts raises it (its own test drives it over MQTT: test/pricing.e2e.test.ts).
    await p.db.pool.query(`INSERT INTO device_alerts (device_id, lot_id, kind, details) VALUES ($1, $2, 'ev-misuse', $3)`,
      [cam.id, cam.lot_id, JSON.stringify({ bays: [{ bay: cam.bay_code, plate: '豫A·***45', since: new Date().toISOString(), minutes: 40 }] })]);
    await page.locator(tid('op-tab-link-alerts')).click();
    const item = page.locator('.alert-item', { hasText: 'EV-charging bay taken by a non-EV' });
    await item.waitFor();
    expect(await item.innerText()).toContain(`EV bays taken by non-EVs: ${cam.bay_code} (豫A·***45, 40 min)`);
  });

  it('fits a 390 px phone', async () => {
    await page.locator(tid('op-tab-link-pricing')).click();
    await page.setViewportSize({ width: 390, height: 800 });
    await page.locator(tid('pricing-status')).selectOption('accepted');
    await page.locator(tid(`recommendation-${STREET}`)).waitFor();
    expect(await overflows()).toBe(false);
    await page.setViewportSize({ width: 1280, height: 1400 });
    await page.locator(tid('lang-toggle')).click(); // back to Chinese for the city
    await page.locator(tid('op-sign-out')).click();
  });

  it('the city finds the accepted street step waiting in its tariff approvals', async () => {
    await signIn(CITY);
    await page.locator(tid('op-tab-link-tariffs')).click();
    const pending = page.locator(`${tid('tariff-approvals')} [data-testid^="approval-${STREET}@"]`);
    await expect.poll(() => pending.count()).toBe(1);
    expect(await pending.innerText()).toContain('白天 07:00–21:00：首60分钟 ¥3.50，之后每30分钟 ¥1.75');
    expect(csp).toEqual([]);
  });
});
