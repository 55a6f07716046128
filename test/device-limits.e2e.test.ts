// Issue 12, device side, over real TCP on a whole platform: packets larger than
// MQTT_MAX_PACKET_BYTES are cut at their header (raw sockets, bytes counted), connection attempts
// are rate-limited per address and per device id, a reconnect storm from one address recovers,
// and a QoS 1 PUBACK comes only after the commit's WAL was synced to disk.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { startTestPlatform, connectDevice, publish, waitFor, nextSeq, type TestPlatform } from './helpers.ts';
import { eventsTopic } from '../core/protocol.ts';
import { remainingLength } from '../load-tests/lib/raw-mqtt.ts';

const metric = async (p: TestPlatform, pattern: RegExp) => Number((await (await fetch(`${p.httpUrl}/metrics`)).text()).match(pattern)?.[1] ?? 0);

/** A raw TCP connection to the broker that records whether and when the server closed it. */
async function rawSocket(p: TestPlatform) {
  const socket = net.connect({ host: '127.0.0.1', port: p.mqttPort });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const received: Buffer[] = [];
  socket.on('data', (b) => received.push(b));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  return { socket, closed, received };
}

function connectPacket(d: { id: string; secret: string }): Buffer {
  return mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: d.id, username: d.id, password: Buffer.from(d.secret), keepalive: 60, clean: true });
}

/** The fixed header and topic of a QoS 1 PUBLISH announcing `payloadBytes` of payload, without the payload. */
function publishHead(topic: string, payloadBytes: number): Buffer {
  const whole = mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.alloc(0), qos: 1, messageId: 7, retain: false, dup: false });
  const variable = whole.subarray(2); // topic + packet id (remaining length 0..127 is one byte)
  return Buffer.concat([Buffer.from([0x32, ...remainingLength(variable.length + payloadBytes)]), variable]);
}

/** Write 64 KiB chunks until the socket closes; how many bytes the client managed to hand over. */
async function streamUntilClosed(socket: net.Socket, closed: Promise<number>, maxBytes: number): Promise<number> {
  let open = true;
  void closed.then(() => { open = false; });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  while (open && socket.bytesWritten < maxBytes) {
    if (!socket.write(chunk)) await Promise.race([new Promise((r) => socket.once('drain', r)), closed]);
    await new Promise((r) => setImmediate(r));
  }
  return socket.bytesWritten;
}

describe('MQTT packet size limit (MQTT_MAX_PACKET_BYTES, default 16 KiB)', () => {
  let p: TestPlatform;
  // Loopback is not trusted here, so the storm below meets the per-address limit.
  beforeAll(async () => {
    p = await startTestPlatform({ env: { MQTT_TRUSTED_NETWORKS: 'none', MQTT_CONNECT_ADDRESS_BURST: '20', MQTT_CONNECT_ADDRESS_PER_SECOND: '20' } });
  }, 240_000);
  afterAll(async () => { await p?.destroy(); });
  const sensor = (n: number) => p.creds.devices.filter((d) => d.kind === 'bay-sensor')[n];

  it('closes a signed-in device that announces a 10 MB PUBLISH at its header, before any of the body is sent', async () => {
    const d = sensor(0);
    const { socket, closed, received } = await rawSocket(p);
    socket.write(connectPacket(d));
    await waitFor(() => Buffer.concat(received).length >= 4, 5000, 'CONNACK');
    expect([...Buffer.concat(received).subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x00]);
    const head = publishHead(eventsTopic(d.id), 10 * 1024 * 1024);
    const sentAt = Date.now();
    socket.write(head);
    // Nothing more is written: the header alone gets the connection closed.
    const closedAt = await closed;
    expect(closedAt - sentAt).toBeLessThan(2000);
    expect(socket.bytesWritten).toBe(connectPacket(d).length + head.length);
    expect(await metric(p, /onelot_mqtt_connections_cut_total\{reason="packet_too_large"\} (\d+)/)).toBeGreaterThanOrEqual(1);
  });

  it('takes in at most the socket buffers of a 10 MB PUBLISH streamed at full speed', async () => {
    const d = sensor(1);
    const { socket, closed, received } = await rawSocket(p);
    socket.write(connectPacket(d));
    await waitFor(() => Buffer.concat(received).length >= 4, 5000, 'CONNACK');
    socket.write(publishHead(eventsTopic(d.id), 10 * 1024 * 1024));
    const written = await streamUntilClosed(socket, closed, 10 * 1024 * 1024);
    await closed;
    console.info(`10 MB PUBLISH streamed: ${written} bytes handed to the client's socket before the broker closed it`);
    expect(written).toBeLessThan(4 * 1024 * 1024); // what the two kernels' buffers hold, not the 10 MB
  });

  it('cuts an unauthenticated CONNECT announcing 59 MB and trickled slowly, long before the connect timeout', async () => {
    const { socket, closed } = await rawSocket(p);
    const startedAt = Date.now();
    socket.write(Buffer.from([0x10, ...remainingLength(59 * 1024 * 1024)]));
    let open = true;
    void closed.then(() => { open = false; });
    for (let i = 0; i < 100 && open; i++) {
      socket.write(Buffer.alloc(1024, 0x62));
      await new Promise((r) => setTimeout(r, 20));
    }
    const closedAt = await closed;
    expect(closedAt - startedAt).toBeLessThan(2000); // the connect timeout is 10 s
    expect(socket.bytesWritten).toBeLessThan(64 * 1024);
  });

  it('cuts a malformed Remaining Length (more than four bytes) and counts it apart', async () => {
    const { socket, closed } = await rawSocket(p);
    socket.write(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x01]));
    await closed;
    expect(await metric(p, /onelot_mqtt_connections_cut_total\{reason="bad_length"\} (\d+)/)).toBe(1);
  });

  it('keeps serving devices: a normal message is stored, a 6 KiB one is dead-lettered with its reason, not cut', async () => {
    const d = sensor(2);
    const client = await connectDevice(p, d);
    try {
      const seq = nextSeq();
      await publish(client, eventsTopic(d.id), { type: 'occupancy', seq, ts: new Date().toISOString(), occupied: true });
      expect((await p.db.pool.query('SELECT count(*)::int AS n FROM device_events WHERE device_id = $1 AND seq = $2', [d.id, seq])).rows[0].n).toBe(1);
      await publish(client, eventsTopic(d.id), { type: 'heartbeat', seq: nextSeq(), ts: new Date().toISOString(), pad: 'x'.repeat(6 * 1024) });
      expect(await metric(p, /onelot_mqtt_messages_rejected_total\{reason="payload_too_large"\} (\d+)/)).toBe(1);
      expect(client.connected).toBe(true);
    } finally {
      await client.endAsync();
    }
  });

  it('acknowledges a QoS 1 PUBLISH only after its commit synced the WAL to disk', async (ctx) => {
    // The embedded database's syncs (a server syncs its own WAL: ONELOT_TEST_ON_POSTGRES).
    if (!p.db.syncs) return ctx.skip();
    const d = sensor(3);
    const client = await connectDevice(p, d);
    try {
      const before = p.db.syncs!();
      const atPuback = await new Promise<ReturnType<NonNullable<typeof p.db.syncs>> & { at: number }>((resolve, reject) => {
        const msg = JSON.stringify({ type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: false });
        // Read in the PUBACK callback itself, before anything else can run.
        client.publish(eventsTopic(d.id), msg, { qos: 1 }, (err) => (err ? reject(err) : resolve({ ...p.db.syncs!(), at: Date.now() })));
      });
      expect(atPuback.wal).toBeGreaterThan(before.wal);
      expect(atPuback.lastWalSyncAtMs).toBeGreaterThan(0);
      expect(atPuback.lastWalSyncAtMs).toBeLessThanOrEqual(atPuback.at);
      expect(await metric(p, /onelot_db_syncs_total\{what="wal"\} (\d+)/)).toBeGreaterThanOrEqual(atPuback.wal);
    } finally {
      await client.endAsync();
    }
  });

  it('lets a reconnect storm from one address back in: 200 devices at once, 20 at a time then 20 a second', async () => {
    const devices = p.creds.devices.filter((d) => d.kind === 'bay-sensor').slice(10, 210);
    expect(devices).toHaveLength(200);
    const throttledBefore = await metric(p, /onelot_mqtt_connect_throttled_total\{by="address"\} (\d+)/);
    const startedAt = Date.now();
    // mqtt.js as a device (and our simulator) runs it: refused with CONNACK 3, it tries again after
    // its jittered reconnectPeriod (reconnectOnConnackError: mqtt.js gives up on a refusal without it).
    const clients = devices.map((d, i) => mqtt.connect(p.mqttUrl, {
      clientId: d.id, username: d.id, password: d.secret, protocolVersion: 4, connectTimeout: 10_000,
      reconnectPeriod: 500 + ((i * 37) % 1000), reconnectOnConnackError: true,
    }));
    try {
      for (const c of clients) c.on('error', () => {});
      await waitFor(() => clients.every((c) => c.connected), 60_000, 'every device connected');
      const seconds = (Date.now() - startedAt) / 1000;
      console.info(`reconnect storm: 200 devices from one address all connected in ${seconds.toFixed(1)} s`);
      expect(await metric(p, /onelot_mqtt_connect_throttled_total\{by="address"\} (\d+)/)).toBeGreaterThan(throttledBefore);
    } finally {
      await Promise.all(clients.map((c) => c.endAsync(true)));
    }
  }, 90_000);
});

describe('connection-attempt rate limits (ingest/connect-rate.ts)', () => {
  let p: TestPlatform;
  // One token back every 5 s per address: steps below take far less, even on a busy machine.
  beforeAll(async () => {
    p = await startTestPlatform({ env: {
      MQTT_TRUSTED_NETWORKS: 'none', MQTT_CONNECT_ADDRESS_BURST: '5', MQTT_CONNECT_ADDRESS_PER_SECOND: '0.2',
      MQTT_CONNECT_DEVICE_BURST: '3', MQTT_CONNECT_DEVICE_PER_MINUTE: '1',
    } });
  }, 240_000);
  afterAll(async () => { await p?.destroy(); });

  it('refuses a device id reconnecting too often, and then an address connecting too often, with CONNACK 3', async () => {
    const [a, b, c] = p.creds.devices.filter((d) => d.kind === 'bay-sensor');
    for (let i = 0; i < 3; i++) await (await connectDevice(p, a)).endAsync();
    // The fourth attempt as `a` is over its device burst; `b` from the same address is not.
    await expect(connectDevice(p, a)).rejects.toThrow(/Server unavailable/i);
    await (await connectDevice(p, b)).endAsync();
    // Five attempts from this address so far: the sixth is over the address burst, whoever it is.
    await expect(connectDevice(p, c)).rejects.toThrow(/Server unavailable/i);
    const text = await (await fetch(`${p.httpUrl}/metrics`)).text();
    expect(text).toMatch(/onelot_mqtt_connect_throttled_total\{by="device"\} 1/);
    expect(text).toMatch(/onelot_mqtt_connect_throttled_total\{by="address"\} 1/);
    // The address gets a token back within 5 s; the refused device did not pay for anything.
    await waitFor(async () => {
      try { await (await connectDevice(p, c)).endAsync(); return true; } catch { return false; }
    }, 8000, 'the address to be let in again');
  }, 30_000);
});
