// npm run bench:console [-- --data-dir /tmp/zz-city --runs 10 --browser-runs 3 [--no-browser]]
// The operators' console on a whole city (issue 11: "console pages open in < 1 s"): the platform in
// its own process (load-tests/lib/platform-process.ts) on a generated city's data dir, signed in over
// HTTP as the biggest garage operator's admin (operator-console.json, written by `npm run city`),
// then
// 1. every console page's API calls, each timed cold (its first call after start: empty caches, the
//    route's serializer not yet compiled) and warm (--runs more), p50/p95/max;
// 2. in a real headless chromium (playwright-core, /usr/bin/chromium or CHROMIUM_PATH), every
//    console tab from the click on its link to its content rendered (a marker each tab shows once its
//    data is in, aria-busy="false" or the like), cold then --browser-runs times warm, at a desktop
//    width and on a 390 px phone.
// A table with PASS/FAIL against 1 s on stderr and ONE JSON line on stdout. Targets are reported,
// never asserted: exit 0, like bench:city. Without --data-dir it runs on the demo city in a
// temporary directory (the demo's operator), so it runs anywhere.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPlatformProcess, type PlatformProcess } from './lib/platform-process.ts';
import { percentile } from './lib/stats.ts';

const TARGET_MS = 1000;
const W = [26, 9, 9, 9, 9, 10, 6];
const line = (cells: string[], w: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' ');
/** What each tab shows once its data is in (web/src/components/operator/*). */
const TAB_READY: Record<string, string> = {
  review: '[data-testid="review-sessions"][aria-busy="false"]',
  arrears: '[data-testid="arrears-plates"][aria-busy="false"]',
  alerts: '[data-testid="alert-list"][aria-busy="false"]',
  analytics: '[data-testid="analytics"][data-loading="false"]',
  city: '[data-testid="city"][data-loading="false"]',
  lots: '[data-testid="estate-lots-section"][aria-busy="false"]',
  devices: '[data-testid="estate-devices"][aria-busy="false"]',
  tariffs: '[data-testid="op-lot-select"] option:nth-child(2)',
  passes: '[data-testid="passes"][aria-busy="false"]',
};

const USAGE = `Usage: npm run bench:console -- [--data-dir DIR] [--runs 10] [--browser-runs 3] [--no-browser] [--log-level error]
DIR is a city made by \`npm run city -- --preset zhengzhou --data-dir DIR\` (its operator-console.json
names the big operator's admin); without it, the demo city in a temporary directory. The platform's
scheduled jobs are off unless SCHEDULED_JOBS=true (as in bench:city).`;

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' }, runs: { type: 'string', default: '10' }, 'browser-runs': { type: 'string', default: '3' },
    'no-browser': { type: 'boolean', default: false }, 'log-level': { type: 'string', default: 'error' }, help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) { console.log(USAGE); process.exit(0); }
const runs = Number(values.runs);
const browserRuns = Number(values['browser-runs']);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(browserRuns) || browserRuns < 0) {
  console.error(`bench:console: --runs must be ≥ 1 and --browser-runs ≥ 0\n${USAGE}`);
  process.exit(2);
}

interface Timing { name: string; what: string; coldMs: number; warm: number[]; bytes: number; status: number }
interface Summary { name: string; what: string; coldMs: number; p50: number; p95: number; max: number; n: number; bytes?: number; pass: boolean }

const r1 = (n: number) => Math.round(n * 10) / 10;
function summarize(t: Omit<Timing, 'bytes' | 'status'> & { bytes?: number }): Summary {
  const s = [...t.warm].sort((a, b) => a - b);
  const p95 = percentile(s, 95);
  const max = s.length ? s[s.length - 1] : NaN;
  return { name: t.name, what: t.what, coldMs: r1(t.coldMs), p50: r1(percentile(s, 50)), p95: r1(p95), max: r1(max), n: s.length, bytes: t.bytes,
    pass: t.coldMs < TARGET_MS && (s.length === 0 || p95 < TARGET_MS) };
}

// ---------------------------------------------------------------------------------------------
// The city and the platform
// ---------------------------------------------------------------------------------------------
const given = values['data-dir'];
if (given && !existsSync(given)) {
  console.error(`bench:console: ${given} does not exist; make a city with \`npm run city -- --preset zhengzhou --data-dir ${given}\``);
  process.exit(2);
}
const dataDir = given ? path.resolve(given) : mkdtempSync(path.join(os.tmpdir(), 'onelot-bench-console-'));
if (!given) process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const platformOptions = { dataDir, logLevel: values['log-level'], env: { SEED_DEMO: given ? 'false' : 'true' } };
if (!given) {
  process.stderr.write(`bench:console: no --data-dir: the demo city in ${dataDir}; for the whole city pass a zhengzhou city's --data-dir\n`);
  await (await startPlatformProcess(platformOptions)).stop();
}
const accountsFile = path.join(dataDir, 'operator-console.json');
if (!existsSync(accountsFile)) {
  console.error(`bench:console: ${accountsFile} is missing: make the city with this version of \`npm run city\` (it writes every operator's admin sign-in there)`);
  process.exit(2);
}
const admin = (JSON.parse(readFileSync(accountsFile, 'utf8')) as { admin: { account: string; password: string } }).admin;

const t0 = Date.now();
const platform: PlatformProcess = await startPlatformProcess(platformOptions);
const startupMs = Date.now() - t0;
const base = platform.httpUrl;

async function call(p: string, token?: string, init: { method?: string; body?: unknown } = {}): Promise<{ ms: number; status: number; bytes: number; json: unknown }> {
  const t = performance.now();
  const res = await fetch(base + p, {
    method: init.method ?? 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text(); // the whole body: what the console waits for
  const ms = performance.now() - t;
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { ms, status: res.status, bytes: Buffer.byteLength(text), json };
}

let exitCode = 0;
try {
  const login = await call('/api/v1/operator/login', undefined, { method: 'POST', body: { account: admin.account, password: admin.password } });
  if (login.status !== 200) throw new Error(`signing in as ${admin.account} answered ${login.status}: ${JSON.stringify(login.json)}`);
  const token = (login.json as { token: string }).token;

  // What the big operator has: its biggest lot (bays of a big lot), a device, how many of each.
  const lots = (await call('/api/v1/operator/lots', token)).json as { lots: Array<{ id: string; capacity: number; bays: number; devices: number }> };
  const big = [...lots.lots].sort((a, b) => b.bays - a.bays)[0];
  const estate = { lots: lots.lots.length, bays: lots.lots.reduce((a, l) => a + l.bays, 0), devices: lots.lots.reduce((a, l) => a + l.devices, 0), biggestLot: big ? { id: big.id, bays: big.bays } : null };
  process.stderr.write(`bench:console: platform (pid ${platform.pid}) up in ${(startupMs / 1000).toFixed(1)} s; signed in as ${admin.account}: ` +
    `${estate.lots} lots, ${estate.bays.toLocaleString('en')} bays, ${estate.devices.toLocaleString('en')} devices; biggest lot ${big?.id} (${big?.bays} bays)\n`);
  const firstDevices = (await call('/api/v1/operator/devices?limit=100', token)).json as { devices: Array<{ id: string }>; next?: string | null };
  const deviceId = firstDevices.devices[0]?.id;
  const now = Date.now();
  const week = new URLSearchParams({ from: new Date(now - 7 * 86_400_000).toISOString(), to: new Date(now).toISOString() });
  const lotQ = big ? encodeURIComponent(big.id) : 'none';

  // Every console page's reads, as the console makes them (web/src/api.ts).
  const api: Array<[name: string, what: string, path: string]> = [
    ['public lots', 'the console reads every lot\'s name once', '/api/v1/lots'],
    ['lots', 'Lots tab: the operator\'s lots', '/api/v1/operator/lots'],
    ['lot search', 'Lots tab: a search', '/api/v1/operator/lots?q=garage'],
    ['lot', 'a lot\'s workspace', `/api/v1/operator/lots/${lotQ}`],
    ['bays of big lot', `the lot's bays (${big?.bays ?? 0})`, `/api/v1/operator/lots/${lotQ}/bays`],
    ['devices', 'Devices tab: first page', '/api/v1/operator/devices'],
    ['devices page 2', 'the next page (keyset)', `/api/v1/operator/devices?after=${encodeURIComponent(firstDevices.next ?? '')}`],
    ['devices of lot', 'a lot\'s devices', `/api/v1/operator/devices?lotId=${lotQ}`],
    ['device search', 'a search', '/api/v1/operator/devices?q=gate'],
    ['device page', 'a device\'s page', `/api/v1/operator/devices/${encodeURIComponent(deviceId ?? 'none')}`],
    ['alerts', 'Alerts tab: open alerts', '/api/v1/operator/alerts?limit=200&status=active'],
    ['alert counts', 'the header\'s count, every tab', '/api/v1/operator/alerts/counts'],
    ['review queue', 'Review tab', '/api/v1/operator/review?limit=50'],
    ['arrears', 'Arrears tab', '/api/v1/operator/arrears/plates?limit=500'],
    ['analytics 7 d', 'Analytics tab', `/api/v1/operator/analytics?${week}`],
    ['city view 28 d', 'City view tab', '/api/v1/operator/analytics/city?days=28'],
    ['tariffs of lot', 'Tariffs tab: a lot\'s versions', `/api/v1/operator/lots/${lotQ}/tariffs`],
    ['passes', 'Passes tab', '/api/v1/operator/passes'],
    ['audit', 'the audit log', '/api/v1/operator/audit'],
    ['staff', 'staff accounts', '/api/v1/operator/accounts'],
  ];
  // Cold: each route's first call, in a row, right after start; then warm rounds.
  const timings: Timing[] = [];
  for (const [name, what, p] of api) {
    const c = await call(p, token);
    if (c.status !== 200) process.stderr.write(`  ${name}: GET ${p} answered ${c.status} ${JSON.stringify(c.json).slice(0, 200)}\n`);
    timings.push({ name, what, coldMs: c.ms, warm: [], bytes: c.bytes, status: c.status });
  }
  for (let i = 0; i < runs; i++) {
    for (const [k, [, , p]] of api.entries()) timings[k].warm.push((await call(p, token)).ms);
  }
  const apiRows = timings.map((t) => ({ ...summarize(t), status: t.status }));

  // The API's table now: the browser part takes a while.
  process.stderr.write(`\n${line(['API call', 'cold ms', 'p50', 'p95', 'max', 'KB', ''], W)}\n`);
  for (const r of apiRows) {
    process.stderr.write(`${line([r.name, String(r.coldMs), String(r.p50), String(r.p95), String(r.max), (r.bytes! / 1024).toFixed(1), r.status !== 200 ? `HTTP ${r.status}` : r.pass ? 'PASS' : 'FAIL'], W)}\n`);
  }

  // The console in a browser.
  const pageRows: Array<Summary & { viewport: number }> = [];
  if (!values['no-browser']) {
    for (const width of [1280, 390]) {
      try {
        pageRows.push(...await timeConsole(admin, width, big?.id ?? null));
      } catch (err) {
        // A tab that never shows its content is a finding, not the end of the API's figures.
        process.stderr.write(`bench:console: the console at ${width}px failed: ${(err as Error).message.split('\n')[0]}\n`);
      }
    }
  }

  const load = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const figures = {
    benchmark: 'console', dataDir: given ? dataDir : 'demo (temporary)', account: admin.account, estate, runs, browserRuns,
    startupSeconds: r1(startupMs / 1000), targetMs: TARGET_MS,
    api: apiRows, pages: pageRows, loadAverage: load, cores: os.cpus().length,
    scheduledJobs: process.env.SCHEDULED_JOBS === 'true',
  };
  console.log(JSON.stringify(figures));
  process.stderr.write(`\nOneLot console benchmark: ${admin.account} (${estate.lots} lots, ${estate.bays.toLocaleString('en')} bays, ${estate.devices.toLocaleString('en')} devices); ` +
    `load ${load.join(' ')} on ${os.cpus().length} cores; target < ${TARGET_MS} ms cold and p95 warm\n`);
  if (pageRows.length) {
    process.stderr.write(`${line(['console tab (click→shown)', 'cold ms', 'p50', 'p95', 'max', 'width', ''], W)}\n`);
    for (const r of pageRows) process.stderr.write(`${line([r.name, String(r.coldMs), String(r.p50), String(r.p95), String(r.max), `${r.viewport}px`, r.pass ? 'PASS' : 'FAIL'], W)}\n`);
  }
} catch (err) {
  console.error(`bench:console: ${(err as Error).stack ?? err}`);
  exitCode = 1;
} finally {
  await platform.stop();
}
process.exit(exitCode);

// ---------------------------------------------------------------------------------------------
// The console in chromium
// ---------------------------------------------------------------------------------------------

async function timeConsole(account: { account: string; password: string }, width: number, bigLot: string | null): Promise<Array<Summary & { viewport: number }>> {
  const { chromium } = await import('playwright-core');
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: run \`bash scripts/ensure-test-tools.sh\` or set CHROMIUM_PATH`);
  // The flags test/helpers.ts launches with.
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width, height: width < 500 ? 844 : 900 } });
    let step = 'signing in';
    try {
    const tid = (id: string) => `[data-testid="${id}"]`;
    await page.goto(`${base}/#/operator`);
    await page.locator(tid('op-login-id')).fill(account.account);
    await page.locator(tid('op-login-password')).fill(account.password);
    await page.locator(tid('op-login-submit')).click();
    await page.locator(tid('op-console')).waitFor({ timeout: 60_000 });
    // The first tab (review) opens by itself; wait for it before timing clicks.
    await page.locator(TAB_READY.review).waitFor({ timeout: 60_000 });
    const tabs = Object.keys(TAB_READY);
    const times = new Map<string, number[]>(tabs.map((t) => [t, []]));
    const timeTab = async (tab: string) => {
      step = `tab ${tab}`;
      const start = performance.now();
      await page.locator(tid(`op-tab-link-${tab}`)).click();
      // Attached, not visible: the tariffs tab's marker is an <option> of a closed <select>.
      await page.locator(`${tid(`op-tab-${tab}`)} ${TAB_READY[tab]}`).first().waitFor({ state: 'attached', timeout: 120_000 });
      return performance.now() - start;
    };
    // Round 0 is cold (each tab's first opening in this page); review is left first so its click is a real one.
    for (let round = 0; round <= browserRuns; round++) {
      for (const tab of [...tabs.slice(1), tabs[0]]) times.get(tab)!.push(await timeTab(tab));
    }
    const out: Array<Summary & { viewport: number }> = tabs.map((tab) => {
      const [cold, ...warm] = times.get(tab)!;
      return { ...summarize({ name: `tab ${tab}`, what: `click → ${TAB_READY[tab]}`, coldMs: cold, warm }), viewport: width };
    });
    // A big lot's workspace: its bays table, from the click on the lot in the list.
    if (bigLot) {
      const lotTimes: number[] = [];
      for (let round = 0; round <= browserRuns; round++) {
        await timeTab('lots');
        step = `lot ${bigLot}`;
        const start = performance.now();
        await page.locator(`${tid(`estate-lot-${bigLot}`)} button`).first().click();
        await page.locator(`${tid('bays-panel')} ${tid('bays-table')}`).waitFor({ timeout: 120_000 });
        lotTimes.push(performance.now() - start);
        await page.locator(tid('estate-back')).click();
      }
      const [cold, ...warm] = lotTimes;
      out.push({ ...summarize({ name: 'lot workspace (bays)', what: 'click on the biggest lot → its bays table', coldMs: cold, warm }), viewport: width });
    }
    step = 'done';
    // The page fits a phone: nothing wider than the viewport.
    if (width < 500) {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1) process.stderr.write(`bench:console: at ${width}px the console is ${overflow}px wider than the screen\n`);
    }
    return out;
    } catch (err) {
      const shot = path.join(os.tmpdir(), `bench-console-${width}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      throw new Error(`${step}: ${(err as Error).message.split('\n')[0]} (screenshot ${shot})`);
    }
  } finally {
    await browser.close();
  }
}
