// Start-up failures a person can act on: the message names the problem and the variable to change.
import { describe, it, expect } from 'vitest';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { openDatabase } from '../core/db/index.ts';
import { ConfigError, loadConfig } from '../core/config.ts';
import { startTestPlatform, tempDataDir } from './helpers.ts';
import { createScratchDatabase } from '../load-tests/lib/scratch-database.ts';

describe('start-up errors', () => {
  it('opens a DATABASE_URL server without TimescaleDB in its native-partition mode, saying so', async () => {
    // The machine's own PostgreSQL 15 (no TimescaleDB), in a database of the test's own. (One older
    // than 15 without TimescaleDB is refused naming both ways out: core/db/engine.ts.)
    const database = await createScratchDatabase('onelot_startup');
    const dataDir = tempDataDir();
    try {
      const db = await openDatabase({ databaseUrl: database.url, dataDir });
      try {
        expect(db).toMatchObject({ mode: 'external', engine: 'postgres' });
        expect((await db.pool.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`)).rows).toEqual([]);
      } finally {
        await db.close();
      }
      expect(readdirSync(dataDir)).toEqual([]); // nothing embedded was started
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await database.drop();
    }
  });

  it('names MQTT_PORT when the MQTT port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    const dataDir = tempDataDir();
    try {
      const err = await startTestPlatform({ dataDir, env: { MQTT_PORT: String(port) } }).catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(new RegExp(`MQTT port ${port} .* already in use.*Set MQTT_PORT`));
    } finally {
      taken.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('names the variable of a bad configuration value', () => {
    expect(() => loadConfig({ HTTP_PORT: 'eighty' })).toThrow(/HTTP_PORT="eighty"/);
    expect(() => loadConfig({ MQTT_PORT: '70000' })).toThrow(/MQTT_PORT/);
  });

  it('refuses startPlatform in production with the demo settings before opening anything', async () => {
    const dataDir = tempDataDir();
    try {
      const err = await startTestPlatform({ dataDir, env: { NODE_ENV: 'production' } }).catch((e) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(/AUTH_TOKEN_SECRET.*\n.*PAYMENT_WEBHOOK_SECRET.*\n.*PAYMENT_PROVIDER_URL.*\n.*SEED_DEMO/);
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** `node --import tsx main.ts` as npm start runs it (without the web build), on port 0. */
function runMain(env: Record<string, string>, until: RegExp | null, timeoutMs = 60_000) {
  const dataDir = tempDataDir();
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    env: { PATH: process.env.PATH, HTTP_PORT: '0', MQTT_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', SCHEDULED_JOBS: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (b) => {
    stdout += b;
    if (!signalled && until?.test(stdout)) { signalled = true; child.kill('SIGTERM'); }
  });
  child.stderr.on('data', (b) => { stderr += b; });
  return new Promise<{ code: number | null; stdout: string; stderr: string; dataDir: string }>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`main.ts still running after ${timeoutMs} ms; stderr: ${stderr}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, dataDir }); });
  });
}

describe('npm start in production', () => {
  it('exits non-zero naming every demo setting left on, before starting anything', async () => {
    const r = await runMain({ NODE_ENV: 'production' }, null);
    try {
      expect(r.code).not.toBe(0);
      for (const name of ['AUTH_TOKEN_SECRET', 'PAYMENT_WEBHOOK_SECRET', 'PAYMENT_PROVIDER_URL', 'SEED_DEMO', 'SIMULATE']) {
        expect(r.stderr).toMatch(new RegExp(`- ${name} .*set ${name}`));
      }
      expect(r.stdout).not.toContain('OneLot is running');
      expect(readdirSync(r.dataDir)).toEqual([]);
    } finally {
      rmSync(r.dataDir, { recursive: true, force: true });
    }
  });

  it('starts when production sets everything, and stops cleanly', async () => {
    const r = await runMain({
      NODE_ENV: 'production', AUTH_TOKEN_SECRET: 'e2e-production-token-secret', PAYMENT_WEBHOOK_SECRET: 'e2e-production-webhook-secret',
      PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9', SEED_DEMO: 'false', SIMULATE: 'false',
      SMS_PROVIDER: 'aliyun', SMS_ACCESS_KEY_ID: 'LTAIexample', SMS_ACCESS_KEY_SECRET: 'e2e-sms-secret', SMS_SIGN_NAME: 'OneLot',
      SMS_TEMPLATE_CODES: 'overdue-reminder=SMS_1', SMS_CALLBACK_SECRET: 'e2e-production-sms-secret',
    }, /OneLot is running/);
    try {
      expect(r.stdout).toContain('Simulator: off');
      expect(r.stdout).toContain('stopped cleanly');
      expect(r.code).toBe(0);
    } finally {
      rmSync(r.dataDir, { recursive: true, force: true });
    }
  });
});

describe('shutdown', () => {
  it('ends open live streams instead of waiting for them (an open map must not hold up Ctrl-C)', async () => {
    const p = await startTestPlatform();
    const res = await fetch(`${p.httpUrl}/api/v1/stream`);
    const reader = res.body!.getReader();
    await reader.read(); // the stream is open: its first frame arrived
    // Before, close() waited for the stream until main.ts's 15 s timer; bound it well below that.
    const closing = p.destroy();
    const drained = (async () => { for (let r = await reader.read(); !r.done; r = await reader.read()) { /* until the server ends it */ } })();
    const limit = new Promise((_, reject) => setTimeout(() => reject(new Error('shutdown still waiting on the open stream after 8 s')), 8_000).unref());
    await Promise.race([Promise.all([closing, drained]), limit]);
  }, 60_000);
});
