// The drivers' map in a real headless Chromium (Debian's), against the real platform.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestPlatform, connectDevice, publish, nextSeq, type TestPlatform, launchChromium, cspViolations } from './helpers.ts';
import { eventsTopic } from '../core/protocol.ts';

let p: TestPlatform;
let browser: Browser;
let page: Page;
let csp: string[];

beforeAll(async () => {
  // Tiles point nowhere: the map must still show lots and streets on a plain background.
  p = await startTestPlatform({ env: { TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  csp = await cspViolations(page);
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
    // How far to trust the count: the lot's data quality, as the API gives it, in Chinese.
    const { lot } = await (await fetch(`${p.httpUrl}/api/v1/lots/ZZ-JS-0005`)).json() as { lot: { dataQuality: number } };
    await page.waitForFunction(
      (text) => document.querySelector('[data-testid="lot-quality"]')?.textContent?.includes(text),
      `数据可信度 ${Math.round(lot.dataQuality * 100)}%`, { timeout: 3000 });
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

// The header on a phone: every part whole, on screen and clear of the others, in both languages
// (English is the wider: its nav alone is ~330 px). 360 px is the narrowest phone we support.
describe('the drivers map under the Content-Security-Policy', () => {
  it('broke none of its rules: tiles, markers, clusters, details, guidance and the stream all allowed', () => {
    expect(csp).toEqual([]);
  });
});

describe('the map header fits', () => {
  const PARTS = ['.brand__logo', ...['nav-map', 'nav-lookup', 'nav-account', 'nav-operator', 'guide-button', 'stream-status', 'lang-toggle'].map((id) => `[data-testid="${id}"]`)];
  type Box = { x: number; y: number; width: number; height: number };
  const overlap = (a: Box, b: Box) =>
    Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

  async function expectHeaderFits(page: Page, what: string) {
    const { width, height } = page.viewportSize()!;
    const boxes: [string, Box][] = [];
    for (const sel of PARTS) {
      const part = page.locator(sel);
      expect(await part.isVisible(), `${sel} visible (${what})`).toBe(true);
      const b = (await part.boundingBox())!;
      expect(b, `${sel} has a box (${what})`).not.toBeNull();
      const inside = b.x >= 0 && b.y >= 0 && b.x + b.width <= width && b.y + b.height <= height;
      expect(inside, `${sel} inside the ${width}×${height} viewport (${what}): ${JSON.stringify(b)}`).toBe(true);
      boxes.push([sel, b]);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        expect(overlap(boxes[i][1], boxes[j][1]), `${boxes[i][0]} and ${boxes[j][0]} overlap (${what})`).toBe(0);
      }
    }
    // Squeezed, the logo used to shrink to a sliver that was still "inside": it must stay square.
    const logo = boxes[0][1];
    expect(logo.width, `logo whole (${what})`).toBeCloseTo(logo.height, 0);
    // Nothing else is drawn over a part (the hit at its centre is the part itself), and the page
    // does not scroll sideways.
    const covered = await page.evaluate((sels) => sels.filter((s) => {
      const el = document.querySelector(s)!;
      const r = el.getBoundingClientRect();
      return !el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
    }), PARTS);
    expect(covered, `covered parts (${what})`).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `page width (${what})`).toBeLessThanOrEqual(width);
  }

  async function openMap(width: number): Promise<[BrowserContext, Page]> {
    // A new context each time: a fresh localStorage, so the page starts in Chinese.
    const context = await browser.newContext({ viewport: { width, height: 780 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(p.httpUrl + '/');
    await page.locator('[data-testid="stream-status"][data-state="open"]').waitFor({ timeout: 10_000 });
    return [context, page];
  }

  async function switchLang(page: Page, to: 'zh' | 'en') {
    await page.locator('[data-testid="lang-toggle"]').click();
    await page.waitForFunction((l) => document.querySelector('[data-testid="lang-toggle"]')?.getAttribute('data-lang') === l, to, { timeout: 3000 });
  }

  it('at 360 px in both languages, and the language switch works there', async () => {
    const [context, page] = await openMap(360);
    try {
      await expectHeaderFits(page, '360 px, zh');
      await page.screenshot({ path: '/tmp/onelot-header-360-zh.png', clip: { x: 0, y: 0, width: 360, height: 120 } });
      await switchLang(page, 'en');
      expect(await page.locator('[data-testid="nav-map"]').innerText()).toBe('Map');
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
      await expectHeaderFits(page, '360 px, en');
      await page.screenshot({ path: '/tmp/onelot-header-360-en.png', clip: { x: 0, y: 0, width: 360, height: 120 } });
      await switchLang(page, 'zh');
      expect(await page.locator('[data-testid="nav-map"]').innerText()).toBe('地图');
    } finally {
      await context.close();
    }
  });

  // 390: the phone it was reported on; 768 and 1280: one row again, where the brand gives way.
  for (const width of [390, 768, 1280]) {
    it(`at ${width} px in both languages`, async () => {
      const [context, page] = await openMap(width);
      try {
        await expectHeaderFits(page, `${width} px, zh`);
        await switchLang(page, 'en');
        await expectHeaderFits(page, `${width} px, en`);
      } finally {
        await context.close();
      }
    });
  }
});
