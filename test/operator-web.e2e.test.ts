// The operators' console (#/operator) in a real headless Chromium (Debian's) against a real platform
// with billing and payments wired. Sessions, invoices and exceptions are inserted with SQL, as the
// sessions engine would write them; one invoice is paid through the simulated provider so it can be
// refunded. Every figure the console shows is checked against what was inserted.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../core/config.ts';
import type { Pool } from '../core/db/index.ts';
import { cityModules } from '../platform.ts';
import { createCityAccount, createOperator } from '../operators/index.ts';
import { recomputeHourlyStats } from '../analytics/hourly-stats.ts';
import { startTestPlatform, tempDataDir, nextSeq, waitFor, type TestPlatform, launchChromium, cspViolations, signUp } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' };
const OPERATOR = { id: 'op-web', name: '郑州城市停车运营', password: 'console-pass-web-1' };
const CITY = { id: 'city-web', name: '郑州市停车平台', password: 'console-pass-city-1' };
const MIN = 60_000;
const DAY = 86_400_000;

let p: TestPlatform;
let pool: Pool;
let browser: Browser;
let page: Page;
let csp: string[];
let garage: string;
let street: string;
/** The session in review (low-confidence exit read, matched by confusable characters) and its exception. */
let reviewSession: number;
let reviewException: number;
/** An exception about no session (only dismiss makes sense), and one the test resolves behind the page's back. */
let unreadableException: number;
let staleException: number;
/** Two overdue invoices of one plate (¥9.50 + ¥3.00), and a paid one (¥9.50) to refund. */
let overdueInvoice: number;
let paidInvoice: number;

const tid = (id: string, extra = '') => `[data-testid="${id}"]${extra}`;
const ago = (ms: number) => new Date(Date.now() - ms);

async function firstLot(kind: 'street' | 'garage'): Promise<string> {
  return (await pool.query<{ id: string }>('SELECT id FROM lots WHERE kind = $1 ORDER BY id LIMIT 1', [kind])).rows[0].id;
}

async function insertSession(lot: string, plate: string, status: string, entry: Date, exit: Date, extra: Record<string, unknown> = {}): Promise<number> {
  const cols = ['lot_id', 'plate', 'plate_kind', 'status', 'entry_time', 'exit_time', 'entry_device', 'entry_seq', 'exit_device', 'exit_seq', ...Object.keys(extra)];
  const vals = [lot, plate, 'standard', status, entry, exit, 'test-gate-cam', nextSeq(), 'test-gate-cam', nextSeq(), ...Object.values(extra)];
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO sessions (${cols.join(', ')}) VALUES (${vals.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`, vals);
  return rows[0].id;
}

async function insertInvoice(session: number, lot: string, plate: string, fen: number, issued: Date, due: Date): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO invoices (session_id, lot_id, plate, amount_fen, lines, tariff_id, tariff_version, status, issued_at, due_at)
     VALUES ($1, $2, $3, $4, '[]', 'zz-street-v2', 2, 'outstanding', $5, $6) RETURNING id`,
    [session, lot, plate, fen, issued, due]);
  return rows[0].id;
}

async function insertException(kind: string, lot: string, plate: string | null, session: number | null, detail: string): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO session_exceptions (kind, lot_id, plate, session_id, device_id, seq, event_time, detail)
     VALUES ($1, $2, $3, $4, 'test-gate-cam', $5, now() - interval '1 hour', $6) RETURNING id`,
    [kind, lot, plate, session, nextSeq(), detail]);
  return rows[0].id;
}

async function invoiceStatus(id: number): Promise<string> {
  return (await pool.query<{ status: string }>('SELECT status FROM invoices WHERE id = $1', [id])).rows[0].status;
}

async function signIn(password: string, id = OPERATOR.id) {
  await page.locator(tid('op-login-id')).fill(id);
  await page.locator(tid('op-login-password')).fill(password);
  await page.locator(tid('op-login-submit')).click();
}

/** The sum of a chart's bars of one series, as the page drew them. */
async function barSum(chart: string, series: string): Promise<number> {
  const values = await page.locator(tid(`${chart}-bar`, `[data-series="${series}"]`)).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
  return values.reduce((a, b) => a + b, 0);
}

async function analyticsSettled() {
  await page.locator(tid('analytics', '[data-loading="false"]')).waitFor();
  await page.locator(tid('figures')).waitFor();
}

/** Every bar of a chart is drawn inside the chart, with a height for its value (not collapsed, not overflowing). */
async function barsDrawn(chart: string): Promise<boolean> {
  return page.locator(tid(chart)).evaluate((fig, id) => {
    const box = fig.getBoundingClientRect();
    const bars = [...fig.querySelectorAll(`[data-testid="${id}-bar"]`)].map((b) => b.getBoundingClientRect());
    return bars.length > 0 && bars.every((b) => b.height > 0 && b.width > 0 && b.left >= box.left && b.right <= box.right);
  }, chart);
}

const figure = (key: string) => page.locator(tid(`fig-${key}`));

beforeAll(async () => {
  const dataDir = tempDataDir();
  const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  // A long auto-charge interval and no cron: nothing charges behind the test's back.
  const { modules } = cityModules(config, { payments: { autoChargeIntervalMs: 3_600_000, sim: { latencyMs: 30 } } });
  p = await startTestPlatform({ dataDir, env: ENV, modules });
  pool = p.db.pool;
  garage = await firstLot('garage');
  street = await firstLot('street');
  await createOperator(pool, OPERATOR);
  await createCityAccount(pool, CITY);
  // The console's operator runs every lot of this test city: an operator sees only its own lots.
  await pool.query('UPDATE lots SET operator_id = $1', [OPERATOR.id]);

  // In review: entered 3 h ago, left 1 h ago (a 120-minute stay), exit read 豫E88B88 at 0.62.
  reviewSession = await insertSession(garage, '豫E88888', 'review', ago(180 * MIN), ago(60 * MIN), {
    entry_confidence: 0.97, exit_confidence: 0.62, exit_plate_read: '豫E88B88', match_method: 'confusable',
    review_reason: 'low-confidence exit read (0.62 < 0.8)',
  });
  await insertInvoice(reviewSession, garage, '豫E88888', 650, ago(60 * MIN), new Date(Date.now() + 7 * DAY));
  reviewException = await insertException('low-confidence', garage, '豫E88888', reviewSession, 'exit read 豫E88B88 at 0.62 (< 0.8)');
  unreadableException = await insertException('unreadable-plate', garage, null, null, 'gate camera could not read a plate');
  staleException = await insertException('double-entry', street, '豫C12345', null, 'entry while already inside');

  // Overdue: two stays nine days ago, due yesterday (outside the 7-day analytics range).
  for (const fen of [950, 300]) {
    const s = await insertSession(street, '豫B66666', 'closed', ago(9 * DAY), ago(9 * DAY - 100 * MIN));
    const id = await insertInvoice(s, street, '豫B66666', fen, ago(8 * DAY), ago(DAY));
    if (fen === 950) overdueInvoice = id;
  }

  // Paid: a 160-minute stay that ended 2 h ago, paid now through the simulated provider.
  const paidSession = await insertSession(street, '豫A8W123', 'closed', ago(280 * MIN), ago(120 * MIN));
  paidInvoice = await insertInvoice(paidSession, street, '豫A8W123', 950, ago(120 * MIN), new Date(Date.now() + 7 * DAY));
  const paidRef = (await pool.query<{ public_ref: string }>('SELECT public_ref FROM invoices WHERE id = $1', [paidInvoice])).rows[0].public_ref;
  const pay = await fetch(`${p.httpUrl}/api/v1/invoices/${paidRef}/pay`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'tok_ok_console' }),
  });
  expect(pay.status).toBe(202);
  await waitFor(async () => (await invoiceStatus(paidInvoice)) === 'paid', 10_000, 'the payment webhook');
  // Rows written with SQL bypass the statements that keep the analytics' hourly figures: recompute
  // them from the rows, as migrations/008 does for history.
  await recomputeHourlyStats(pool, new Date(0), new Date(Date.now() + DAY));

  browser = await launchChromium();
  // A browser in another zone: times must still show in Asia/Shanghai.
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, locale: 'zh-CN', timezoneId: 'Europe/London' });
  csp = await cspViolations(page);
  page.setDefaultTimeout(8000); // a stuck step fails with its own message, before the test's timeout
});
afterAll(async () => {
  await browser?.close();
  await p?.destroy();
});

describe("operators' console", () => {
  it('is a nav item that opens only a sign-in form; a wrong password is refused with its message; the token lives in sessionStorage', async () => {
    await page.goto(p.httpUrl + '/#/lookup');
    const nav = page.locator(tid('nav-operator'));
    expect(await nav.innerText()).toBe('运营');
    await nav.click();
    await page.locator(tid('op-login')).waitFor();
    expect(await page.locator(tid('nav-operator')).getAttribute('aria-current')).toBe('page');
    expect(await page.locator(tid('op-console')).count()).toBe(0);

    await signIn('wrong-password-123');
    const error = page.locator(tid('op-login-error'));
    await error.waitFor();
    expect(await error.innerText()).toContain('账号或密码错误');
    expect(await error.innerText()).toContain('The account name or password is wrong');
    expect(await page.locator(tid('op-console')).count()).toBe(0);

    await signIn(OPERATOR.password);
    await page.locator(tid('op-console')).waitFor();
    expect(await page.locator(tid('op-name')).innerText()).toBe(OPERATOR.name);
    const stored = await page.evaluate(() => sessionStorage.getItem('onelot.operatorToken'));
    expect(JSON.parse(stored!)).toMatchObject({ accountId: OPERATOR.id, operatorId: OPERATOR.id, role: 'admin', name: OPERATOR.name });
    expect(await page.evaluate(() => localStorage.getItem('onelot.operatorToken'))).toBeNull();

    // A reload keeps the tab's sign-in.
    await page.reload();
    await page.locator(tid('op-console')).waitFor();
  });

  it('shows the session in review and the exceptions, offering only the resolutions that make sense', async () => {
    const row = page.locator(tid('review-session', `[data-session-id="${reviewSession}"]`));
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('豫E88888');
    expect(text).toContain('豫E88B88');
    expect(text).toContain('与车牌不一致');
    expect(text).toContain('0.97 / 0.62');
    expect(text).toContain('易混字符匹配');
    // The reason from its code, in the console's language: no English sentence in the Chinese page.
    expect(await row.locator(tid('review-reason')).innerText()).toBe('出场识别置信度低');
    expect(text).not.toContain('low-confidence exit read');
    expect(await row.locator(tid('review-invoice-amount')).innerText()).toBe('¥6.50');
    // Entry and exit in Asia/Shanghai, whatever the browser's zone.
    const shanghai = (d: Date) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' }).format(d);
    const entry = (await pool.query<{ entry_time: Date }>('SELECT entry_time FROM sessions WHERE id = $1', [reviewSession])).rows[0].entry_time;
    expect(text).toContain(shanghai(entry));

    const ex = page.locator(tid('exception-row', `[data-exception-id="${reviewException}"]`));
    expect(await ex.innerText()).toContain('识别置信度低');
    expect(await ex.innerText()).toContain(`记录 #${reviewSession}`);
    expect(await ex.locator('button').allInnerTexts()).toEqual(['确认收费', '作废账单', '忽略']);
    const unreadable = page.locator(tid('exception-row', `[data-exception-id="${unreadableException}"]`));
    expect(await unreadable.innerText()).toContain('车牌无法识别');
    expect(await unreadable.innerText()).toContain('无关联停车记录');
    expect(await unreadable.locator('button').allInnerTexts()).toEqual(['忽略']);
  });

  it('approves the session through its exception with a note, and shows the API refusing a stale one', async () => {
    const ex = page.locator(tid('exception-row', `[data-exception-id="${reviewException}"]`));
    await ex.locator(tid('resolve-note')).fill('核对录像：车牌为豫E88888');
    await ex.locator(tid('resolve-approve')).click();
    await page.locator(tid('resolve-done')).waitFor();
    expect(await page.locator(tid('resolve-done')).innerText()).toContain(`#${reviewException}`);
    await ex.waitFor({ state: 'detached' });
    await page.locator(tid('review-session', `[data-session-id="${reviewSession}"]`)).waitFor({ state: 'detached' });
    expect(await page.locator(tid('review-sessions')).innerText()).toContain('没有待审核的停车记录');

    const { rows: [resolved] } = await pool.query('SELECT resolved_at, detail FROM session_exceptions WHERE id = $1', [reviewException]);
    expect(resolved.resolved_at).not.toBeNull();
    expect(resolved.detail).toContain('resolved: approve (核对录像：车牌为豫E88888)');
    const { rows: [session] } = await pool.query('SELECT status, review_reason FROM sessions WHERE id = $1', [reviewSession]);
    expect(session.status).toBe('closed');
    expect(session.review_reason).toContain('approved by operator');

    // Someone else resolved this one meanwhile: the API's 409, worded from its code in the page's language.
    await pool.query('UPDATE session_exceptions SET resolved_at = now() WHERE id = $1', [staleException]);
    const stale = page.locator(tid('exception-row', `[data-exception-id="${staleException}"]`));
    await stale.locator(tid('resolve-dismiss')).click();
    const refused = stale.locator('[role="alert"]');
    await refused.waitFor();
    expect(await refused.innerText()).toMatch(new RegExp(`^当前状态不允许此操作.*：Exception ${staleException} was already resolved`));
    await page.locator(tid('review-refresh')).click();
    await stale.waitFor({ state: 'detached' });
    expect(await page.locator(tid('exception-row')).count()).toBe(1); // the unreadable plate is left
  });

  it('lists the overdue plate with its total, opens its bills, sends reminders, and shows a refused refund', async () => {
    await page.locator(tid('op-tab-link-arrears')).click();
    const plate = page.locator(tid('arrears-plate', '[data-plate="豫B66666"]'));
    await plate.waitFor();
    expect(await page.locator(tid('arrears-plate')).count()).toBe(1); // the review invoice is not overdue
    expect(await plate.locator(tid('arrears-plate-total')).innerText()).toBe('¥12.50');
    expect(await plate.locator(tid('arrears-plate-count')).innerText()).toBe('2');
    expect(await page.locator(tid('arrears-summary')).innerText()).toBe('1 个车牌逾期，合计 ¥12.50');
    expect(page.url()).toMatch(/#\/operator\/arrears$/);

    await plate.locator(tid('arrears-plate-select')).click();
    const detail = page.locator(tid('plate-arrears', '[data-plate="豫B66666"]'));
    await detail.locator(tid('invoice-row')).first().waitFor();
    expect(await detail.locator(tid('plate-arrears-owed')).innerText()).toBe('逾期 ¥12.50 · 待缴合计 ¥12.50');
    expect(await detail.locator(tid('invoice-amount')).allInnerTexts()).toEqual(expect.arrayContaining(['¥9.50', '¥3.00']));
    expect(await detail.innerText()).toContain('已逾期');
    expect(await detail.innerText()).toContain('已催缴 0 次');

    await page.locator(tid('reminders-run')).click();
    const result = page.locator(tid('reminders-result'));
    await result.waitFor();
    expect(await result.getAttribute('data-created')).toBe('2');
    expect(await result.innerText()).toContain('本次新增 2 条催缴提醒');
    // The plate has no account: both reminders are recorded with no one to send them to.
    expect(await result.locator(tid('reminders-counts')).innerText()).toContain('无联系人 2');
    expect(await result.locator(tid('reminder-status')).allInnerTexts()).toEqual(['无联系人', '无联系人']);
    await page.locator(tid('plate-arrears')).getByText('已催缴 1 次').first().waitFor();
    expect(await page.locator(tid('plate-arrears')).getByText('已催缴 1 次').count()).toBe(2);

    // The plate's reminder history, from its bills: an earlier reminder that reached a phone (as a
    // run and the provider's receipt leave it) beside today's two, on a phone's width.
    await pool.query(
      `INSERT INTO reminder_messages (invoice_id, plate, phone, template, params, status, provider, provider_message_id, attempts, created_at, sent_at, delivered_at)
       VALUES ($1, '豫B66666', '13911112222', 'overdue-reminder', '{}', 'delivered', 'sim', 'sim-web-1', 1, now() - interval '1 day', now() - interval '1 day', now() - interval '1 day' + interval '5 seconds')`,
      [overdueInvoice]);
    await page.setViewportSize({ width: 390, height: 1400 });
    await page.locator(tid('plate-reminders-toggle')).click();
    const remHistory = page.locator(tid('plate-reminders'));
    await remHistory.locator(tid('reminder-message', '[data-status="delivered"]')).waitFor();
    expect(await remHistory.locator(tid('reminder-message')).count()).toBe(3);
    const delivered = remHistory.locator(tid('reminder-message', '[data-status="delivered"]'));
    expect(await delivered.locator(tid('reminder-status')).innerText()).toBe('已送达');
    expect(await delivered.locator(tid('reminder-recipient')).innerText()).toBe('发往 139****2222');
    expect(await delivered.locator(tid('reminder-delivered-at')).innerText()).toMatch(/送达于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(await remHistory.innerText()).not.toContain('13911112222');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: '/tmp/onelot-reminder-history-390.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 1400 });

    // An unpaid invoice cannot be refunded: the dialog says so and offers no refund.
    await page.locator(tid('refund-invoice-id')).fill(String(overdueInvoice));
    await page.locator(tid('refund-card')).locator(tid('refund-button')).click();
    const refused = page.locator(tid('refund-card')).locator(tid('refund-not-paid'));
    await refused.waitFor();
    expect(await refused.innerText()).toContain('只有已支付的账单可以退款');
    expect(await page.locator(tid('refund-card')).locator(tid('refund-submit')).count()).toBe(0);
    expect(await invoiceStatus(overdueInvoice)).toBe('outstanding');
  });

  it('shows analytics that match what was inserted, by range and by lot, with sortable lots', async () => {
    const { rows: [city] } = await pool.query<{ lots: number; bays: number }>('SELECT count(*)::int AS lots, sum(capacity)::int AS bays FROM lots');
    await page.locator(tid('op-tab-link-analytics')).click();
    await analyticsSettled();

    // Last 7 days: the review stay (120 min, ¥6.50 unpaid) and the paid one (160 min, ¥9.50).
    expect(await page.locator(tid('range-7d')).isChecked()).toBe(true);
    expect(await figure('lots').getAttribute('data-value')).toBe(String(city.lots));
    expect(await figure('bays').getAttribute('data-value')).toBe(String(city.bays));
    expect(await figure('sessions').locator('dd').innerText()).toBe('2');
    expect(await figure('closed').locator('dd').innerText()).toBe('2');
    expect(await figure('avgStay').locator('dd').innerText()).toBe('2 小时 20 分');
    expect(await figure('invoiced').locator('dd').innerText()).toBe('¥16.00');
    expect(await figure('paid').locator('dd').innerText()).toContain('¥9.50');
    expect(await figure('paid').locator('dd').innerText()).toContain('收缴率 59%');
    expect(await figure('outstanding').locator('dd').innerText()).toContain('¥6.50');
    expect(await figure('outstanding').locator('dd').innerText()).toContain('其中逾期 ¥0.00');
    expect(await figure('inReview').getAttribute('data-value')).toBe('0');
    expect(await figure('exceptions').getAttribute('data-value')).toBe('1');

    // Charts: two entries by hour; ¥16.00 invoiced and ¥9.50 collected by day, over 7 local days.
    expect(await barSum('chart-entries', 'entries')).toBe(2);
    expect(await barSum('chart-daily', 'invoiced')).toBe(1600);
    expect(await barSum('chart-daily', 'paid')).toBe(950);
    expect(await barsDrawn('chart-entries')).toBe(true);
    expect(await barsDrawn('chart-daily')).toBe(true);
    expect(await page.locator(tid('chart-daily')).locator('tbody tr').count()).toBe(7);
    expect(await page.locator(tid('chart-occupancy')).locator('tbody tr').count()).toBe(24);

    // By lot, most invoiced first; a click on the heading reverses it.
    const rows = page.locator(tid('lot-row'));
    expect(await rows.nth(0).getAttribute('data-lot-id')).toBe(street);
    expect(await rows.nth(0).locator(tid('lot-invoiced')).innerText()).toBe('¥9.50');
    expect(await rows.nth(1).getAttribute('data-lot-id')).toBe(garage);
    expect(await rows.nth(1).locator(tid('lot-invoiced')).innerText()).toBe('¥6.50');
    expect(await rows.count()).toBe(city.lots);
    const invoicedHead = page.locator('th', { has: page.locator(tid('sort-invoicedFen')) });
    expect(await invoicedHead.getAttribute('aria-sort')).toBe('descending');
    await page.locator(tid('sort-invoicedFen')).click();
    expect(await invoicedHead.getAttribute('aria-sort')).toBe('ascending');
    expect(await rows.nth(city.lots - 1).getAttribute('data-lot-id')).toBe(street);

    // One lot: the street lot's paid stay only.
    await page.locator(tid('analytics-lot')).selectOption(street);
    await page.waitForFunction(() => document.querySelector('[data-testid="fig-lots"]')?.getAttribute('data-value') === '1');
    await analyticsSettled();
    expect(await figure('sessions').locator('dd').innerText()).toBe('1');
    expect(await figure('invoiced').locator('dd').innerText()).toBe('¥9.50');
    expect(await figure('avgStay').locator('dd').innerText()).toBe('2 小时 40 分');
    expect(await rows.count()).toBe(1);

    // The last 24 hours hold the same stays; the daily chart covers the one or two days they touch.
    await page.locator(tid('analytics-lot')).selectOption('');
    await page.locator(tid('range-24h')).check();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="chart-daily"] tbody tr').length <= 2);
    await analyticsSettled();
    expect(await figure('sessions').locator('dd').innerText()).toBe('2');
    expect(await figure('invoiced').locator('dd').innerText()).toBe('¥16.00');

    // In English.
    await page.locator(tid('lang-toggle')).click();
    expect(await figure('invoiced').locator('dt').innerText()).toBe('Invoiced');
    expect(await figure('avgStay').locator('dd').innerText()).toBe('2 h 20 min');
    await page.locator(tid('lang-toggle')).click();
  });

  it('counts unresolved device alerts beside the tab, lists them by lot, and acknowledges and resolves one with a note', async () => {
    // Alerts are scoped to the operator's own lots: this operator takes over the first street lot.
    await pool.query('UPDATE lots SET operator_id = $1 WHERE id = $2', [OPERATOR.id, street]);
    const { rows: [dev] } = await pool.query<{ id: string; lot_id: string }>(
      `SELECT id, lot_id FROM devices WHERE lot_id = $1 ORDER BY id LIMIT 1`, [street]);
    const { rows: [alert] } = await pool.query<{ id: number }>(
      `INSERT INTO device_alerts (device_id, lot_id, kind, details) VALUES ($1, $2, 'silent', '{"heartbeatIntervalS": 300}') RETURNING id`, [dev.id, dev.lot_id]);
    await page.goto(p.httpUrl + '/#/operator/alerts');
    const count = page.locator(tid('op-alert-count'));
    await count.waitFor();
    expect(await count.innerText()).toBe('1');
    const item = page.locator(tid(`alert-${alert.id}`));
    await item.waitFor();
    expect(await item.innerText()).toContain('设备失联');
    expect(await item.innerText()).toContain(dev.id);
    await item.locator(tid('alert-note')).fill('已派维修');
    await item.locator(tid('alert-acknowledge')).click();
    await waitFor(async () => (await pool.query('SELECT acknowledged_by, note FROM device_alerts WHERE id = $1', [alert.id])).rows[0].note === '已派维修', 10_000, 'acknowledged');
    // The list re-reads after the acknowledgement: resolve on the item as it is drawn then.
    await item.locator(tid('alert-acknowledge')).waitFor({ state: 'detached' });
    await page.locator(tid(`alert-${alert.id}`)).locator(tid('alert-resolve')).click();
    await waitFor(async () => (await pool.query('SELECT resolved_at FROM device_alerts WHERE id = $1', [alert.id])).rows[0].resolved_at !== null, 10_000, 'resolved');
    await page.locator(tid(`alert-${alert.id}`)).waitFor({ state: 'detached' });
    // The header's count is a read of its own, racing the list's: wait for it, not the list.
    await expect.poll(() => page.locator(tid('op-alert-count')).count()).toBe(0);
  });

  it('reviews a contested plate claim: the note is required, approving moves the plate to the claimant', async () => {
    const post = async (url: string, body: unknown, token?: string) => {
      const res = await fetch(p.httpUrl + url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    };
    const holder = (await signUp(p, { phone: '13720000001', password: 'parking-pass-1' })).body.token;
    expect((await post('/api/v1/me/plates', { plate: '豫K55555' }, holder)).status).toBe(201);
    const claimant = (await signUp(p, { phone: '13720000002', password: 'parking-pass-1' })).body.token;
    expect((await post('/api/v1/me/plates', { plate: '豫K55555' }, claimant)).status).toBe(202);

    // An operator's own account has no such tab (plates are city-wide); the city account has.
    expect(await page.locator(tid('op-tab-link-claims')).count()).toBe(0);
    await page.locator(tid('op-sign-out')).click();
    await signIn(CITY.password, CITY.id);
    await page.locator(tid('op-tab-link-claims')).click();
    const claim = page.locator(tid('op-claim', '[data-plate="豫K55555"]'));
    await claim.waitFor();
    expect(await claim.innerText()).toContain('13720000002');
    expect(await claim.innerText()).toContain('13720000001');
    expect(await claim.locator(tid('claim-approve')).isDisabled()).toBe(true); // a note first
    await claim.locator(tid('claim-note')).fill('核对了行驶证 / registration checked');
    await page.screenshot({ path: '/tmp/onelot-op-claims-zh.png', fullPage: true });
    await claim.locator(tid('claim-approve')).click();
    await page.locator(tid('claims-empty')).waitFor();
    const { rows } = await pool.query<{ phone: string; contactless: boolean }>(
      'SELECT d.phone, dp.contactless FROM driver_plates dp JOIN drivers d ON d.id = dp.driver_id WHERE dp.plate = $1', ['豫K55555']);
    expect(rows).toEqual([{ phone: '13720000002', contactless: false }]);
    await page.locator(tid('lang-toggle')).click();
    expect(await page.locator(tid('claims-empty')).innerText()).toBe('No plate claims waiting');
    await page.setViewportSize({ width: 360, height: 900 });
    await page.screenshot({ path: '/tmp/onelot-op-claims-360-en.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 1400 });
    await page.locator(tid('lang-toggle')).click();
    await page.locator(tid('op-sign-out')).click();
    await signIn(OPERATOR.password);
    await page.locator(tid('op-console')).waitFor();
  });

  it('refunds a paid invoice in full with a reason, and signs out', async () => {
    await page.locator(tid('op-tab-link-arrears')).click();
    await page.locator(tid('refund-invoice-id')).fill(String(paidInvoice));
    await page.locator(tid('refund-card')).locator(tid('refund-button')).click();
    const dialog = page.locator(tid('refund-card')).locator(tid('refund-dialog'));
    // Nothing is sent until an amount and a reason are given.
    expect(await dialog.locator(tid('refund-submit')).isDisabled()).toBe(true);
    await dialog.locator(tid('refund-amount')).fill('9.50');
    await dialog.locator(tid('reason-code')).selectOption('duplicate-charge');
    await dialog.locator(tid('refund-submit')).click();
    const done = dialog.locator(tid('refund-done'));
    await done.waitFor({ timeout: 10_000 });
    expect(await done.innerText()).toContain('已申请退款 ¥9.50');
    await waitFor(async () => (await invoiceStatus(paidInvoice)) === 'refunded', 10_000, 'the refund webhook');

    await page.locator(tid('op-sign-out')).click();
    await page.locator(tid('op-login')).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('onelot.operatorToken'))).toBeNull();
    // Signed out, the console's routes show the sign-in only.
    await page.goto(p.httpUrl + '/#/operator/analytics');
    await page.locator(tid('op-login')).waitFor();
    expect(await page.locator(tid('figures')).count()).toBe(0);
  });
});

describe("operators' console under the Content-Security-Policy", () => {
  it('broke none of its rules (the console is a chunk loaded on demand)', () => {
    expect(csp).toEqual([]);
  });
});
