// What every chaos scenario stands on: the platform in its own process (as `npm start` runs it),
// killed with SIGKILL and restarted on the same data directory and the same ports, a database
// connection of our own to verify what is stored, and the chaos devices' credentials.
//
// The database connection: the embedded database serves the Postgres wire protocol on a private
// Unix socket in `$TMPDIR/onelot-db-XXXXXX`, with the password in a 0600 file beside it (README,
// "The embedded database is private to OneLot's OS user"). Each start gets a TMPDIR of its own, so
// the one directory in it is this platform's. With DATABASE_URL set, that server is used instead.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { hashDeviceSecret, newDeviceSecret } from '../../core/secrets.ts';
import { freePort, startPlatformProcess, type PlatformProcess } from '../lib/platform-process.ts';

export interface Device { id: string; secret: string }

export interface Platform extends PlatformProcess {
  /** A pool of one connection to this platform's database (closed with kill9/stop). */
  db: pg.Pool;
  /** This start's TMPDIR (its embedded database's socket directory is in it). */
  tmpDir: string;
}

export interface Harness {
  dataDir: string;
  /** Chaos devices registered before the first start: sensors with no bay (heartbeats only). */
  devices: Device[];
  /** Where every start of the platform listens (the same ports each time, as after a real restart). */
  httpUrl: string;
  /** Environment of every later start (e.g. a payment provider's URL and secret). */
  env: Record<string, string>;
  start(env?: Record<string, string>): Promise<Platform>;
  /** SIGKILL: no shutdown code runs, as in a power cut or the OOM killer. */
  kill9(p: Platform): Promise<void>;
  stop(p: Platform): Promise<void>;
  cleanup(): void;
  log(msg: string): void;
}

export async function createHarness(o: { devices: number; log: (m: string) => void; dataDir?: string }): Promise<Harness> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'onelot-chaos-'));
  const dataDir = o.dataDir ?? path.join(root, 'data');
  const devices = Array.from({ length: o.devices }, (_, i) => ({ id: `chaos-${String(i + 1).padStart(5, '0')}`, secret: newDeviceSecret() }));
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  let starts = 0;
  const baseEnv: Record<string, string> = {};

  const start = async (env: Record<string, string> = {}): Promise<Platform> => {
    const tmp = path.join(root, `tmp-${++starts}`);
    mkdirSync(tmp, { mode: 0o700 });
    const p = await startPlatformProcess({
      dataDir, httpPort, mqttPort, handleSignals: false,
      env: { TMPDIR: tmp, ...baseEnv, ...env },
    });
    const db = new pg.Pool({ ...connectionOf(tmp), max: 1 });
    db.on('error', () => {}); // the platform was killed under it
    // Registered through the running platform's database: opening the embedded database a second
    // time, before the first start, would cost as long again as the start itself.
    if (starts === 1) await registerOn(db, devices);
    return Object.assign(p, { db, tmpDir: tmp });
  };
  return {
    dataDir, devices, start, env: baseEnv, httpUrl: `http://127.0.0.1:${httpPort}`,
    async kill9(p) {
      process.kill(p.pid, 'SIGKILL');
      await p.exited;
      await p.stop(); // only unregisters its exit handler now
      await p.db.end().catch(() => {});
    },
    async stop(p) {
      await p.db.end().catch(() => {});
      await p.stop();
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
    log: o.log,
  };
}

function connectionOf(tmp: string): pg.PoolConfig {
  if (process.env.DATABASE_URL) return { connectionString: process.env.DATABASE_URL };
  const dir = readdirSync(tmp).find((n) => n.startsWith('onelot-db-'));
  if (!dir) throw new Error(`no embedded database socket under ${tmp}`);
  const host = path.join(tmp, dir);
  return { host, port: 5432, user: 'postgres', database: 'postgres', password: readFileSync(path.join(host, 'password'), 'utf8').trim() };
}

async function registerOn(pool: Pick<pg.Pool, 'query'>, devices: Device[]): Promise<void> {
  for (let i = 0; i < devices.length; i += 5000) {
    const chunk = devices.slice(i, i + 5000);
    await pool.query(
      `INSERT INTO devices (id, kind, secret_hash) SELECT id, 'bay-sensor', h FROM unnest($1::text[], $2::text[]) AS t(id, h)
       ON CONFLICT (id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, enabled = true`,
      [chunk.map((d) => d.id), chunk.map((d) => hashDeviceSecret(d.secret))]);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` is true or `ms` passed; returns whether it became true. */
export async function until(check: () => Promise<boolean> | boolean, ms: number, every = 200): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(every);
  }
}

/** One figure of a scenario's report: a value, and whether it meets what the scenario requires. */
export interface Figure { name: string; value: number | string; unit?: string; pass?: boolean; want?: string }
export interface ScenarioResult { scenario: string; pass: boolean; figures: Figure[]; notes?: string[] }

export function result(scenario: string, figures: Figure[], notes?: string[]): ScenarioResult {
  return { scenario, pass: figures.every((f) => f.pass !== false), figures, notes };
}
