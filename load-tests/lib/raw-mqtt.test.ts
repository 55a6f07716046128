// The load generator's hand-encoded MQTT against a real broker (aedes) over TCP: what it sends must
// be what a device library sends, or the benchmarks measure something else.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aedes } from 'aedes';
import { RawMqttClient } from './raw-mqtt.ts';

let broker: Aedes;
let server: net.Server;
let url: string;
const received: Array<{ topic: string; payload: string; qos: number; clientId: string }> = [];

beforeAll(async () => {
  broker = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => done(null, username === 'dev-1' && password?.toString() === 's3cret'),
  });
  broker.on('publish', (packet, client) => { if (client) received.push({ topic: packet.topic, payload: packet.payload.toString(), qos: packet.qos, clientId: client.id }); });
  server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('RawMqttClient', () => {
  it('connects, publishes QoS 1 with a multi-byte length, and gets each PUBACK', async () => {
    const c = await RawMqttClient.connect(url, { clientId: 'dev-1', username: 'dev-1', password: 's3cret' });
    const big = JSON.stringify({ note: 'x'.repeat(300), 城市: '郑州' }); // remaining length > 127: two length bytes
    const acks = await Promise.all(['{"a":1}', big, '{"a":3}'].map((p) => new Promise<Error | undefined>((resolve) => c.publish('devices/dev-1/events', p, resolve))));
    expect(acks).toEqual([undefined, undefined, undefined]);
    expect(c.inFlight).toBe(0);
    expect(received.map((r) => [r.topic, r.payload, r.qos, r.clientId])).toEqual([
      ['devices/dev-1/events', '{"a":1}', 1, 'dev-1'], ['devices/dev-1/events', big, 1, 'dev-1'], ['devices/dev-1/events', '{"a":3}', 1, 'dev-1'],
    ]);
    await c.end();
    expect(c.connected).toBe(false);
  });

  it('rejects with the CONNACK code when the broker refuses the credentials', async () => {
    await expect(RawMqttClient.connect(url, { clientId: 'dev-1', username: 'dev-1', password: 'wrong' })).rejects.toThrow(/return code 5/);
  });

  it('fails what is in flight when the connection drops, and tells who listens', async () => {
    const c = await RawMqttClient.connect(url, { clientId: 'dev-1', username: 'dev-1', password: 's3cret' });
    let closed = 0;
    c.onceClosed(() => closed++);
    // Dropped before the broker can answer: the publish must fail, not hang.
    const ack = new Promise<Error | undefined>((resolve) => c.publish('devices/dev-1/events', '{}', resolve));
    await c.end(true);
    expect(await ack).toBeInstanceOf(Error);
    expect(closed).toBe(1);
    expect(await new Promise<Error | undefined>((resolve) => c.publish('devices/dev-1/events', '{}', resolve))).toBeInstanceOf(Error);
  });
});
