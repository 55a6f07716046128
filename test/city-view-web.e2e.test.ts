// The city view (issue 15, the city's picture) on a real platform and in a real headless Chromium:
// a week of occupancy samples written with SQL as ingest writes them (the 15-minute aggregate
// refreshed as its job does), a lot made full by its sensors over MQTT and a driver's guidance
// request turned away from it; then the route's figures, its tenancy, and the page: the slider and
// the day buttons change the heat map, an operator sees only its own lots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../core/config.ts';
import { eventsTopic } from '../core/protocol.ts';
import { createCityAccount, createOperator } from '../operators/index.ts';
import { cityModules } from '../platform.ts';
import { connectDevice, consoleToken, cspViolations, launchChromium, nextSeq, publish, startTestPlatform, tempDataDir, waitFor, type TestPlatform } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' };
const OPERATOR = { id: 'op-city-a', name: '金水停车', password: 'console-pass-city-a' };
const CITY = { id: 'city-view', name: '郑州市停车平台', password: 'console-pass-city-v' };
const tid = (id: string, extra = '') => `[data-testid="${id}"]${extra}`;

let p: TestPlatform;
let browser: Browser;
let page: Page;
let csp: string[];
/** The operator's lots (district Jinshui), everyone's lots, the lot made full, and its district. */
let mine: string[];
let all: string[];
let fullLot: { id: string; district: string; lat: number; lng: number };

async function cityView(token: string) {
  const r = await fetch(`${p.httpUrl}/api/v1/operator/analytics/city?days=28`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: await r.json() as any };
}

/** Every bay sensor of the lot reports a car: the lot is full on the live map. */
async function fillLot(lotId: string): Promise<void> {
  for (const d of p.creds.devices.filter((x) => x.kind === 'bay-sensor' && x.lotId === lotId)) {
    const c = await connectDevice(p, d);
    await publish(c, eventsTopic(d.id), { type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: true });
    c.end(true);
  }
}

beforeAll(async () => {
  const dataDir = tempDataDir();
  const { modules } = cityModules(loadConfig({ ...ENV, DATA_DIR: dataDir }));
  p = await startTestPlatform({ dataDir, env: ENV, modules });
  const pool = p.db.pool;
  await createOperator(pool, OPERATOR);
  await createCityAccount(pool, CITY);
  await pool.query(`UPDATE lots SET operator_id = $1 WHERE district = 'Jinshui'`, [OPERATOR.id]);
  mine = (await pool.query('SELECT id FROM lots WHERE operator_id = $1 ORDER BY id', [OPERATOR.id])).rows.map((r) => r.id);
  all = (await pool.query('SELECT id FROM lots ORDER BY id')).rows.map((r) => r.id);
  // The smallest street segment of the operator's whose every bay has a sensor.
  fullLot = (await pool.query(`
    SELECT l.id, l.district, l.lat, l.lng FROM lots l WHERE l.operator_id = $1 AND l.kind = 'street'
       AND (SELECT count(*) FROM bays b WHERE b.lot_id = l.id) = (SELECT count(*) FROM devices d WHERE d.lot_id = l.id AND d.kind = 'bay-sensor')
     ORDER BY l.capacity, l.id LIMIT 1`, [OPERATOR.id])).rows[0];

  // A week of samples every 15 minutes. The operator's lots: weekdays 90 % full 08–18 h and 15 %
  // otherwise, weekends 60 % 10–20 h and 10 % otherwise; the full lot has no free bay at 09 h on
  // weekdays; everyone else's lots stay at half.
  await pool.query(`
    INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
    SELECT t, l.id, l.capacity - o.occ, o.occ, 0
      FROM lots l,
           generate_series(date_trunc('hour', now()) - interval '7 days', date_trunc('hour', now()) - interval '1 hour', interval '15 minutes') t,
           LATERAL (SELECT extract(hour FROM t AT TIME ZONE 'Asia/Shanghai') AS h, extract(isodow FROM t AT TIME ZONE 'Asia/Shanghai') >= 6 AS we) x,
           LATERAL (SELECT CASE
             WHEN l.id = $2 AND NOT x.we AND x.h = 9 THEN l.capacity
             WHEN l.operator_id = $1 AND x.we THEN round(l.capacity * CASE WHEN x.h BETWEEN 10 AND 20 THEN 0.6 ELSE 0.1 END)::int
             WHEN l.operator_id = $1 THEN round(l.capacity * CASE WHEN x.h BETWEEN 8 AND 18 THEN 0.9 ELSE 0.15 END)::int
             ELSE round(l.capacity * 0.5)::int END AS occ) o`, [OPERATOR.id, fullLot.id]);
  await pool.query(`CALL refresh_continuous_aggregate('lot_occupancy_15m', now() - interval '8 days', now())`);

  // A driver asks guidance for the full lot's street: the nearest lot is full, so it is turned away.
  await fillLot(fullLot.id);
  await waitFor(async () => {
    const r = await (await fetch(`${p.httpUrl}/api/v1/lots/${fullLot.id}`)).json() as { lot: { free: number; occupied: number } };
    return r.lot.free === 0 && r.lot.occupied > 0;
  }, 5000, 'the lot to be full');
  const g = await fetch(`${p.httpUrl}/api/v1/guidance?lat=${fullLot.lat}&lng=${fullLot.lng}&kind=street&maxWalk=100`);
  expect(g.status).toBe(200);

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, locale: 'zh-CN' });
  csp = await cspViolations(page);
  page.setDefaultTimeout(8000);
});
afterAll(async () => {
  await browser?.close();
  await p?.destroy();
});

describe('the city view route', () => {
  it('the city reads every lot; by hour of a typical weekday and weekend, in the lot\'s zone', async () => {
    const { status, body } = await cityView(await consoleToken(p, { operatorId: null, account: 'city-api' }));
    expect(status).toBe(200);
    expect(body.lots.map((l: any) => l.lotId)).toEqual(all);
    const lot = body.lots.find((l: any) => l.lotId === mine.find((id) => id !== fullLot.id));
    expect(lot.weekday[10]).toBeCloseTo(0.9, 1);
    expect(lot.weekday[3]).toBeCloseTo(0.15, 1);
    expect(lot.weekend[12]).toBeCloseTo(0.6, 1);
    expect(lot.weekend[3]).toBeCloseTo(0.1, 1);
    const other = body.lots.find((l: any) => !mine.includes(l.lotId));
    expect(other.weekday[10]).toBeCloseTo(0.5, 1);
    const full = body.lots.find((l: any) => l.lotId === fullLot.id);
    // Full at 09 h on the weekdays only: 4 of the week's 7 × 96 periods per weekday.
    expect(full.fullShare).toBeGreaterThan(0);
    expect(full.fullShare).toBeLessThan(0.05);
    expect(body.lots.filter((l: any) => l.fullShare > 0).map((l: any) => l.lotId)).toEqual([fullLot.id]);
  });

  it('records the arrival guidance turned away from the full lot, by district', async () => {
    const token = await consoleToken(p, { operatorId: null, account: 'city-api' });
    const away = await waitFor(async () => (await cityView(token)).body.turnedAway.find((d: any) => d.district === fullLot.district), 10_000, 'the turned-away count');
    expect(away.arrivals).toBe(1);
  });

  it('an operator sees its own lots only; a stranger nothing', async () => {
    const { body } = await cityView(await consoleToken(p, { operatorId: OPERATOR.id, account: 'op-city-a-api' }));
    expect(body.lots.map((l: any) => l.lotId)).toEqual(mine);
    const other = await cityView(await consoleToken(p, { operatorId: 'op-elsewhere' }));
    expect(other.body.lots).toEqual([]);
    expect(other.body.turnedAway).toEqual([]);
    expect((await fetch(`${p.httpUrl}/api/v1/operator/analytics/city`)).status).toBe(401);
  });
});

async function signIn(id: string, password: string) {
  await page.goto(p.httpUrl + '/#/operator');
  await page.locator(tid('op-login-id')).fill(id);
  await page.locator(tid('op-login-password')).fill(password);
  await page.locator(tid('op-login-submit')).click();
  await page.locator(tid('op-console')).waitFor();
}

/** The heat layer's canvas as drawn: its pixels painted at all, and those painted red-ward (fuller than the gradient's middle). */
const heatPixels = () => page.locator('.leaflet-heatmap-layer').evaluate((c) => {
  const canvas = c as HTMLCanvasElement;
  const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0, reddish = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] === 0) continue;
    painted++;
    if (d[i] > d[i + 1]) reddish++;
  }
  return { painted, reddish, image: canvas.toDataURL() };
});
const mapState = async () => page.locator(tid('city-map')).evaluate((m) => ({ day: m.dataset.day, hour: Number(m.dataset.hour), points: Number(m.dataset.points), heat: Number(m.dataset.heat) }));

describe('the city view in the console', () => {
  it('an operator: a heat map of its lots that the time slider and the day buttons change', async () => {
    await signIn(OPERATOR.id, OPERATOR.password);
    await page.locator(tid('op-tab-link-city')).click();
    expect(await page.locator(tid('op-tab-link-city')).innerText()).toBe('城市全景');
    await page.locator(tid('city', '[data-loading="false"]')).waitFor();
    await page.locator('.leaflet-heatmap-layer').waitFor({ state: 'attached' });
    const at8 = await mapState();
    expect(at8).toMatchObject({ day: 'weekday', hour: 8, points: mine.length });
    expect(at8.heat).toBeCloseTo(mine.length * 0.9, 0);
    // leaflet.heat redraws on the next animation frame.
    const picture8 = await waitFor(async () => { const px = await heatPixels(); return px.reddish > 0 ? px : undefined; }, 3000, 'the morning drawn in red');

    await page.locator(tid('city-slider')).fill('3');
    await waitFor(async () => (await mapState()).hour === 3, 3000, 'the slider to move the hour');
    expect(await page.locator(tid('city-hour')).innerText()).toBe('3:00');
    const at3 = await mapState();
    expect(at3.heat).toBeLessThan(at8.heat / 3);
    const picture3 = await waitFor(async () => { const px = await heatPixels(); return px.image !== picture8.image ? px : undefined; }, 3000, 'the night drawn');
    expect(picture3.painted).toBeGreaterThan(0);
    expect(picture3.reddish).toBeLessThan(picture8.reddish);

    await page.locator(tid('city-day-weekend')).click();
    await waitFor(async () => (await mapState()).day === 'weekend', 3000, 'the weekend');
    await page.locator(tid('city-slider')).fill('12');
    await waitFor(async () => (await mapState()).hour === 12, 3000, 'noon');
    expect((await mapState()).heat).toBeCloseTo(mine.length * 0.6, 0);

    // Play walks the hours on its own.
    await page.locator(tid('city-play')).click();
    await waitFor(async () => (await mapState()).hour > 12, 3000, 'play to advance the hour');
    await page.locator(tid('city-play')).click();
  });

  it('an operator\'s charts name only its lots; the turned-away district is drawn', async () => {
    const names = await page.locator(tid('chart-full')).innerText();
    const lotNames = (await p.db.pool.query('SELECT id, name FROM lots')).rows as Array<{ id: string; name: string }>;
    expect(names).toContain(lotNames.find((l) => l.id === fullLot.id)!.name);
    for (const l of lotNames.filter((x) => !mine.includes(x.id))) expect(names).not.toContain(l.name);
    expect(await page.locator(tid('chart-away')).innerText()).toContain('金水区');
  });

  it('the city sees every lot on the heat map; in English too', async () => {
    await page.locator(tid('op-sign-out')).click();
    await signIn(CITY.id, CITY.password);
    await page.goto(p.httpUrl + '/#/operator/city');
    await page.locator(tid('city', '[data-loading="false"]')).waitFor();
    expect((await mapState()).points).toBe(all.length);
    await page.locator(tid('lang-toggle')).click();
    await waitFor(async () => (await page.locator(tid('op-tab-link-city')).innerText()) === 'City view', 3000, 'English');
    expect(await page.locator(tid('city-play')).innerText()).toBe('Play');
    expect(csp).toEqual([]);
  });
});
