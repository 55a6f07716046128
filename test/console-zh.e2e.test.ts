// The rule of issue 11, kept for every page to come: the Chinese console shows no English sentence.
// A real platform, real MQTT device events (a double entry, an exit nobody entered, a refused
// message), one headless Chromium in zh: each tab of the console is walked and every visible text
// node (and placeholder) is searched for a Latin word of four letters or more. Ids, plates, codes
// drawn inside <code> and a short allow-list of names pass; anything else fails with where it was.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../core/config.ts';
import { eventsTopic } from '../core/protocol.ts';
import { cityModules } from '../platform.ts';
import { createOperator } from '../operators/index.ts';
import { startTestPlatform, tempDataDir, nextSeq, connectDevice, publish, waitFor, launchChromium, type TestPlatform } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' };
const OPERATOR = { id: 'op-zh', name: '郑州中文运营', password: 'console-pass-zh-1' };
const MIN = 60_000;
const DAY = 86_400_000;
/** Words allowed in the Chinese page: the brand, map credits and protocol names. SCREAMING_CASE names (variables) are codes too. */
const ALLOWED = new Set(['OneLot', 'Leaflet', 'OpenStreetMap', 'JSON', 'MQTT']);

let p: TestPlatform;
let browser: Browser;
let page: Page;
let gate: MqttClient;
let garage: string;
let gateId: string;

const tid = (id: string) => `[data-testid="${id}"]`;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const secondEntry = ago(60 * MIN);
const shanghai = (iso: string) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));

/**
 * English words in what the page shows: text nodes (not inside <code>, <script>, <style>) that are
 * rendered, and placeholders. A token with a digit is an id or a plate (豫A8W123, cam-ZZ-0001);
 * a word in ALLOWED passes. Each finding names the text and the element around it.
 */
function englishOnPage(pg: Page): Promise<string[]> {
  return pg.evaluate((allowed) => {
    const found: string[] = [];
    const check = (text: string, where: Element) => {
      for (const token of text.match(/[A-Za-z0-9_.-]+/g) ?? []) {
        if (/\d/.test(token) || /^[A-Z]+(_[A-Z]+)+$/.test(token)) continue;
        for (const w of token.match(/[A-Za-z]{4,}/g) ?? []) {
          if (!allowed.includes(w)) found.push(`"${w}" in "${text.trim().slice(0, 120)}" <${where.tagName.toLowerCase()} ${where.getAttribute('data-testid') ?? where.className}>`);
        }
      }
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement!;
      if (el.closest('code, script, style, noscript') || !n.textContent?.trim()) continue;
      if (el.tagName !== 'OPTION' && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      check(n.textContent, el);
    }
    for (const el of document.querySelectorAll('[placeholder]')) check(el.getAttribute('placeholder')!, el);
    return found;
  }, [...ALLOWED]);
}

async function tab(name: string, ready: string) {
  await page.locator(tid(`op-tab-link-${name}`)).click();
  await page.locator(ready).first().waitFor();
  // Loaded, not merely mounted: no section still busy.
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
}

beforeAll(async () => {
  const dataDir = tempDataDir();
  const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  const { modules } = cityModules(config, { payments: { autoChargeIntervalMs: 3_600_000 } });
  p = await startTestPlatform({ dataDir, env: ENV, modules });
  const pool = p.db.pool;
  await createOperator(pool, OPERATOR);
  await pool.query('UPDATE lots SET operator_id = $1', [OPERATOR.id]);
  await pool.query('UPDATE devices SET operator_id = $1', [OPERATOR.id]);

  // Real device events: a plate enters twice (double entry), a plate leaves that never entered,
  // and the camera sends a message that is not JSON (a dead letter on its page).
  const dev = p.device((d) => d.kind === 'gate-camera');
  gateId = dev.id;
  garage = dev.lotId!;
  gate = await connectDevice(p, dev);
  const send = (direction: 'in' | 'out', plate: string, ts: string) =>
    publish(gate, eventsTopic(dev.id), { type: 'gate', seq: nextSeq(), ts, direction, plate, plateColor: 'blue', confidence: 0.95 });
  await send('in', '豫A51234', ago(120 * MIN));
  await send('in', '豫A51234', secondEntry);
  await send('out', '豫A77777', ago(30 * MIN));
  await publish(gate, eventsTopic(dev.id), 'not json at all');
  await waitFor(async () => (await pool.query(`SELECT 1 FROM dead_letters WHERE device_id = $1`, [dev.id])).rowCount, 5000, 'the dead letter');
  expect((await pool.query(`SELECT detail_coded->>'code' AS code FROM session_exceptions ORDER BY id`)).rows.map((r) => r.code))
    .toEqual(['double-entry-open-session', 'exit-no-session']);

  // An overdue invoice (arrears) and a device alert with its figures.
  const { rows: [s] } = await pool.query<{ id: number }>(
    `INSERT INTO sessions (lot_id, plate, plate_kind, status, entry_time, exit_time, entry_device, entry_seq, exit_device, exit_seq)
     VALUES ($1, '豫B66666', 'standard', 'closed', $2, $3, $4, $5, $4, $6) RETURNING id`,
    [garage, ago(9 * DAY), ago(9 * DAY - 100 * MIN), dev.id, nextSeq(), nextSeq()]);
  await pool.query(
    `INSERT INTO invoices (session_id, lot_id, plate, amount_fen, lines, tariff_id, tariff_version, status, issued_at, due_at)
     VALUES ($1, $2, '豫B66666', 950, '[]', 'zz-garage', 1, 'outstanding', $3, $4)`, [s.id, garage, ago(8 * DAY), ago(DAY)]);
  await pool.query(
    `INSERT INTO device_alerts (device_id, lot_id, kind, details) VALUES ($1, $2, 'silent', jsonb_build_object('lastSeen', now() - interval '2 hours', 'heartbeatIntervalS', 300))`,
    [dev.id, garage]);
  // …and the device as silent as its alert says, or ingest's evidence check clears the alert at once.
  await pool.query(`UPDATE devices SET last_seen = now() - interval '2 hours', silent_after = now() - interval '1 hour' WHERE id = $1`, [dev.id]);

  // Four weeks of the garage's occupancy (the samples ingest keeps), so the price steps tab has a recommendation to show.
  await pool.query(
    `INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
     SELECT t, l.id, l.capacity - round(l.capacity * 0.95)::int, round(l.capacity * 0.95)::int, 0
       FROM lots l, generate_series(now() - interval '28 days', now() - interval '15 minutes', interval '15 minutes') t WHERE l.id = $1`, [garage]);

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 390, height: 900 }, locale: 'zh-CN', timezoneId: 'Europe/London' });
  page.setDefaultTimeout(8000);
}, 60_000);
afterAll(async () => {
  await gate?.endAsync();
  await browser?.close();
  await p?.destroy();
});

describe('the Chinese console', () => {
  it('shows no English word on any tab, nor on the drivers\' map and lookup, at a phone width', async () => {
    await page.goto(`${p.httpUrl}/#/operator`);
    await page.locator(tid('op-login-id')).fill(OPERATOR.id);
    await page.locator(tid('op-login-password')).fill(OPERATOR.password);
    await page.locator(tid('op-login-submit')).click();
    const findings: Record<string, string[]> = {};

    await tab('review', tid('exception-row'));
    const details = await page.locator(tid('exception-detail')).allInnerTexts();
    // The exceptions' details from their codes, the time in Asia/Shanghai (the browser is in London).
    expect(details).toEqual(expect.arrayContaining([expect.stringContaining(`车牌 豫A51234 于 ${shanghai(secondEntry)} 再次入场`), expect.stringContaining('豫A77777 于')]));
    findings.review = await englishOnPage(page);
    await page.screenshot({ path: '/tmp/onelot-console-zh-review-390.png', fullPage: true });
    // The same details in English, from the same codes.
    await page.locator(tid('lang-toggle')).click();
    expect(await page.locator(tid('exception-detail')).allInnerTexts())
      .toEqual(expect.arrayContaining([expect.stringContaining(`Plate 豫A51234 entered at ${shanghai(secondEntry)} while session #`)]));
    await page.locator(tid('lang-toggle')).click();

    await tab('arrears', tid('arrears-plate'));
    findings.arrears = await englishOnPage(page);
    await tab('analytics', tid('figures'));
    findings.analytics = await englishOnPage(page);
    await tab('alerts', '[data-testid^="alert-"]');
    await page.locator('.alert-item').first().waitFor();
    findings.alerts = await englishOnPage(page);
    await tab('lots', tid('estate-lots-section'));
    findings.lots = await englishOnPage(page);

    await tab('devices', tid('estate-devices'));
    await page.locator(tid('device-search')).fill(gateId);
    await page.locator(tid(`device-${gateId}`)).click();
    await page.locator(tid('device-dead')).locator('li').first().waitFor();
    expect(await page.locator(tid('device-dead')).innerText()).toContain('不是有效的 JSON');
    findings.devices = await englishOnPage(page);

    await tab('tariffs', tid('op-lot-select'));
    await page.locator(tid('op-lot-select')).selectOption(garage);
    await page.locator(tid('tariff-versions')).waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    findings.tariffs = await englishOnPage(page);
    await tab('passes', tid('passes'));
    findings.passes = await englishOnPage(page);
    await tab('pricing', tid('pricing-policy'));
    await page.locator(tid('pricing-run')).click();
    await page.locator(tid(`recommendation-${garage}`)).waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    findings.pricing = await englishOnPage(page);

    // The drivers' side in the same browser: the map's home panel and a plate's bills.
    await page.goto(`${p.httpUrl}/#/`);
    await page.locator(tid('city-free')).waitFor();
    findings.map = await englishOnPage(page);
    await page.goto(`${p.httpUrl}/#/lookup`);
    await page.locator(tid('lookup-input')).fill('豫B66666');
    await page.locator(tid('lookup-submit')).click();
    await page.locator(tid('lookup-result')).waitFor();
    findings.lookup = await englishOnPage(page);

    for (const [k, v] of Object.entries(findings)) if (!v.length) delete findings[k];
    expect(findings).toEqual({});
  }, 30_000);
});
