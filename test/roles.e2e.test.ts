// Issue 14: OneLot as several processes by role on one PostgreSQL server (the machine's PostgreSQL
// 15, a database of this test's own, created and dropped). Real processes, as a deployment runs
// them (`node main.ts --role …`): two `ingest` (each with its embedded broker on its own port), two
// `api` and two `jobs`. Nothing correct may depend on one process's memory:
//   - an SSE client on api #1 sees a change ingested by ingest #2;
//   - a bay's sensor on ingest #1 and its camera on ingest #2, racing, converge on each one's newest report,
//     and the lot's counts add up;
//   - sign-in limits are counted across the api processes, wrong device secrets across the ingest ones;
//   - a device an operator disables through one api process is disconnected from its ingest process;
//   - kill -9 the jobs process that leads: the other takes over within the lock's retry interval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { createScratchDatabase, type ScratchDatabase } from '../load-tests/lib/scratch-database.ts';
import type { CredentialsFile } from '../seed/city-loader.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const JOBS_LOCK_RETRY_MS = 500;

interface RoleProcess { name: string; child: ChildProcess; lines: string[]; mqttUrl?: string; httpUrl?: string; exited: Promise<void> }

let db: ScratchDatabase;
let dataDir: string;
let pool: pg.Pool;
const running: RoleProcess[] = [];

function start(name: string, role: string, env: Record<string, string> = {}): RoleProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts', '--role', role], {
    cwd: ROOT,
    env: {
      ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'warn',
      INGEST_BATCH_WAIT_MS: '2', JOBS_LOCK_RETRY_MS: String(JOBS_LOCK_RETRY_MS), AUTH_LIMIT_PER_ACCOUNT: '3', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p: RoleProcess = { name, child, lines: [], exited: new Promise((resolve) => child.once('exit', () => resolve())) };
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      p.lines.push(line);
      p.mqttUrl ??= /MQTT:\s+(mqtt:\/\/\S+)/.exec(line)?.[1];
      p.httpUrl ??= /HTTP:\s+(http:\/\/[^/\s]+)/.exec(line)?.[1];
    });
  }
  running.push(p);
  return p;
}

async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms: number, proc?: RoleProcess): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${proc ? `; ${proc.name} said:\n${proc.lines.slice(-20).join('\n')}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const ready = (p: RoleProcess) => until(`${p.name} to start`, () => p.lines.some((l) => l.includes('OneLot is running')), 90_000, p);
const leads = (p: RoleProcess) => p.lines.some((l) => l.includes('jobs: this process is the leader'));

let ingest1: RoleProcess, ingest2: RoleProcess, api1: RoleProcess, api2: RoleProcess, jobs: RoleProcess[];
let creds: CredentialsFile;

beforeAll(async () => {
  db = await createScratchDatabase('onelot_roles');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-roles-'));
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {}); // an idle connection the final DROP DATABASE … WITH (FORCE) ends
  // All start at once: they take turns to migrate and seed (an advisory lock), whoever comes first.
  ingest1 = start('ingest #1', 'ingest');
  ingest2 = start('ingest #2', 'ingest');
  api1 = start('api #1', 'api');
  api2 = start('api #2', 'api');
  // info: a jobs process says when it leads.
  jobs = [start('jobs #1', 'jobs', { LOG_LEVEL: 'info' }), start('jobs #2', 'jobs', { LOG_LEVEL: 'info' })];
  await Promise.all([ingest1, ingest2, api1, api2, ...jobs].map(ready));
  creds = JSON.parse(readFileSync(path.join(dataDir, 'demo-devices.json'), 'utf8')) as CredentialsFile;
}, 180_000);

afterAll(async () => {
  for (const p of running) p.child.kill('SIGTERM');
  await Promise.race([Promise.all(running.map((p) => p.exited)), new Promise((r) => setTimeout(r, 15_000))]);
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await pool?.end();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

function connect(p: RoleProcess, d: { id: string; secret: string }): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(p.mqttUrl!, { clientId: d.id, username: d.id, password: d.secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => { client.end(true); reject(err); });
  });
}
const publish = (c: MqttClient, deviceId: string, msg: object) => c.publishAsync(`devices/${deviceId}/events`, JSON.stringify(msg), { qos: 1 });
const device = (id: string) => creds.devices.find((d) => d.id === id)!;
let seqs = Date.now() % 1_000_000_000;

describe('processes by role on one PostgreSQL server', () => {
  it('streams on api #1 a bay change ingested by ingest #2', async () => {
    const sensor = creds.devices.filter((d) => d.kind === 'bay-sensor')[40];
    const bay = sensor.bayCode!;
    const stream = await fetch(`${api1.httpUrl}/api/v1/stream?bays=all`);
    const reader = stream.body!.getReader();
    let text = '';
    const frames = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString('utf8');
      }
    })();
    const client = await connect(ingest2, sensor);
    const occupied = !(await pool.query('SELECT occupied FROM bay_state WHERE bay_code = $1', [bay])).rows[0].occupied;
    const sent = Date.now();
    await publish(client, sensor.id, { type: 'occupancy', seq: ++seqs, ts: new Date().toISOString(), occupied });
    const seen = await until('the change on api #1\'s stream', () => text.split('\n\n').some((f) => f.includes(`"code":"${bay}"`) && f.includes(`"occupied":${occupied}`)), 5_000);
    expect(seen).toBe(true);
    // The live map's target (docs/performance.md): event to map within 1 s at p99.
    expect(Date.now() - sent).toBeLessThan(1_000);
    await reader.cancel();
    await frames.catch(() => {});
    await client.endAsync();
  });

  it('a bay\'s sensor on ingest #1 and its camera on ingest #2, racing, converge on each one\'s newest report; the lot\'s counts add up', async () => {
    const camera = creds.devices.find((d) => d.kind === 'bay-camera' && d.bays?.some((b) => creds.devices.some((s) => s.kind === 'bay-sensor' && s.bayCode === b)))!;
    const bay = camera.bays!.find((b) => creds.devices.some((s) => s.kind === 'bay-sensor' && s.bayCode === b))!;
    const sensor = creds.devices.find((d) => d.kind === 'bay-sensor' && d.bayCode === bay)!;
    const [viaSensor, viaCamera] = await Promise.all([connect(ingest1, device(sensor.id)), connect(ingest2, device(camera.id))]);
    // 60 reports a side, event times shuffled across both sides within the last minute, sent as fast as PUBACKs come.
    const base = Date.now() - 60_000;
    const times = Array.from({ length: 120 }, (_, i) => base + i * 400).sort(() => Math.random() - 0.5);
    const reports = times.map((t, i) => ({ t, occupied: Math.random() < 0.5, side: i % 2 }));
    await Promise.all([0, 1].map(async (side) => {
      for (const r of reports.filter((x) => x.side === side)) {
        const ts = new Date(r.t).toISOString();
        if (side === 0) await publish(viaSensor, sensor.id, { type: 'occupancy', seq: ++seqs, ts, occupied: r.occupied });
        else await publish(viaCamera, camera.id, { type: 'bay', seq: ++seqs, ts, bay, occupied: r.occupied });
      }
    }));
    // Each source's newest word wins whichever process it came through, and the bay is decided from
    // the two by the one rule (ingest/belief.ts), each writer re-reading the bay under its lot's lock.
    const newestOf = (side: number) => reports.filter((r) => r.side === side).reduce((a, b) => (b.t > a.t ? b : a));
    const [s, c] = [newestOf(0), newestOf(1)];
    const { rows: [state] } = await pool.query(
      'SELECT occupied, event_time, sensor_occupied, sensor_time, camera_occupied, camera_time FROM bay_state WHERE bay_code = $1', [bay]);
    expect([state.sensor_occupied, new Date(state.sensor_time).getTime()]).toEqual([s.occupied, s.t]);
    expect([state.camera_occupied, new Date(state.camera_time).getTime()]).toEqual([c.occupied, c.t]);
    if (s.occupied === c.occupied) expect(state.occupied).toBe(s.occupied);
    expect(new Date(state.event_time).getTime()).toBe(Math.max(s.t, c.t));
    const { rows: [counts] } = await pool.query(
      `SELECT a.free, a.occupied, a.unknown,
              count(*) FILTER (WHERE b.occupied = false)::int AS bays_free, count(*) FILTER (WHERE b.occupied)::int AS bays_occupied,
              count(*) FILTER (WHERE b.occupied IS NULL)::int AS bays_unknown
         FROM lot_availability a JOIN bay_state b ON b.lot_id = a.lot_id WHERE a.lot_id = $1 GROUP BY 1, 2, 3`, [camera.lotId]);
    expect([counts.free, counts.occupied, counts.unknown]).toEqual([counts.bays_free, counts.bays_occupied, counts.bays_unknown]);
    // And both api processes serve those counts.
    for (const api of [api1, api2]) {
      await until(`${api.name} to serve the lot's counts`, async () => {
        const { lot } = await (await fetch(`${api.httpUrl}/api/v1/lots/${camera.lotId}`)).json() as { lot: { free: number; occupied: number } };
        return lot.free === counts.free && lot.occupied === counts.occupied;
      }, 3_000, api);
    }
    await Promise.all([viaSensor.endAsync(), viaCamera.endAsync()]);
  });

  it('closes at once, on ingest #2, the connection of a device an operator disables through api #1', async () => {
    const { admin } = JSON.parse(readFileSync(path.join(dataDir, 'operator-console.json'), 'utf8')) as { admin: { account: string; password: string } };
    const { rows: [own] } = await pool.query(
      `SELECT d.id FROM devices d JOIN lots l ON l.id = d.lot_id WHERE l.operator_id = $1 AND d.kind = 'bay-sensor' ORDER BY d.id DESC LIMIT 1`, [admin.account]);
    const client = await connect(ingest2, device(own.id));
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const signIn = await fetch(`${api1.httpUrl}/api/v1/operator/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account: admin.account, password: admin.password }),
    });
    const { token } = await signIn.json() as { token: string };
    const disabled = await fetch(`${api1.httpUrl}/api/v1/operator/devices/${own.id}/disable`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(disabled.status).toBe(200);
    await until('ingest #2 to close the disabled device', () => closed.then(() => true), 5_000);
    await expect(connect(ingest2, device(own.id))).rejects.toThrow();
    client.end(true);
  });

  it('counts a device id\'s wrong secrets across the ingest processes', async () => {
    const gate = creds.devices.filter((d) => d.kind === 'gate-camera').at(-1)!;
    const wrong = { id: gate.id, secret: 'not-its-secret' };
    // 5 wrong secrets lock an id (ingest/connect-limiter.ts): 3 through ingest #1, 2 through ingest #2 …
    for (const p of [ingest1, ingest1, ingest1, ingest2, ingest2]) await expect(connect(p, wrong)).rejects.toThrow(/Not authorized/i);
    await new Promise((r) => setTimeout(r, 600)); // each process reports what it judged every 200 ms
    // … so the right secret is refused for now by either (the id never signed in: it has no home address).
    for (const p of [ingest1, ingest2]) await expect(connect(p, gate)).rejects.toThrow(/Not authorized/i);
  });

  it('counts sign-in attempts for one account across the api processes', async () => {
    const login = (api: RoleProcess, phone: string) => fetch(`${api.httpUrl}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone, password: 'not-the-password' }),
    });
    const phone = '13800138014';
    // AUTH_LIMIT_PER_ACCOUNT=3 a minute, spread over both processes …
    expect((await login(api1, phone)).status).toBe(401);
    expect((await login(api2, phone)).status).toBe(401);
    expect((await login(api1, phone)).status).toBe(401);
    // … and the fourth is refused by either.
    const refused = await login(api2, phone);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(api1, phone)).status).toBe(429);
    expect((await login(api1, '13800138015')).status).toBe(401); // another account is not affected
  });

  it('runs the jobs in one process; kill -9 it and another takes over within the retry interval', async () => {
    const leader = await until('a jobs process to lead', () => jobs.find(leads), 10_000, jobs[0]);
    await new Promise((r) => setTimeout(r, 3 * JOBS_LOCK_RETRY_MS));
    const other = jobs.find((j) => j !== leader)!;
    expect(leads(other)).toBe(false); // one at a time
    const killed = Date.now();
    leader.child.kill('SIGKILL');
    await leader.exited;
    await until(`${other.name} to take over`, () => leads(other), 60_000, other);
    const tookOver = Date.now() - killed;
    expect(tookOver).toBeLessThan(60_000);
    console.log(`jobs: taken over ${tookOver} ms after kill -9 (JOBS_LOCK_RETRY_MS=${JOBS_LOCK_RETRY_MS})`);
  });
});
