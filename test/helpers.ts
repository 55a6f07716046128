// Shared by the end-to-end tests: a whole platform on port 0 in a temporary data directory,
// and real MQTT clients acting as devices.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, inject } from 'vitest';
import { assertSafeForProduction, loadConfig } from '../core/config.ts';
import { openSession, type OperatorRole } from '../core/sessions.ts';
import { startPlatform, type Platform } from '../platform.ts';
import type { OneLotModule } from '../core/module.ts';
import { HOURLY_FIGURES } from '../analytics/hourly-stats.ts';
import type { CredentialsFile, DeviceCredential } from '../seed/city-loader.ts';
import { createScratchDatabase, type ScratchDatabase } from '../load-tests/lib/scratch-database.ts';

export interface TestPlatform extends Platform {
  creds: CredentialsFile;
  dataDir: string;
  device(pred: (d: DeviceCredential) => boolean): DeviceCredential;
  /** Stop the platform, keep the data directory (for restart tests). */
  stop(): Promise<void>;
  /** Stop and delete the data directory. */
  destroy(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'onelot-test-'));
}

/**
 * ONELOT_TEST_ON_POSTGRES=1 runs every test platform on the machine's PostgreSQL server instead of
 * the embedded TimescaleDB: a database of its own per data directory (a restart finds it again),
 * dropped by destroy(). For running chosen files on plain PostgreSQL by hand; the suite runs
 * test/postgres.e2e.test.ts there.
 */
const scratchOf = new Map<string, ScratchDatabase>();
async function databaseUrlFor(dataDir: string, env: Record<string, string> | undefined): Promise<Record<string, string>> {
  if (!process.env.ONELOT_TEST_ON_POSTGRES || env?.DATABASE_URL) return {};
  let db = scratchOf.get(dataDir);
  if (!db) { db = await createScratchDatabase('onelot_test'); scratchOf.set(dataDir, db); }
  return { DATABASE_URL: db.url };
}

// Databases whose platform a test stopped without destroy() (restart tests, own data directories).
if (process.env.ONELOT_TEST_ON_POSTGRES) {
  afterAll(async () => {
    for (const db of scratchOf.values()) await db.drop();
    scratchOf.clear();
  });
}

export async function startTestPlatform(opts: { dataDir?: string; env?: Record<string, string>; modules?: readonly OneLotModule[] } = {}): Promise<TestPlatform> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const onPostgres = await databaseUrlFor(dataDir, opts.env);
  const config = loadConfig({ DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', INGEST_BATCH_WAIT_MS: '2',
    // No timers behind a test's back: tests run the jobs they need themselves.
    SCHEDULED_JOBS: 'false',
    // Many sign-ups from 127.0.0.1 in one file: the sign-in limits are tested on their own
    // (test/accounts.e2e.test.ts sets them back).
    AUTH_LIMIT_PER_ADDRESS: '10000', AUTH_LIMIT_PER_ACCOUNT: '10000', ...onPostgres, ...opts.env });
  // An empty embedded data directory starts from the run's seeded copy (test/global-setup.ts)
  // rather than migrating and seeding anew; the demo's devices are dated as if seeded now, so
  // device health sees them as new whenever in the run a file starts.
  assertSafeForProduction(config); // as startPlatform does, before anything is written
  const seeded = inject('seededDataDir');
  const fromCopy = seeded && !config.DATABASE_URL && config.SEED_DEMO && (!existsSync(dataDir) || readdirSync(dataDir).length === 0);
  if (fromCopy) cpSync(seeded, dataDir, { recursive: true });
  const platform = await startPlatform(config, { modules: opts.modules });
  if (fromCopy) await platform.db.pool.query('UPDATE devices SET created_at = now()');
  const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
  return Object.assign(platform, {
    creds,
    dataDir,
    device(pred: (d: DeviceCredential) => boolean) {
      const d = creds.devices.find(pred);
      if (!d) throw new Error('no such device in the demo fleet');
      return d;
    },
    stop: () => platform.close(),
    async destroy() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
      await scratchOf.get(dataDir)?.drop();
      scratchOf.delete(dataDir);
    },
  });
}

/** Connect as a device; rejects with the CONNACK error when refused. */
export function connectDevice(p: Platform, d: { id: string; secret: string }, extra: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(p.mqttUrl, {
      clientId: d.id, username: d.id, password: d.secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...extra,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => { client.end(true); reject(err); });
  });
}

/** Publish with QoS 1 and wait for the PUBACK. */
export function publish(client: MqttClient, topic: string, payload: string | object): Promise<void> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return new Promise((resolve, reject) => client.publish(topic, body, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
}

/** Poll until check() returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 2000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function getJson(p: Platform, url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(p.httpUrl + url);
  return { status: res.status, body: await res.json() };
}

let seqBase = Date.now();
export const nextSeq = () => ++seqBase;

/**
 * Debian's Chromium, headless, as the browser tests drive it (playwright-core never downloads a
 * browser). The flags keep it off the network: this machine's closed network refuses its
 * background connections.
 */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const { existsSync } = await import('node:fs');
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: run \`npm test\` (it installs Debian's chromium) or set CHROMIUM_PATH`);
  if (!existsSync('web/dist/index.html')) throw new Error('web/dist is missing: run `npm run build:web` first (npm test does)');
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Every Content-Security-Policy violation the page meets from now on (api/security-headers.ts):
 * the page's own securitypolicyviolation events, and Chromium's console lines about the policy.
 * Browser tests end by expecting none, so a page change the policy refuses fails the tests.
 */
export async function cspViolations(page: Page): Promise<string[]> {
  const found: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy|CSP violation/i.test(m.text())) found.push(`${page.url()}: ${m.text()}`); });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} refused ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
  });
  return found;
}

/**
 * The analytics' hourly figures as the statements kept them, and as recomputing them from the
 * session and invoice rows gives them (stays rounded: float sums in another order).
 */
export async function hourlyStatsBothWays(pool: Platform['db']['pool']): Promise<{ kept: unknown[]; fromRows: unknown[] }> {
  const cols = `lot_id, hour, sessions, closed, round(stay_minutes::numeric, 3) AS stay, invoiced_fen, paid_fen`;
  const kept = (await pool.query(`
    SELECT ${cols} FROM (
      SELECT lot_id, hour, sum(sessions)::int AS sessions, sum(closed)::int AS closed, sum(stay_minutes) AS stay_minutes, sum(invoiced_fen)::bigint AS invoiced_fen, sum(paid_fen)::bigint AS paid_fen
        FROM ${HOURLY_FIGURES} h GROUP BY lot_id, hour) h
     WHERE (sessions, closed, invoiced_fen, paid_fen) <> (0, 0, 0, 0) ORDER BY lot_id, hour`)).rows;
  const fromRows = (await pool.query(`SELECT ${cols} FROM lot_hourly_stats_between('-infinity', 'infinity') ORDER BY lot_id, hour`)).rows;
  return { kept, fromRows };
}

/**
 * A console bearer token, as signing in would give: the operator (tenant) and the account are
 * created when missing (no password: it cannot sign in, only hold this session), then a session is
 * opened (core/sessions.ts). Default: the admin of `operatorId`, account named like it.
 */
export async function consoleToken(p: Platform, who: { operatorId?: string | null; role?: OperatorRole; account?: string } = {}): Promise<string> {
  const operatorId = who.operatorId === undefined ? 'op-zzpark' : who.operatorId;
  const role = who.role ?? (operatorId === null ? 'city' : 'admin');
  const account = who.account ?? (operatorId ?? 'city');
  if (operatorId !== null) await p.db.pool.query('INSERT INTO operators (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [operatorId]);
  await p.db.pool.query('INSERT INTO operator_accounts (id, operator_id, role, name) VALUES ($1, $2, $3, $1) ON CONFLICT DO NOTHING', [account, operatorId, role]);
  return (await openSession(p.db.pool, p.config.AUTH_TOKEN_SECRET, { accountId: account })).token;
}

/** A driver bearer token for an existing driver id, as signing in would give. */
export async function driverToken(p: Platform, driverId: number): Promise<string> {
  return (await openSession(p.db.pool, p.config.AUTH_TOKEN_SECRET, { driverId })).token;
}

/** The SMS the simulated provider sent to a phone, newest first (notifications/, over its dev route). */
export async function smsTo(p: Platform, phone: string): Promise<Array<{ template: string; params: Record<string, string> }>> {
  const r = await fetch(`${p.httpUrl}/api/v1/dev/sms?to=${phone}`);
  return ((await r.json()) as { messages: Array<{ template: string; params: Record<string, string> }> }).messages;
}

/** The code of the newest SMS to a phone; throws naming its template when it carries none. */
export async function smsCode(p: Platform, phone: string): Promise<string> {
  const [newest] = await smsTo(p, phone);
  if (!newest?.params.code) throw new Error(`the newest SMS to ${phone} carries no code (${newest?.template ?? 'none sent'})`);
  return newest.params.code;
}

/** Sign up as a driver the way the web app does: ask for a code, read the SMS, confirm. Answers the confirming response. */
export async function signUp(p: Platform, body: { phone: string; password: string; name?: string }): Promise<{ status: number; body: any }> {
  const post = (path: string, b: object) => fetch(`${p.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
  const asked = await post('/api/v1/auth/register/code', { phone: body.phone });
  if (asked.status !== 202) return { status: asked.status, body: await asked.json() };
  const r = await post('/api/v1/auth/register', { ...body, code: await smsCode(p, body.phone) });
  return { status: r.status, body: await r.json() };
}
