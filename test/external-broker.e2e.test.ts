// Devices on an existing broker (issue 14): a real Mosquitto 2 with its dynamic-security plugin,
// started by the test on a free port; OneLot runs no broker, provisions device accounts through
// $CONTROL and consumes events through a shared subscription, acknowledging after commit.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { MqttClient } from 'mqtt';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connectDevice, nextSeq, publish, waitFor } from './helpers.ts';
import { client, STREET, startEstate, type Estate } from './estate-helpers.ts';
import { startDynsecMosquitto, type DynsecMosquitto } from '../load-tests/lib/mosquitto-dynsec.ts';
import { createScratchDatabase, type ScratchDatabase } from '../load-tests/lib/scratch-database.ts';
import type { BrokerConsumer } from '../ingest/index.ts';

let m: DynsecMosquitto;
let database: ScratchDatabase;
let e: Estate;
let api: ReturnType<typeof client>;
let lotId: string;
const ts = () => new Date().toISOString();
const closed = (c: MqttClient) => new Promise<void>((resolve) => { if (!c.connected) resolve(); else c.once('close', () => resolve()); });
const bayOf = async (code: string) => (await fetch(`${e.p.httpUrl}/api/v1/lots/${lotId}`).then((r) => r.json())).bays.find((b: { code: string }) => b.code === code);

beforeAll(async () => {
  m = await startDynsecMosquitto();
  // The machine's PostgreSQL 15, so a second ingest process can share the database (part A's plain mode).
  database = await createScratchDatabase('onelot_broker_e2e');
  e = await startEstate({ DATABASE_URL: database.url, MQTT_BROKER_URL: m.ingestUrl, MQTT_BROKER_ADMIN_URL: m.adminUrl, INGEST_BROKER_CONNECTIONS: '8' });
  api = client(e.p);
  lotId = (await api(e.zz, 'POST', '/lots', { ...STREET, published: true })).body.id;
  await api(e.zz, 'POST', `/lots/${lotId}/bays`, { pattern: `${lotId}-{01..40}` });
}, 180_000);
afterAll(async () => {
  await e?.p.destroy();
  await database?.drop();
  await m?.stop();
});

describe('devices on Mosquitto, accounts provisioned by OneLot', () => {
  it('starts no broker of its own: devices are told the external broker', () => {
    expect(e.p.mqttUrl).toBe(m.url);
  });

  it('a registered device publishes through Mosquitto and its report reaches the map; a bad message is dead-lettered with its code as on the embedded broker', async () => {
    const reg = await api(e.zz, 'POST', '/devices', { id: `sen-${lotId}-01`, kind: 'bay-sensor', bayCode: `${lotId}-01` });
    expect(reg.status).toBe(201);
    const c = await connectDevice(e.p, { id: reg.body.device.id, secret: reg.body.secret });
    const topic = `devices/${reg.body.device.id}/events`;
    await publish(c, topic, { type: 'occupancy', seq: nextSeq(), ts: ts(), occupied: true });
    await publish(c, topic, { type: 'gate', seq: nextSeq(), ts: ts(), direction: 'in', plate: '豫A12345' });
    c.end(true);
    await waitFor(async () => (await bayOf(`${lotId}-01`))?.occupied === true, 5000, 'the sensor\'s report on the lot page');
    const dead = await waitFor(async () => (await e.p.db.pool.query('SELECT code, reason FROM dead_letters WHERE device_id = $1', [reg.body.device.id])).rows[0], 5000, 'the dead letter');
    expect(dead).toMatchObject({ code: 'unknown_type', reason: expect.stringMatching(/may not send type "gate"/) });
  });

  it('faulty devices are found as on the embedded broker: a sensor that repeats its word right after itself is flagged stuck', async () => {
    const reg = await api(e.zz, 'POST', '/devices', { id: `sen-${lotId}-09`, kind: 'bay-sensor', bayCode: `${lotId}-09` });
    const id = reg.body.device.id;
    const c = await connectDevice(e.p, { id, secret: reg.body.secret });
    const topic = `devices/${id}/events`;
    const seq = nextSeq();
    // Taken for two minutes, then the same word again with nothing between (seq + 1): stuck (ingest/bay-plan.ts).
    await publish(c, topic, { type: 'occupancy', seq, ts: new Date(Date.now() - 180_000).toISOString(), occupied: true });
    await waitFor(async () => (await bayOf(`${lotId}-09`))?.occupied === true, 5000, 'the first report on the lot page');
    await publish(c, topic, { type: 'occupancy', seq: seq + 1, ts: new Date(Date.now() - 60_000).toISOString(), occupied: true });
    c.end(true);
    const alert = await waitFor(async () => (await e.p.db.pool.query(
      `SELECT details->>'reason' AS reason FROM device_alerts WHERE device_id = $1 AND kind = 'stuck' AND resolved_at IS NULL`, [id])).rows[0], 5000, 'the stuck alert');
    expect(alert).toEqual({ reason: 'echo' });
  });

  it('a device may publish only to its own topic and subscribe only to its own commands (MQTT 5: PUBACK 0x87, SUBACK 0x87)', async () => {
    const a = await api(e.zz, 'POST', '/devices', { id: `sen-${lotId}-02`, kind: 'bay-sensor', bayCode: `${lotId}-02` });
    const c = await connectDevice(e.p, { id: a.body.device.id, secret: a.body.secret }, { protocolVersion: 5 });
    const own = await c.subscribeAsync(`devices/${a.body.device.id}/commands`, { qos: 1 });
    expect(own[0].qos).toBe(1);
    await expect(c.subscribeAsync(`devices/sen-${lotId}-01/commands`, { qos: 1 })).rejects.toThrow(/Subscribe error: Not authorized/);
    await expect(publish(c, `devices/sen-${lotId}-01/events`, { type: 'occupancy', seq: nextSeq(), ts: ts(), occupied: false })).rejects.toThrow(/not authori[sz]ed|135/i);
    c.end(true);
  });

  it('a device must connect with its own id as client id', async () => {
    const a = await api(e.zz, 'POST', '/devices', { id: `sen-${lotId}-03`, kind: 'bay-sensor', bayCode: `${lotId}-03` });
    await expect(connectDevice(e.p, { id: a.body.device.id, secret: a.body.secret }, { clientId: 'someone-else' })).rejects.toThrow();
  });

  it('a rotated secret is refused by Mosquitto and its live connection closed; the new one works', async () => {
    const id = `sen-${lotId}-04`;
    const reg = await api(e.zz, 'POST', '/devices', { id, kind: 'bay-sensor', bayCode: `${lotId}-04` });
    const live = await connectDevice(e.p, { id, secret: reg.body.secret });
    const rot = await api(e.zz, 'POST', `/devices/${id}/rotate-secret`);
    expect(rot.status).toBe(200);
    await closed(live);
    await expect(connectDevice(e.p, { id, secret: reg.body.secret })).rejects.toThrow(/not authori[sz]ed|bad user ?name or password/i);
    const c = await connectDevice(e.p, { id, secret: rot.body.secret });
    await publish(c, `devices/${id}/events`, { type: 'occupancy', seq: nextSeq(), ts: ts(), occupied: true });
    c.end(true);
    await waitFor(async () => (await bayOf(`${lotId}-04`))?.occupied === true, 5000, 'the report made with the new secret');
  });

  it('a disabled device is refused (its live connection closed); enabled, it connects again', async () => {
    const id = `sen-${lotId}-05`;
    const reg = await api(e.zz, 'POST', '/devices', { id, kind: 'bay-sensor', bayCode: `${lotId}-05` });
    const live = await connectDevice(e.p, { id, secret: reg.body.secret });
    expect((await api(e.zz, 'POST', `/devices/${id}/disable`)).status).toBe(200);
    await closed(live);
    await expect(connectDevice(e.p, { id, secret: reg.body.secret })).rejects.toThrow();
    expect((await api(e.zz, 'POST', `/devices/${id}/enable`)).status).toBe(200);
    (await connectDevice(e.p, { id, secret: reg.body.secret })).end(true);
  });

  it('a gateway publishes for its enabled children only', async () => {
    const gw = await api(e.zz, 'POST', '/devices', { id: `gw-${lotId}`, kind: 'gateway', lotId });
    const child = await api(e.zz, 'POST', '/devices', { id: `sen-${lotId}-06`, kind: 'bay-sensor', bayCode: `${lotId}-06`, gatewayId: gw.body.device.id });
    expect(child.status).toBe(201);
    const c = await connectDevice(e.p, { id: gw.body.device.id, secret: gw.body.secret }, { protocolVersion: 5 });
    await publish(c, `devices/${child.body.device.id}/events`, { type: 'occupancy', seq: nextSeq(), ts: ts(), occupied: true });
    await waitFor(async () => (await bayOf(`${lotId}-06`))?.occupied === true, 5000, 'the child\'s report sent by its gateway');
    await api(e.zz, 'POST', `/devices/${child.body.device.id}/disable`);
    await expect(publish(c, `devices/${child.body.device.id}/events`, { type: 'occupancy', seq: nextSeq(), ts: ts(), occupied: false })).rejects.toThrow(/not authori[sz]ed|135/i);
    c.end(true);
  });

  it('a stale role of the device\'s name on the broker is replaced, never reused with its ACLs', async () => {
    const id = `sen-${lotId}-07`;
    await m.ctrl('createRole', `onelot-device-${id}`);
    await m.ctrl('addRoleACL', `onelot-device-${id}`, 'publishClientSend', '#', 'allow');
    const reg = await api(e.zz, 'POST', '/devices', { id, kind: 'bay-sensor', bayCode: `${lotId}-07` });
    expect(reg.status).toBe(201);
    const c = await connectDevice(e.p, { id, secret: reg.body.secret }, { protocolVersion: 5 });
    await expect(publish(c, 'devices/anything/events', { type: 'occupancy', seq: nextSeq(), ts: ts(), occupied: false })).rejects.toThrow(/not authori[sz]ed|135/i);
    c.end(true);
  });
});

describe('ingest processes sharing the subscription', () => {
  const DEVICES = 20;
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => new Promise((r) => { c.once('exit', r); c.kill('SIGKILL'); })));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** An ingest process of its own (`main.ts --role ingest`, INGEST_ID `id`) on the platform's database. */
  async function ingestProcess(id: string): Promise<ChildProcess> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-ingest-'));
    dirs.push(dir);
    const proc = spawn(process.execPath, ['--import', 'tsx', 'main.ts', '--role', 'ingest'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: {
        ...process.env, DATABASE_URL: database.url, DATA_DIR: dir, SIMULATE: 'false', LOG_LEVEL: 'warn',
        MQTT_BROKER_URL: m.ingestUrl, INGEST_ID: id, INGEST_BROKER_CONNECTIONS: '8', INGEST_BATCH_WAIT_MS: '2',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(proc);
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: proc.stdout! }).on('line', (line) => { if (line.includes('OneLot is running')) resolve(); });
      proc.once('exit', (code) => reject(new Error(`ingest process exited with ${code}`)));
    });
    return proc;
  }

  it('two ingest processes share the devices\' events; kill -9 one under load: the other adopts its sessions and every event Mosquitto acknowledged is stored; restarted, it gets them back', async () => {
    const ids: Array<{ id: string; secret: string }> = [];
    for (let i = 10; i < 10 + DEVICES; i++) {
      const reg = await api(e.zz, 'POST', '/devices', { id: `sen-${lotId}-${i}`, kind: 'bay-sensor', bayCode: `${lotId}-${i}` });
      ids.push({ id: reg.body.device.id, secret: reg.body.secret });
    }
    const consumer = e.p.broker as BrokerConsumer;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const platformStored = async () => (await e.p.metrics.mqttStored.get()).values[0]?.value ?? 0;
    const storedInAll = async () => Number((await e.p.db.pool.query('SELECT count(*) AS n FROM device_events WHERE device_id = ANY($1)', [ids.map((d) => d.id)])).rows[0].n);
    const first = await ingestProcess('second');
    const devices = await Promise.all(ids.map((d) => connectDevice(e.p, d)));
    const acked: Array<{ device: string; seq: number }> = [];
    let running = true;
    const publishing = () => devices.map(async (c, k) => {
      let occupied = false;
      while (running) {
        const seq = nextSeq();
        occupied = !occupied;
        // PUBACK from Mosquitto: it has the message; from here on OneLot must not lose it.
        await publish(c, `devices/${ids[k].id}/events`, { type: 'occupancy', seq, ts: ts(), occupied });
        acked.push({ device: ids[k].id, seq });
        // 25 messages a second a device, 500 in all: Mosquitto acknowledges on receipt, so an unpaced
        // loop would measure how fast it queues, not what ingest keeps up with.
        await sleep(40);
      }
    });
    const lostOnes = async () => {
      const { rows } = await e.p.db.pool.query<{ device_id: string; seq: number }>(
        'SELECT device_id, seq FROM device_events WHERE device_id = ANY($1)', [ids.map((d) => d.id)]);
      const have = new Set(rows.map((r) => `${r.device_id}/${r.seq}`));
      return acked.filter((a) => !have.has(`${a.device}/${a.seq}`));
    };
    const allStored = async (withinMs: number) => {
      let lost = await lostOnes();
      for (const until = Date.now() + withinMs; lost.length && Date.now() < until; lost = await lostOnes()) await sleep(200);
      return lost.length;
    };

    let loops = publishing();
    await sleep(2500);
    const [platformBeforeKill, allBeforeKill] = [await platformStored(), await storedInAll()];
    const beforeKill = allBeforeKill - platformBeforeKill;
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const ackedAtKill = acked.length;
    await sleep(3000);
    running = false;
    await Promise.all(loops);
    // Both shared the load before the kill; the platform's own sessions kept storing after it.
    expect(beforeKill).toBeGreaterThan(0);
    expect(platformBeforeKill).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(ackedAtKill);
    // The dead process's lease lapses (10 s) and the platform drains its sessions: nothing is lost.
    await waitFor(() => consumer.adopted().includes('second'), 20_000, 'the platform adopting the killed process\'s sessions');
    expect(await allStored(20_000), `of ${acked.length} events Mosquitto acknowledged, not stored`).toBe(0);

    // Restarted with its INGEST_ID, the process takes its sessions back and shares the load again.
    const restarted = await ingestProcess('second');
    await waitFor(() => consumer.adopted().length === 0, 10_000, 'the platform handing the sessions back');
    expect((await e.p.db.pool.query(`SELECT holder FROM ingest_leases WHERE ingest_id = 'second'`)).rows[0].holder).toBe('second');
    const [platformBeforeRestartLoad, allBeforeRestartLoad] = [await platformStored(), await storedInAll()];
    running = true;
    loops = publishing();
    await sleep(1500);
    running = false;
    await Promise.all(loops);
    for (const c of devices) c.end(true);
    expect(await allStored(20_000), `of ${acked.length} events Mosquitto acknowledged, not stored`).toBe(0);
    // What the platform did not store, the restarted process did.
    const byRestarted = (await storedInAll() - allBeforeRestartLoad) - (await platformStored() - platformBeforeRestartLoad);
    expect(byRestarted).toBeGreaterThan(0);
    restarted.kill('SIGTERM');
    console.log(`kill -9 test: ${acked.length} events acknowledged by Mosquitto, all stored; the killed process had committed ${beforeKill}; the restarted one ${byRestarted}`);
  }, 120_000);
});
