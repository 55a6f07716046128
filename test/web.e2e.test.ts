// The drivers' map in a real headless Chromium (Debian's), against the real platform.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestPlatform, connectDevice, publish, nextSeq, type TestPlatform, launchChromium } from './helpers.ts';
import { eventsTopic } from '../core/protocol.ts';

let p: TestPlatform;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // Tiles point nowhere: the map must still show lots and streets on a plain background.
  p = await startTestPlatform({ env: { TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
});
afterAll(async () => {
  await browser?.close();
  await p?.destroy();
});

describe('the drivers map', () => {
  it('loads the demo lots, connects the live stream, and shows Chinese by default', async () => {
    await page.goto(p.httpUrl + '/');
    await page.locator('[data-testid="stream-status"][data-state="open"]').waitFor({ timeout: 10_000 });
    // Zoomed out, lots are clustered; the clusters carry the lots.
    const clusters = page.locator('[data-testid="lot-cluster"], [data-testid="lot-marker"]');
    await clusters.first().waitFor({ timeout: 10_000 });
    expect(await clusters.count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="lang-toggle"]').getAttribute('data-lang')).toBe('zh');
    expect(await page.locator('body').innerText()).toContain('一城一场');
    await page.screenshot({ path: '/tmp/onelot-map.png' });
  });

  it('finds a street by name, shows its details, and reacts to a device event without reloading', async () => {
    const sensor = p.device((d) => d.kind === 'bay-sensor' && d.lotId === 'ZZ-JS-0005');
    await page.locator('[data-testid="search-input"]').fill('花园路');
    const result = page.locator('[data-testid="search-result"][data-lot-id="ZZ-JS-0005"]');
    await result.waitFor({ timeout: 5000 });
    await result.click();
    const details = page.locator('[data-testid="lot-details"][data-lot-id="ZZ-JS-0005"]');
    await details.waitFor({ timeout: 5000 });
    const marker = page.locator('[data-testid="lot-marker"][data-lot-id="ZZ-JS-0005"]');
    await marker.waitFor({ timeout: 5000 });
    const bay = page.locator(`[data-testid="bay"][data-bay-code="${sensor.bayCode}"]`);
    await bay.waitFor({ timeout: 5000 });
    const before = Number(await details.getAttribute('data-free'));

    // A real device frees its bay: the page must follow within a couple of seconds, no reload.
    const client = await connectDevice(p, sensor);
    await publish(client, eventsTopic(sensor.id), { type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: false });
    await client.endAsync();
    await page.waitForFunction(
      ([sel, n]) => Number(document.querySelector(sel as string)?.getAttribute('data-free')) === n,
      ['[data-testid="lot-details"][data-lot-id="ZZ-JS-0005"]', before + 1] as const, { timeout: 3000 });
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.getAttribute('data-state') === 'free',
      `[data-testid="bay"][data-bay-code="${sensor.bayCode}"]`, { timeout: 3000 });
    expect(Number(await marker.getAttribute('data-free'))).toBe(before + 1);
    await page.screenshot({ path: '/tmp/onelot-details.png' });
  });

  it('guides to a lot with free bays and offers the navigation hand-off', async () => {
    await page.locator('[data-testid="guide-button"]').click();
    const panel = page.locator('[data-testid="guide-panel"]');
    await panel.waitFor({ timeout: 5000 });
    // Pick the destination by clicking the map near the lot we just freed a bay in.
    const marker = page.locator('[data-testid="lot-marker"][data-lot-id="ZZ-JS-0005"]');
    const box = (await marker.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2 + 40, box.y + box.height / 2 + 40);
    const option = page.locator('[data-testid="guide-option"]').first();
    await option.waitFor({ timeout: 5000 });
    expect(await option.getAttribute('data-lot-id')).toBe('ZZ-JS-0005');
    expect(await option.locator('[data-testid="nav-amap"]').getAttribute('href')).toMatch(/^https:\/\/uri\.amap\.com\/navigation/);
    await page.screenshot({ path: '/tmp/onelot-guide.png' });
  });

  it('switches to English and remembers it', async () => {
    await page.locator('[data-testid="lang-toggle"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="lang-toggle"]')?.getAttribute('data-lang') === 'en');
    await page.reload();
    await page.locator('[data-testid="stream-status"][data-state="open"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="lang-toggle"]').getAttribute('data-lang')).toBe('en');
  });
});
