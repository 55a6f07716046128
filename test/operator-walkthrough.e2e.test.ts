// Issue 11, the whole path a new operator walks, in one real headless Chromium against one real
// platform: the city onboards the operator in its console (a browser context of its own), the new
// admin opens the one-time setup link, chooses a password and is signed in, draws a street segment
// on the map and publishes it, adds bays by a pattern and a count, registers a bay camera and a
// sensor and copies the sensor's secret from the page; a device we did not write (Mosquitto's
// mosquitto_pub, a real process over TCP) reports with it and the bay turns occupied on the
// drivers' map; the admin writes a street tariff, the city approves it, and the lot's public page
// shows it scheduled; the sensor falls silent, the console counts the alert and the bay turns
// "unknown"; its secret is rotated in the console: a live mosquitto_sub made with the old secret is
// closed, mosquitto_pub with the old secret is refused, with the new one it is taken. The walk's
// console pages fit a 390 px phone, and every step is in the operator's audit log, with who took
// it and no secret.
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../core/config.ts';
import { eventsTopic } from '../core/protocol.ts';
import { checkDeviceHealth } from '../ingest/device-health.ts';
import { cityModules } from '../platform.ts';
import { createCityAccount } from '../operators/index.ts';
import { cspViolations, launchChromium, nextSeq, startTestPlatform, tempDataDir, waitFor, type TestPlatform } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' };
const CITY = { id: 'city-walk', name: '郑州市城管局', password: 'console-pass-city-walk' };
const ADMIN = { operatorId: 'op-walk', name: '金水步行停车', account: 'zhao@op-walk', adminName: '赵敏', password: 'zhao-password-walk' };
// Mosquitto's clients (scripts/ensure-test-tools.sh installs them), run line-buffered by coreutils'
// stdbuf so the test reads mosquitto_sub's debug lines while it runs.
const MOSQUITTO = { pub: '/usr/bin/mosquitto_pub', sub: '/usr/bin/mosquitto_sub' };
const STDBUF = '/usr/bin/stdbuf';

let p: TestPlatform;
let browser: Browser;
let admin: BrowserContext;
let page: Page; // the admin's console
let city: Page; // the city's console, in a browser context of its own
let map: Page; // the drivers' map, another page of the same browser
let csp: string[]; // what the admin's, the city's and the map's pages broke of the security policy
let mapCsp: string[];
let cityCsp: string[];
/** Mosquitto processes still running: a failed step must not leave them behind. */
const running = new Set<ChildProcess>();
const tid = (id: string, extra = '') => `[data-testid="${id}"]${extra}`;

/** A console sign-in form, as a person fills it. */
async function signIn(on: Page, who: { id: string; password: string }): Promise<void> {
  await on.locator(tid('op-login-id')).fill(who.id);
  await on.locator(tid('op-login-password')).fill(who.password);
  await on.locator(tid('op-login-submit')).click();
  await on.locator(tid('op-console')).waitFor();
}

/** A Mosquitto client as a real process: its exit code and everything it printed. */
interface Run { code: number | null; out: string }
function mosquitto(tool: keyof typeof MOSQUITTO, device: { id: string; secret: string }, args: string[]) {
  const child = spawn(STDBUF, ['-oL', MOSQUITTO[tool], '-h', '127.0.0.1', '-p', String(p.mqttPort), '-i', device.id, '-u', device.id, '-P', device.secret, ...args]);
  running.add(child);
  child.on('exit', () => running.delete(child));
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, out })));
  return { child, exited, output: () => out };
}

/** One event as docs/device-protocol.md has a device send it: QoS 1 on devices/{id}/events. */
function report(device: { id: string; secret: string }, event: Record<string, unknown>): Promise<Run> {
  const message = JSON.stringify({ seq: nextSeq(), ts: new Date().toISOString(), ...event });
  return mosquitto('pub', device, ['-q', '1', '-t', eventsTopic(device.id), '-m', message]).exited;
}

/** A bay as the drivers' map shows it: free, occupied or unknown. */
const bayOnMap = (code: string) => map.locator(tid('bay', `[data-bay-code="${code}"]`)).getAttribute('data-state', { timeout: 1000 }).catch(() => null);

beforeAll(async () => {
  const dataDir = tempDataDir();
  p = await startTestPlatform({ dataDir, env: ENV, modules: cityModules(loadConfig({ ...ENV, DATA_DIR: dataDir })).modules });
  await createCityAccount(p.db.pool, CITY);
  browser = await launchChromium();
  admin = await browser.newContext({ viewport: { width: 1280, height: 1400 }, locale: 'zh-CN', timezoneId: 'Europe/London' });
  await admin.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: p.httpUrl });
  page = await admin.newPage();
  csp = await cspViolations(page);
  page.setDefaultTimeout(8000);
  // A driver's map on a phone, open before the lot exists: the lot, its bays and their states
  // must reach it live.
  map = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  mapCsp = await cspViolations(map);
  await map.goto(`${p.httpUrl}/#/`);
}, 180_000); // a platform and a browser on a shared 2-core machine
afterAll(async () => {
  for (const child of running) child.kill();
  await browser?.close();
  await p?.destroy();
});

describe('a new operator\'s walk-through (issue 11)', () => {
  let lotId: string;
  let sensor: { id: string; secret: string };
  const camera = { id: '', secret: '' };
  let tariffVersion: number;
  let rotatedSecret: string;

  it('is onboarded by the city, chooses a password by the setup link, draws a street segment on the map and publishes it', async () => {
    city = await (await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'zh-CN' })).newPage();
    cityCsp = await cspViolations(city);
    await city.goto(`${p.httpUrl}/#/operator`);
    await signIn(city, CITY);
    await city.locator(tid('op-tab-link-operators')).click();
    await city.locator(tid('onboard-operator-id')).fill(ADMIN.operatorId);
    await city.locator(tid('onboard-name')).fill(ADMIN.name);
    await city.locator(tid('onboard-admin-account')).fill(ADMIN.account);
    await city.locator(tid('onboard-admin-name')).fill(ADMIN.adminName);
    await city.locator(tid('onboard-submit')).click();
    // The city hands the link over (shown once); the admin opens it and chooses a password.
    const setupLink = (await city.locator(tid('setup-link')).innerText()).trim();
    await page.goto(setupLink);
    expect(await page.locator(tid('setup-account')).inputValue()).toBe(ADMIN.account);
    await page.locator(tid('setup-password')).fill(ADMIN.password);
    await page.locator(tid('setup-password-again')).fill(ADMIN.password);
    await page.locator(tid('setup-submit')).click();
    expect(await page.locator(tid('op-name')).innerText()).toBe(ADMIN.adminName);

    await page.locator(tid('op-tab-link-lots')).click();
    await page.locator(tid('estate-new-lot')).click();
    await page.locator(tid('lot-kind-street')).click();
    await page.locator(tid('lot-name')).fill('步行测试路路侧');
    await page.locator(tid('lot-nameEn')).fill('Walkthrough Road');
    await page.locator(tid('lot-district')).fill('金水区');
    const box = (await page.locator(tid('lot-draw-map')).boundingBox())!;
    for (const [fx, fy] of [[0.25, 0.5], [0.5, 0.45], [0.75, 0.42]]) await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
    await expect.poll(() => page.locator(tid('lot-place')).textContent()).toContain('3');
    await page.locator(tid('lot-published')).check();
    await page.locator(tid('lot-save')).click();
    await page.locator(tid('lot-saved')).waitFor();
    // The editor now names the lot it made: "停车场 <id>".
    lotId = (await page.locator(`${tid('lot-editor')} h2`).innerText()).replace(/^停车场\s*/, '').trim();
    const lot = (await p.db.pool.query('SELECT kind, path, published, operator_id FROM lots WHERE id = $1', [lotId])).rows[0];
    expect(lot).toMatchObject({ kind: 'street', published: true, operator_id: ADMIN.operatorId });
    expect(lot.path).toHaveLength(3);
    // Priced from the moment it is on the map, by the city's street standard until its own tariff is
    // approved — not only once its first device reports (billing/module.ts).
    const tariff = await waitFor(async () => { const r = await fetch(`${p.httpUrl}/api/v1/lots/${lotId}/tariff`); return r.status === 200 && r.json(); }, 2000, 'the new lot\'s public tariff');
    expect(tariff).toMatchObject({ tariffId: 'zz-street', approvedBy: 'city' });
  });

  it('adds bays by a code pattern and a count', async () => {
    await page.locator(tid('bay-pattern')).fill(`${lotId}-{nn}`);
    await page.locator(tid('bay-count')).fill('4');
    await page.locator(tid('bay-add')).click();
    await expect.poll(() => page.locator(tid('bay-report-created')).textContent()).toContain('4');
    await expect.poll(() => page.locator(`${tid('bays-table')} tbody tr`).count()).toBe(4);
    await page.locator(tid(`bay-${lotId}-01`)).waitFor();
  });

  it('registers a bay camera and a sensor, and copies the sensor\'s secret from the one-time reveal', async () => {
    await page.locator(tid('op-tab-link-devices')).click();
    camera.id = `cam-${lotId}`;
    await page.locator(tid('device-id')).fill(camera.id);
    await page.locator(tid('device-kind')).selectOption('bay-camera');
    await page.locator(tid('device-lotId')).fill(lotId);
    await page.locator(tid('device-bays')).fill(`${lotId}-02 ${lotId}-03`);
    await page.locator(tid('device-register-submit')).click();
    await expect.poll(() => page.locator(tid('device-secret')).innerText()).toContain(camera.id);
    camera.secret = (await page.locator(tid('device-secret-value')).innerText()).trim();

    const id = `sen-${lotId}-01`;
    await page.locator(tid('device-id')).fill(id);
    await page.locator(tid('device-kind')).selectOption('bay-sensor');
    await page.locator(tid('device-bayCode')).fill(`${lotId}-01`);
    await page.locator(tid('device-register-submit')).click();
    await expect.poll(() => page.locator(tid('device-secret')).innerText()).toContain(id);
    await page.locator(tid('device-secret-copy')).click();
    await expect.poll(() => page.locator(tid('device-secret-copy')).innerText()).toBe('已复制');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe((await page.locator(tid('device-secret-value')).innerText()).trim());
    sensor = { id, secret: copied };
    expect(camera.secret).not.toBe(sensor.secret);
    const rows = (await p.db.pool.query('SELECT id, kind, lot_id FROM devices WHERE lot_id = $1 ORDER BY id', [lotId])).rows;
    expect(rows).toEqual([{ id: camera.id, kind: 'bay-camera', lot_id: lotId }, { id, kind: 'bay-sensor', lot_id: lotId }]);
  });

  it('the devices report with mosquitto_pub and their bays show on the drivers\' map', async () => {
    await map.locator(tid('search-input')).fill('步行测试路');
    await map.locator(tid('search-result', `[data-lot-id="${lotId}"]`)).click();
    await map.locator(tid('bay-list')).waitFor();
    expect(await bayOnMap(`${lotId}-01`)).toBe('unknown'); // nothing reported yet

    const sensed = await report(sensor, { type: 'occupancy', occupied: true, battery: 3.6 });
    expect(sensed, sensed.out).toMatchObject({ code: 0 });
    const seen = await report(camera, { type: 'bay', bay: `${lotId}-02`, occupied: false });
    expect(seen, seen.out).toMatchObject({ code: 0 });
    // The page already open follows the live stream: no reload.
    await expect.poll(() => bayOnMap(`${lotId}-01`), { timeout: 5000 }).toBe('occupied');
    await expect.poll(() => bayOnMap(`${lotId}-02`), { timeout: 5000 }).toBe('free');
    expect(await map.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('writes a street tariff, the city approves it, and the lot\'s public page shows it scheduled', async () => {
    await page.locator(tid('op-tab-link-tariffs')).click();
    await page.locator(tid('op-lot-select')).selectOption(lotId);
    await page.locator(tid('lot-tariffs')).waitFor();
    await page.locator(tid('tariff-new')).click();
    await page.locator(tid('tariff-name')).fill('Walkthrough Road street tariff');
    await page.locator(tid('tariff-daily-cap')).fill('25');
    await page.locator(tid('tariff-save')).click();
    // A new lot prices by the city's shared street tariff until its own is approved: its own
    // versions are numbered after that family's.
    const draft = page.locator('[data-testid^="version-"][data-status="draft"]');
    await page.locator(`${tid('tariff-save-error')}, [data-testid^="version-"][data-status="draft"]`).first().waitFor();
    const refused = page.locator(tid('tariff-save-error'));
    if (await refused.count()) throw new Error(`the draft was refused: ${await refused.innerText()}`);
    const version = Number((await draft.getAttribute('data-testid'))!.replace('version-', ''));
    tariffVersion = version;
    expect(await page.locator(`${tid('lot-tariffs')} [data-status="in-force"]`).innerText()).toContain('共用标准');
    await page.locator(tid(`version-${version}-schedule`)).click();
    await page.locator(tid(`version-${version}`, '[data-status="pending"]')).waitFor();
    expect(await page.locator(tid(`version-${version}`)).innerText()).toContain('待市政审批');

    // The city, still signed in from onboarding, approves it from its queue.
    await city.locator(tid('op-tab-link-tariffs')).click();
    const item = city.locator(tid(`approval-${lotId}@${version}`));
    await item.waitFor();
    await city.locator(tid(`approve-${lotId}@${version}`)).click();
    await item.waitFor({ state: 'detached' });

    await map.reload();
    await map.locator(tid('search-input')).fill('步行测试路');
    await map.locator(tid('search-result', `[data-lot-id="${lotId}"]`)).click();
    const next = map.locator(tid('lot-tariff-next'));
    await next.waitFor();
    expect(await next.getAttribute('data-version')).toBe(String(version));
    expect(Number(await map.locator(tid('lot-tariff-current')).getAttribute('data-version'))).toBeLessThan(version);
    expect(await map.locator(tid('lot-tariff-approval')).innerText()).toContain('市政');
    expect(await map.locator(tid('lot-tariff-next-rules')).innerText()).toContain('25');
    expect(await map.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('a silenced sensor raises an alert the console counts, and its bay turns unknown on the map', async () => {
    // Eleven minutes without a word (two heartbeat intervals of 300 s), then the scheduled check.
    // silent_after is when ingest's evidence check would call it silent (migrations/024): already past.
    await p.db.pool.query(`UPDATE devices SET last_seen = now() - interval '11 minutes', silent_after = now() - interval '1 minute' WHERE id = $1`, [sensor.id]);
    const health = await checkDeviceHealth(p.db.pool, (bays) => p.broker.writer.markUnknown(bays));
    expect(health.opened.silent).toBeGreaterThanOrEqual(1);

    await page.locator(tid('op-tab-link-alerts')).click();
    await expect.poll(() => page.locator(tid('op-alert-count')).innerText()).toBe('1');
    const alert = page.locator(`${tid('alert-list')} li`, { hasText: sensor.id });
    expect(await alert.innerText()).toContain('设备失联');
    await expect.poll(() => bayOnMap(`${lotId}-01`), { timeout: 5000 }).toBe('unknown');
    expect(await bayOnMap(`${lotId}-02`)).toBe('free');
  });

  it('Rotation: the old secret is refused and its live connection closed; the new one works', async () => {
    const live = mosquitto('sub', sensor, ['-d', '-q', '1', '-t', `devices/${sensor.id}/commands`]);
    await waitFor(() => /CONNACK \(0\)/.test(live.output()) && /SUBACK/.test(live.output()), 5000, 'mosquitto_sub connected');

    await page.locator(tid('op-tab-link-devices')).click();
    await page.locator(tid(`device-${sensor.id}`)).click();
    await page.locator(tid('device-rotate')).click();
    await page.locator(tid('device-rotate-yes')).click();
    const secret = (await page.locator(`${tid('device-detail')} ${tid('device-secret-value')}`).innerText()).trim();
    expect(secret).not.toBe(sensor.secret);
    rotatedSecret = secret;

    // The broker closes the live connection; mosquitto_sub reconnects with the secret it has and
    // is refused, which ends it.
    const ended = await live.exited;
    expect(ended.out).toMatch(/not authori[sz]ed/i);
    expect(ended.code).not.toBe(0);
    const refused = await report(sensor, { type: 'occupancy', occupied: false });
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/not authori[sz]ed/i);
    const taken = await report({ id: sensor.id, secret }, { type: 'occupancy', occupied: false });
    expect(taken, taken.out).toMatchObject({ code: 0 });
    await expect.poll(() => bayOnMap(`${lotId}-01`), { timeout: 5000 }).toBe('free');
  });

  it('the console\'s pages of the walk fit a 390 px phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const wide: string[] = [];
    const check = async (what: string) => {
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      if (w > 390) wide.push(`${what}: ${w} px`);
    };
    await check('the device page with the rotated secret shown');
    await page.locator(tid('device-detail')).screenshot({ path: '/tmp/onelot-walk-device-390.png' });
    for (const tab of ['lots', 'tariffs', 'alerts'] as const) {
      await page.locator(tid(`op-tab-link-${tab}`)).click();
      await page.locator(tid(`op-tab-${tab}`)).waitFor();
      if (tab === 'lots') {
        await page.locator(tid(`estate-lot-${lotId}`)).locator('button').click();
        await page.locator(tid('bays-table')).waitFor();
      }
      if (tab === 'tariffs') {
        await page.locator(tid('op-lot-select')).selectOption(lotId);
        await page.locator(tid('tariff-versions')).waitFor();
      }
      if (tab === 'alerts') {
        // The sensor spoke again with its new secret, so its silent alert cleared itself: it is under "resolved".
        await page.locator(tid('alert-status')).selectOption('resolved');
        await page.locator(`${tid('alert-list')} li`).first().waitFor();
      }
      await check(tab);
      await page.screenshot({ path: `/tmp/onelot-walk-${tab}-390.png`, fullPage: true });
    }
    expect(wide).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 1400 });
  });

  it('left every step in the operator\'s audit log, with who did it and no secret, named in the console\'s audit tab', async () => {
    // The admin's own token, as the console keeps it for the tab.
    const token = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('onelot.operatorToken')!) as { token: string }).token);
    const res = await fetch(`${p.httpUrl}/api/v1/operator/audit`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const entries = ((await res.json()) as { entries: Array<{ accountId: string; action: string; objectId: string }> }).entries.reverse();
    const steps = entries.filter((x) => x.action !== 'sign-in').map((x) => `${x.action} ${x.objectId} by ${x.accountId}`);
    expect(steps).toEqual([
      `operator.onboard ${ADMIN.operatorId} by ${CITY.id}`,
      `account.set-password ${ADMIN.account} by ${ADMIN.account}`,
      `lot.create ${lotId} by ${ADMIN.account}`,
      `bays.add ${lotId} by ${ADMIN.account}`,
      `device.register ${camera.id} by ${ADMIN.account}`,
      `device.register ${sensor.id} by ${ADMIN.account}`,
      `tariff.draft ${lotId}@${tariffVersion} by ${ADMIN.account}`,
      `tariff.schedule ${lotId}@${tariffVersion} by ${ADMIN.account}`,
      `tariff.approve ${lotId}@${tariffVersion} by ${CITY.id}`,
      `device.rotate-secret ${sensor.id} by ${ADMIN.account}`,
    ]);
    const text = JSON.stringify(entries);
    for (const secret of [camera.secret, sensor.secret, rotatedSecret]) expect(text).not.toContain(secret);

    // And in the console's audit tab, each step named in the page's language.
    await page.locator(tid('op-tab-link-audit')).click();
    const named = { 'lot.create': '新建停车场', 'bays.add': '添加泊位', 'device.register': '登记设备', 'tariff.draft': '起草收费标准', 'tariff.schedule': '排定收费标准', 'tariff.approve': '批准收费标准', 'device.rotate-secret': '更换设备密钥' };
    for (const [action, words] of Object.entries(named)) {
      await expect.poll(() => page.locator(tid('audit-row', `[data-action="${action}"]`)).first().innerText().catch(() => ''), { timeout: 5000 }).toContain(words);
    }
  });

  it('broke none of the page\'s security rules', () => {
    expect([...csp, ...cityCsp, ...mapCsp]).toEqual([]);
  });
});
