// The operators' estate in a real headless Chromium against a real platform: sign in, create a
// street segment by drawing it on the map (with an undo), publish it, add bays by a pattern and by
// a CSV upload (the refused row shown with its reason), register a device whose secret, shown once,
// then connects over real MQTT. Then the same pages at 360 px: nothing wider than the phone.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { connectDevice, cspViolations, launchChromium, waitFor } from './helpers.ts';
import { startEstate, type Estate } from './estate-helpers.ts';

let e: Estate;
let browser: Browser;
let page: Page;
let csp: string[];
const tid = (id: string) => `[data-testid="${id}"]`;

beforeAll(async () => {
  e = await startEstate({ TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, locale: 'zh-CN' });
  csp = await cspViolations(page);
  await page.goto(`${e.p.httpUrl}/#/operator/lots`);
  await page.locator(tid('op-login-id')).fill('op-zzpark');
  await page.locator(tid('op-login-password')).fill('op-zzpark-password');
  await page.locator(tid('op-login-submit')).click();
  await page.locator(tid('estate-lots-section')).waitFor();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await e?.p.destroy();
});

describe('the estate in the console', () => {
  let lotId: string;

  it('creates a street segment drawn on the map, with an undo, and publishes it', async () => {
    await page.locator(tid('estate-new-lot')).click();
    await page.locator(tid('lot-kind-street')).click();
    await page.locator(tid('lot-name')).fill('画线测试路路侧');
    await page.locator(tid('lot-nameEn')).fill('Drawn Test Road');
    await page.locator(tid('lot-district')).fill('金水区');
    const box = (await page.locator(tid('lot-draw-map')).boundingBox())!;
    const at = (fx: number, fy: number) => page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
    await at(0.2, 0.5);
    await at(0.5, 0.45);
    await at(0.9, 0.9);
    await expect.poll(() => page.locator(tid('lot-place')).textContent()).toContain('3');
    await page.locator(tid('lot-undo')).click(); // the stray third point
    await at(0.8, 0.4);
    await expect.poll(() => page.locator(tid('lot-place')).textContent()).toContain('3');
    await page.locator(tid('lot-published')).check();
    await page.locator(tid('lot-save')).click();
    await page.locator(tid('lot-saved')).waitFor();
    const lot = (await e.p.db.pool.query(`SELECT id, kind, path, published, operator_id FROM lots WHERE name_en = 'Drawn Test Road'`)).rows[0];
    lotId = lot.id;
    expect(lot).toMatchObject({ kind: 'street', published: true, operator_id: 'op-zzpark' });
    expect(lot.path).toHaveLength(3);
    // Left to right as clicked; the undone point (lower right) is gone.
    expect(lot.path[0][0]).toBeLessThan(lot.path[1][0]);
    expect(lot.path[2][1]).toBeGreaterThan(lot.path[0][1]);
    await waitFor(async () => (await (await fetch(`${e.p.httpUrl}/api/v1/lots/${lotId}`)).status) === 200, 2000, 'the lot on the public map');
  });

  it('adds bays by a pattern and by a CSV upload, showing the refused row with its reason', async () => {
    await page.locator(tid('bay-pattern')).fill(`${lotId}-{01..04}`);
    await page.locator(tid('bay-add')).click();
    await expect.poll(() => page.locator(tid('bay-report-created')).textContent()).toContain('4');
    await expect.poll(() => page.locator(`${tid('bays-table')} tbody tr`).count()).toBe(4);
    const csv = `code,accessible,ev_charging\n${lotId}-A1,yes,no\n${lotId}-01,no,no\n`;
    await page.locator(tid('bay-csv')).setInputFiles({ name: 'bays.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect.poll(() => page.locator(tid('bay-report')).textContent()).toContain('本停车场已有此车位'); // its code, worded in the page's language
    expect(await page.locator(tid('bay-report-created')).textContent()).toContain('1');
    await expect.poll(() => page.locator(`${tid('bays-table')} tbody tr`).count()).toBe(5);
  });

  it('registers a device; the secret shown once connects over MQTT', async () => {
    await page.goto(`${e.p.httpUrl}/#/operator/devices`);
    await page.locator(tid('device-id')).fill(`sen-${lotId}-01`);
    await page.locator(tid('device-bayCode')).fill(`${lotId}-01`);
    await page.locator(tid('device-register-submit')).click();
    const secret = (await page.locator(tid('device-secret-value')).textContent({ timeout: 5000 }))!.trim();
    expect(secret.length).toBeGreaterThan(15);
    (await connectDevice(e.p, { id: `sen-${lotId}-01`, secret })).end(true);
    await page.locator(tid(`device-sen-${lotId}-01`)).click();
    await expect.poll(() => page.locator(tid('device-status')).textContent()).toBe('启用');
  });

  it('fits a 360 px phone: the lots, a lot\'s editor and the devices page', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    const fits = async () => page.evaluate(() => document.documentElement.scrollWidth);
    expect(await fits()).toBeLessThanOrEqual(360);
    await page.goto(`${e.p.httpUrl}/#/operator/lots`);
    await page.locator(tid(`estate-lot-${lotId}`)).locator('button').click();
    await page.locator(tid('lot-draw-map')).waitFor();
    expect(await fits()).toBeLessThanOrEqual(360);
    expect(csp).toEqual([]);
  });
});
