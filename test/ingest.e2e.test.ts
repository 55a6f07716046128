// Devices → MQTT (real TCP) → TimescaleDB (Postgres wire) → HTTP API, on a whole platform.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readAvailabilityStream, type AvailabilityFrame } from '../load-tests/lib/sse.ts';
import type { MqttClient } from 'mqtt';
import { startTestPlatform, connectDevice, publish, waitFor, getJson, nextSeq, type TestPlatform } from './helpers.ts';
import { eventsTopic, REJECT_CODES } from '../core/protocol.ts';
import { hashDeviceSecret } from '../core/secrets.ts';

const run = promisify(execFile);
let p: TestPlatform;

beforeAll(async () => { p = await startTestPlatform(); });
afterAll(async () => { await p?.destroy(); });

const count = async (sql: string, params: unknown[] = []) => Number((await p.db.pool.query(sql, params)).rows[0].n);

/** Collect SSE frames from /api/v1/stream until stop(). */
function openStream(url: string) {
  const frames: AvailabilityFrame[] = [];
  const reader = readAvailabilityStream(url, (frame) => frames.push(frame));
  return { frames, stop: () => reader.close() };
}

describe('a bay sensor over MQTT', () => {
  let client: MqttClient;
  const sensorOf = () => p.device((d) => d.kind === 'bay-sensor' && d.lotId.endsWith('-0005'));
  beforeAll(async () => { client = await connectDevice(p, sensorOf()); });
  afterAll(async () => { await client?.endAsync(); });

  // How fast is a benchmark's figure (bench:city's event-to-map), not a timed assertion: on a loaded CI
  // machine a stream frame took 1.5 s here.
  it('changes its bay, and the API and the live stream show it', async () => {
    const d = sensorOf();
    const stream = openStream(`${p.httpUrl}/api/v1/stream`);
    await new Promise((r) => setTimeout(r, 100));
    const before = (await getJson(p, `/api/v1/lots/${d.lotId}`)).body.lot;
    const ts = new Date().toISOString();
    await publish(client, eventsTopic(d.id), { type: 'occupancy', seq: nextSeq(), ts, occupied: true, battery: 3.6 });
    // PUBACK means committed: the state is already in the database.
    const state = (await p.db.pool.query('SELECT occupied, since FROM bay_state WHERE bay_code = $1', [d.bayCode])).rows[0];
    expect(state.occupied).toBe(true);
    expect(new Date(state.since).toISOString()).toBe(ts);

    const lot = await waitFor(async () => {
      const { body } = await getJson(p, `/api/v1/lots/${d.lotId}`);
      return body.lot.occupied === before.occupied + 1 ? body : null;
    }, 10_000, 'the API to show the bay occupied');
    expect(lot.lot.unknown).toBe(before.unknown - 1);
    expect(lot.bays.find((b: any) => b.code === d.bayCode)).toMatchObject({ occupied: true, since: ts });

    const frame = await waitFor(() => stream.frames.find((f) => f.bays.some((b) => b.code === d.bayCode)), 10_000, 'an SSE frame');
    expect(frame.lots.find((l) => l.id === d.lotId)).toMatchObject({ occupied: before.occupied + 1 });
    stream.stop();
  });

  it('stores a repeated (device, seq) message once', async () => {
    const d = sensorOf();
    const msg = { type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: false };
    await publish(client, eventsTopic(d.id), msg);
    await publish(client, eventsTopic(d.id), msg);
    await publish(client, eventsTopic(d.id), msg);
    expect(await count('SELECT count(*) AS n FROM device_events WHERE device_id = $1 AND seq = $2', [d.id, msg.seq])).toBe(1);
  });

  it('retries a batch the database rolled back with "retry the transaction" (40001): stored once, acknowledged', async () => {
    const d = sensorOf();
    let calls = 0;
    // A hook that fails like a lost answer from the embedded database, once.
    const flaky = async () => {
      if (++calls === 1) throw Object.assign(new Error('lost the answer; retry the transaction'), { code: '40001' });
    };
    p.broker.writer.hooks.push(flaky);
    try {
      const seq = nextSeq();
      await publish(client, eventsTopic(d.id), { type: 'occupancy', seq, ts: new Date().toISOString(), occupied: false });
      expect(calls).toBe(2);
      expect(await count(`SELECT count(*) AS n FROM device_events WHERE device_id = $1 AND seq = $2`, [d.id, seq])).toBe(1);
      expect(client.connected).toBe(true);
    } finally {
      p.broker.writer.hooks.splice(p.broker.writer.hooks.indexOf(flaky), 1);
    }
  });

  it('hands a hook the plan it made while the events were stored, and none when some were repeats (repeated heartbeats alone keep it)', async () => {
    const d = sensorOf();
    const seen: Array<{ fresh: number[]; planned: unknown }> = [];
    // load reads inside the transaction before the events are stored; plan works on that read.
    const split = Object.assign(async (_c: unknown, fresh: Array<{ seq: number }>, planned?: unknown) => {
      seen.push({ fresh: fresh.map((e) => e.seq), planned });
    }, {
      load: async (c: { query(sql: string, v: unknown[]): Promise<{ rows: Array<{ n: number }> }> }, events: Array<{ deviceId: string }>) =>
        (await c.query('SELECT count(*)::int AS n FROM device_events WHERE device_id = $1', [events[0].deviceId])).rows[0].n,
      plan: (storedBefore: number, events: Array<{ seq: number }>) => ({ storedBefore, seqs: events.map((e) => e.seq) }),
    });
    p.broker.writer.hooks.push(split as never);
    try {
      const storedBefore = await count('SELECT count(*) AS n FROM device_events WHERE device_id = $1', [d.id]);
      const msg = { type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: true };
      await publish(client, eventsTopic(d.id), msg);
      expect(seen).toEqual([{ fresh: [msg.seq], planned: { storedBefore, seqs: [msg.seq] } }]);
      // A repeat of what this writer just committed is answered from memory (ingest/recent-keys.ts):
      // stored once, and no batch for the hook.
      await publish(client, eventsTopic(d.id), msg);
      expect(seen).toHaveLength(1);
      expect(await count('SELECT count(*) AS n FROM device_events WHERE device_id = $1 AND seq = $2', [d.id, msg.seq])).toBe(1);
      // A repeat only the database knows (committed by another ingest process, or long ago): the
      // unique key finds it, nothing is fresh, and the plan made for it is not handed over.
      const other = { ...msg, seq: nextSeq() };
      await p.db.pool.query(
        `INSERT INTO device_events (event_time, received_at, device_id, seq, type, lot_id, bay_code, payload)
         VALUES ($1, now(), $2, $3, 'occupancy', $4, $5, $6)`, [other.ts, d.id, other.seq, d.lotId, d.bayCode, JSON.stringify(other)]);
      await publish(client, eventsTopic(d.id), other);
      expect(seen[1]).toEqual({ fresh: [], planned: undefined });
      const next = { ...msg, seq: nextSeq(), occupied: false };
      await Promise.all([publish(client, eventsTopic(d.id), other), publish(client, eventsTopic(d.id), next)]);
      // If both landed in one batch, the plan covered the repeat too: the hook must start over.
      const last = seen[seen.length - 1];
      expect(last.fresh).toEqual([next.seq]);
      expect(last.planned === undefined || (last.planned as { seqs: number[] }).seqs.length === 1).toBe(true);
      // A heartbeat repeat only the database knows: heartbeats move no hook (nor gate count), so it is
      // not looked up, and the batch and the plan made for it are handed over as they are.
      const beat = { type: 'heartbeat', seq: nextSeq(), ts: new Date().toISOString(), battery: 3.6 };
      await p.db.pool.query(
        `INSERT INTO device_events (event_time, received_at, device_id, seq, type, lot_id, bay_code, payload)
         VALUES ($1, now(), $2, $3, 'heartbeat', $4, $5, $6)`, [beat.ts, d.id, beat.seq, d.lotId, d.bayCode, JSON.stringify(beat)]);
      const before = seen.length;
      await publish(client, eventsTopic(d.id), beat);
      expect(seen.slice(before)).toEqual([{ fresh: [beat.seq], planned: { storedBefore: expect.any(Number), seqs: [beat.seq] } }]);
      expect(await count('SELECT count(*) AS n FROM device_events WHERE device_id = $1 AND seq = $2', [d.id, beat.seq])).toBe(1);
    } finally {
      p.broker.writer.hooks.splice(p.broker.writer.hooks.indexOf(split as never), 1);
    }
  });

  it('keeps storing after its database connection is replaced (the new connection shares the old backend)', async () => {
    const d = sensorOf();
    const stored = async (occupied: boolean) => {
      const seq = nextSeq();
      await publish(client, eventsTopic(d.id), { type: 'occupancy', seq, ts: new Date().toISOString(), occupied });
      return count('SELECT count(*) AS n FROM device_events WHERE device_id = $1 AND seq = $2', [d.id, seq]);
    };
    expect(await stored(true)).toBe(1);
    // Drop the pool's connection the way an error would; the next batch runs on a new one, while
    // the embedded backend keeps whatever the old one left (a named prepared statement did: every
    // later batch then failed with "prepared statement already exists").
    const old = await p.db.pool.connect();
    old.release(true);
    for (const occupied of [false, true]) expect(await stored(occupied)).toBe(1);
  });


  it('stores a late message without rolling the bay back', async () => {
    const d = sensorOf();
    const now = Date.now();
    await publish(client, eventsTopic(d.id), { type: 'occupancy', seq: nextSeq(), ts: new Date(now).toISOString(), occupied: true });
    await publish(client, eventsTopic(d.id), { type: 'occupancy', seq: nextSeq(), ts: new Date(now - 60_000).toISOString(), occupied: false });
    const state = (await p.db.pool.query('SELECT occupied, event_time FROM bay_state WHERE bay_code = $1', [d.bayCode])).rows[0];
    expect(state.occupied).toBe(true);
    expect(new Date(state.event_time).getTime()).toBe(now);
    expect(await count(`SELECT count(*) AS n FROM device_events WHERE device_id = $1 AND event_time = $2`, [d.id, new Date(now - 60_000)])).toBe(1);
  });

  it('dead-letters a ts from year 2999 (bay and last_seen untouched); a later true event still changes the bay', async () => {
    const d = sensorOf();
    const bay = async () => (await p.db.pool.query('SELECT occupied, event_time FROM bay_state WHERE bay_code = $1', [d.bayCode])).rows[0];
    const lastSeen = async () => (await p.db.pool.query('SELECT last_seen FROM devices WHERE id = $1', [d.id])).rows[0].last_seen;
    const before = await bay();
    const seenBefore = await lastSeen();
    const liar = JSON.stringify({ type: 'occupancy', seq: nextSeq(), ts: '2999-01-01T00:00:00Z', occupied: !before.occupied });
    await publish(client, eventsTopic(d.id), liar);
    const row = (await p.db.pool.query('SELECT code, reason, payload FROM dead_letters WHERE device_id = $1 ORDER BY id DESC LIMIT 1', [d.id])).rows[0];
    expect(row).toEqual({ code: 'time_window', reason: expect.stringMatching(/more than 5 minutes ahead/), payload: liar });
    expect(await bay()).toEqual(before);
    expect(await lastSeen()).toEqual(seenBefore);

    const ts = new Date().toISOString();
    await publish(client, eventsTopic(d.id), { type: 'occupancy', seq: nextSeq(), ts, occupied: !before.occupied });
    expect(await bay()).toEqual({ occupied: !before.occupied, event_time: new Date(ts) });
  });

  it('dead-letters malformed messages with their reason and keeps serving', async () => {
    const d = sensorOf();
    const bad: Array<[string, RegExp]> = [
      ['{not json', /not valid JSON/],
      [JSON.stringify({ type: 'teleport', seq: 1, ts: new Date().toISOString() }), /may not send type "teleport"/],
      [JSON.stringify({ type: 'occupancy', seq: 1, ts: new Date().toISOString() }), /occupied/],
      [JSON.stringify({ type: 'occupancy', seq: 'one', ts: new Date().toISOString(), occupied: true }), /seq/],
      [JSON.stringify({ type: 'occupancy', seq: 2, ts: 'yesterday', occupied: true }), /ts must be an ISO-8601/],
      [JSON.stringify({ type: 'occupancy', seq: 3, ts: new Date().toISOString(), occupied: true, pad: 'x'.repeat(5000) }), /limit is 4096/],
      ['[1,2,3]', /one JSON object/],
    ];
    for (const [payload, reason] of bad) {
      await publish(client, eventsTopic(d.id), payload); // acknowledged, so the device does not resend forever
      const row = (await p.db.pool.query('SELECT reason, payload FROM dead_letters WHERE device_id = $1 ORDER BY id DESC LIMIT 1', [d.id])).rows[0];
      expect(row.reason).toMatch(reason);
      expect(row.payload).toBe(payload.slice(0, 8192));
    }
    // Still serving this client and others.
    const seq = nextSeq();
    await publish(client, eventsTopic(d.id), { type: 'heartbeat', seq, ts: new Date().toISOString(), battery: 3.5 });
    expect(await count('SELECT count(*) AS n FROM device_events WHERE device_id = $1 AND seq = $2', [d.id, seq])).toBe(1);
    const metrics = await (await fetch(`${p.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/onelot_mqtt_messages_rejected_total\{reason="invalid_json"\} 2/);
  });

  it('labels rejections on /metrics with fixed codes only: no device-chosen string reaches it', async () => {
    const d = sensorOf();
    const mark = `pwn${nextSeq()}`;
    for (const payload of [`{"${mark}`, JSON.stringify({ type: mark, seq: 1, ts: new Date().toISOString() }),
      JSON.stringify({ type: 'occupancy', seq: 1, ts: mark, occupied: true }),
      JSON.stringify({ type: 'occupancy', seq: 1, ts: new Date().toISOString(), occupied: mark })]) {
      await publish(client, eventsTopic(d.id), payload);
    }
    expect((await p.db.pool.query('SELECT count(*)::int AS n FROM dead_letters WHERE payload LIKE $1', [`%${mark}%`])).rows[0].n).toBe(4);
    const metrics = await (await fetch(`${p.httpUrl}/metrics`)).text();
    expect(metrics).not.toContain(mark);
    const labels = [...metrics.matchAll(/onelot_mqtt_messages_rejected_total\{reason="([^"]*)"\}/g)].map((m) => m[1]);
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels) expect(REJECT_CODES).toContain(l);
  });
});

describe('device authorization', () => {
  it('refuses a wrong secret with CONNACK "not authorized"', async () => {
    const d = p.device((x) => x.kind === 'bay-sensor');
    const err: any = await connectDevice(p, { id: d.id, secret: 'wrong-secret' }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(5);
    const unknown: any = await connectDevice(p, { id: 'no-such-device', secret: 'x' }).catch((e) => e);
    expect(unknown.code).toBe(5);
  });

  it('after five wrong secrets for an id, refuses even the right one for a minute (no database lookup)', async () => {
    const d = p.creds.devices.filter((x) => x.kind === 'bay-sensor')[60];
    for (let i = 0; i < 5; i++) expect((await connectDevice(p, { id: d.id, secret: `guess-${i}` }).catch((e) => e)).code).toBe(5);
    const pool = p.db.pool as any;
    const query = pool.query;
    let lookups = 0;
    pool.query = function (this: unknown, ...args: any[]) {
      if (String(args[0]).includes('FROM devices d WHERE d.id')) lookups++;
      return query.apply(this, args);
    };
    try {
      const err: any = await connectDevice(p, d).catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(5);
    } finally { pool.query = query; }
    expect(lookups).toBe(0);
    // Another device from the same address is not locked (the address allows more failures).
    await (await connectDevice(p, p.creds.devices.filter((x) => x.kind === 'bay-sensor')[61])).endAsync();
  });

  it('refuses a client id other than the device id, so no device can kick another offline', async () => {
    const [victim, other] = p.creds.devices.filter((x) => x.kind === 'bay-sensor').slice(20, 22);
    await p.db.pool.query(`INSERT INTO devices (id, kind, secret_hash) VALUES ('gw-test-2', 'gateway', $1)`, [hashDeviceSecret('gw-secret')]);
    await p.db.pool.query(`UPDATE devices SET gateway_id = 'gw-test-2' WHERE id = $1`, [victim.id]);
    const gateway = { id: 'gw-test-2', secret: 'gw-secret' };
    const client = await connectDevice(p, victim);
    // Right secrets, wrong client id: the victim's (even for the victim's own gateway), any other.
    for (const [d, clientId] of [[other, victim.id], [gateway, victim.id], [other, 'whatever']] as const) {
      const err: any = await connectDevice(p, d, { clientId }).catch((e) => e);
      expect(err.code).toBe(5);
    }
    expect(client.connected).toBe(true);
    await publish(client, eventsTopic(victim.id), { type: 'heartbeat', seq: nextSeq(), ts: new Date().toISOString() });
    await client.endAsync();
    await (await connectDevice(p, gateway)).endAsync(); // its own id still connects
    await p.db.pool.query(`UPDATE devices SET gateway_id = NULL WHERE id = $1`, [victim.id]);
  });

  it("refuses publishing to another device's topic and stores nothing", async () => {
    const [a, b] = p.creds.devices.filter((x) => x.kind === 'bay-sensor').slice(10, 12);
    const client = await connectDevice(p, a);
    const before = await count('SELECT count(*) AS n FROM device_events');
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.publish(eventsTopic(b.id), JSON.stringify({ type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: true }), { qos: 1 });
    await closed; // MQTT 3.1.1 has no negative PUBACK: the broker closes the connection
    client.end(true);
    expect(await count('SELECT count(*) AS n FROM device_events')).toBe(before);
    expect(await count('SELECT count(*) AS n FROM device_events WHERE device_id = $1', [b.id])).toBe(0);
    expect((await p.db.pool.query('SELECT occupied FROM bay_state WHERE bay_code = $1', [b.bayCode])).rows[0].occupied).toBeNull();
  });

  it('refuses subscriptions other than its own commands topic', async () => {
    const d = p.device((x) => x.kind === 'bay-camera');
    const client = await connectDevice(p, d);
    // mqtt.js reports any 0x80 as an error carrying the SUBACK's return codes.
    const granted = await new Promise<number[]>((resolve) =>
      client.subscribe([`devices/${d.id}/commands`, 'devices/+/events', '#'], { qos: 1 }, (err: any) => resolve(err?.packet?.granted ?? [])));
    expect(granted).toEqual([1, 128, 128]);
    await client.endAsync();
  });
});

describe('gateways', () => {
  it('publish for the child devices registered under them, and for no other', async () => {
    const children = p.creds.devices.filter((d) => d.kind === 'bay-sensor').slice(40, 43);
    const stranger = p.creds.devices.filter((d) => d.kind === 'bay-sensor')[50];
    await p.db.pool.query(`INSERT INTO devices (id, kind, secret_hash) VALUES ('gw-test-1', 'gateway', $1)`, [hashDeviceSecret('gw-secret')]);
    await p.db.pool.query(`UPDATE devices SET gateway_id = 'gw-test-1' WHERE id = ANY($1)`, [children.map((c) => c.id)]);
    const gw = await connectDevice(p, { id: 'gw-test-1', secret: 'gw-secret' });
    for (const c of children) {
      await publish(gw, eventsTopic(c.id), { type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: true });
      expect((await p.db.pool.query('SELECT occupied FROM bay_state WHERE bay_code = $1', [c.bayCode])).rows[0].occupied).toBe(true);
    }
    // Its own health, on its own topic.
    await publish(gw, eventsTopic('gw-test-1'), { type: 'heartbeat', seq: nextSeq(), ts: new Date().toISOString() });
    expect(await count(`SELECT count(*) AS n FROM device_events WHERE device_id = 'gw-test-1'`)).toBe(1);
    // A child's payload is validated as the child's kind.
    await publish(gw, eventsTopic(children[0].id), { type: 'gate', seq: nextSeq(), ts: new Date().toISOString(), direction: 'in', plate: '豫A12345' });
    expect((await p.db.pool.query('SELECT reason FROM dead_letters WHERE device_id = $1 ORDER BY id DESC LIMIT 1', [children[0].id])).rows[0].reason).toMatch(/a bay-sensor may not send type "gate"/);
    // Not its child: refused, connection closed, nothing stored.
    const closed = new Promise<void>((r) => gw.once('close', () => r()));
    gw.publish(eventsTopic(stranger.id), JSON.stringify({ type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: true }), { qos: 1 });
    await closed;
    gw.end(true);
    expect(await count('SELECT count(*) AS n FROM device_events WHERE device_id = $1', [stranger.id])).toBe(0);
  });
});

describe('cameras', () => {
  it('a high-mount camera reports its own bays, normalising the plate; other bays are dead-lettered', async () => {
    const cam = p.device((d) => d.kind === 'bay-camera');
    const client = await connectDevice(p, cam);
    const bay = cam.bays![0];
    const seq = nextSeq();
    await publish(client, eventsTopic(cam.id), { type: 'bay', seq, ts: new Date().toISOString(), bay, occupied: true, plate: '豫a·d12345', plateColor: 'green', confidence: 0.97 });
    const ev = (await p.db.pool.query('SELECT bay_code, payload FROM device_events WHERE device_id = $1 AND seq = $2', [cam.id, seq])).rows[0];
    expect(ev.bay_code).toBe(bay);
    expect(ev.payload.plate).toBe('豫AD12345');
    expect((await p.db.pool.query('SELECT occupied FROM bay_state WHERE bay_code = $1', [bay])).rows[0].occupied).toBe(true);

    const foreign = p.creds.devices.find((d) => d.kind === 'bay-camera' && d.id !== cam.id)!.bays![0];
    await publish(client, eventsTopic(cam.id), { type: 'bay', seq: nextSeq(), ts: new Date().toISOString(), bay: foreign, occupied: true });
    const dl = (await p.db.pool.query('SELECT reason FROM dead_letters WHERE device_id = $1 ORDER BY id DESC LIMIT 1', [cam.id])).rows[0];
    expect(dl.reason).toMatch(`bay "${foreign}" is not assigned to camera ${cam.id}`);
    expect((await p.db.pool.query('SELECT occupied FROM bay_state WHERE bay_code = $1', [foreign])).rows[0].occupied).toBeNull();
    await client.endAsync();
  });

  it('speaks to an independent client: mosquitto_pub as a gate camera', async () => {
    const gate = p.device((d) => d.kind === 'gate-camera');
    const seq = nextSeq();
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(p.mqttPort), '-V', 'mqttv311', '-i', gate.id, '-u', gate.id, '-P', gate.secret,
      '-q', '1', '-t', eventsTopic(gate.id), '-m', JSON.stringify({ type: 'gate', seq, ts: new Date().toISOString(), direction: 'in', plate: '豫A 12345', confidence: 0.93 })]);
    const ev = (await p.db.pool.query('SELECT lot_id, payload FROM device_events WHERE device_id = $1 AND seq = $2', [gate.id, seq])).rows[0];
    expect(ev.lot_id).toBe(gate.lotId);
    expect(ev.payload).toMatchObject({ direction: 'in', plate: '豫A12345' });
  });
});

describe('HTTP API', () => {
  it('lists lots in a bounding box with live counts', async () => {
    const all = (await getJson(p, '/api/v1/lots')).body.lots;
    expect(all.length).toBeGreaterThanOrEqual(55);
    const total = all.reduce((s: number, l: any) => s + l.capacity, 0);
    expect(total).toBeGreaterThan(2500);
    const one = all[0];
    const { body } = await getJson(p, `/api/v1/lots?bbox=${one.lng - 0.001},${one.lat - 0.001},${one.lng + 0.001},${one.lat + 0.001}`);
    expect(body.lots.map((l: any) => l.id)).toContain(one.id);
    expect(body.lots.length).toBeLessThan(all.length);
    for (const l of all) expect(l.free + l.occupied + l.unknown).toBe(l.capacity);
  });

  it('searches lots by name', async () => {
    const { body } = await getJson(p, `/api/v1/lots?q=${encodeURIComponent('花园路')}`);
    expect(body.lots.length).toBeGreaterThan(0);
    for (const l of body.lots) expect(l.name).toContain('花园路');
  });

  it('answers bad requests with a coded error a person understands', async () => {
    const bbox = await getJson(p, '/api/v1/lots?bbox=1,2,3');
    expect(bbox.status).toBe(400);
    expect(bbox.body.error.code).toBe('ONELOT_ERR_BAD_BBOX');
    const lat = await getJson(p, '/api/v1/guidance?lat=100&lng=113.6');
    expect(lat.status).toBe(400);
    expect(lat.body.error).toMatchObject({ code: 'ONELOT_ERR_VALIDATION' });
    expect(lat.body.error.message).toMatch(/lat/);
    const missing = await getJson(p, '/api/v1/lots/ZZ-NOPE');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/Lot ZZ-NOPE was not found/);
    const route = await getJson(p, '/api/v1/nothing-here');
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe('ONELOT_ERR_ROUTE_NOT_FOUND');
  });

  it('guides to nearby lots with free bays, with Amap/Baidu hand-off links in their datums', async () => {
    // Free up a few bays in one lot so it has known free space.
    const lots = (await getJson(p, '/api/v1/lots')).body.lots;
    const target = lots.find((l: any) => l.kind === 'street');
    const sensors = p.creds.devices.filter((d) => d.kind === 'bay-sensor' && d.lotId === target.id).slice(0, 3);
    for (const s of sensors) {
      const c = await connectDevice(p, s);
      await publish(c, eventsTopic(s.id), { type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: false });
      await c.endAsync();
    }
    const body = await waitFor(async () => {
      const r = await getJson(p, `/api/v1/guidance?lat=${target.lat + 0.001}&lng=${target.lng}&limit=3`);
      return r.body.options.length ? r.body : null;
    }, 1000, 'guidance options');
    const best = body.options[0];
    expect(best.lot.id).toBe(target.id);
    expect(best.lot.free).toBeGreaterThanOrEqual(3);
    expect(best.walkingMeters).toBeGreaterThan(100);
    expect(best.walkingMeters).toBeLessThan(250);
    expect(best.navigation.amap).toMatch(/^https:\/\/uri\.amap\.com\/navigation\?to=113\.\d+,34\.\d+/);
    // GCJ-02 is offset from WGS-84 by a few hundred metres in Zhengzhou: the link must not carry raw WGS-84.
    expect(best.navigation.amap).not.toContain(`${target.lng.toFixed(6)},${target.lat.toFixed(6)}`);
    expect(best.navigation.baidu).toContain('coordtype=bd09ll');
  });

  it('reports health and Prometheus metrics, and serves OpenAPI docs', async () => {
    const h = await getJson(p, '/healthz');
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: 'ok', database: 'ok', broker: 'ok' });
    const m = await (await fetch(`${p.httpUrl}/metrics`)).text();
    for (const name of ['onelot_mqtt_messages_received_total', 'onelot_mqtt_messages_stored_total', 'onelot_ingest_commit_batch_size_bucket', 'onelot_ingest_commit_seconds_bucket', 'onelot_http_request_seconds_bucket']) {
      expect(m).toContain(name);
    }
    const spec = await getJson(p, '/docs/json');
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/api/v1/lots', '/api/v1/lots/{id}', '/api/v1/guidance', '/api/v1/stream', '/healthz']));
  });
});
