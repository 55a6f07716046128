// broker-session.ts against a real Mosquitto 2 (its own, on a free port): the broker never has more
// than Receive Maximum unacknowledged messages out to the session, PUBACKs leave in arrival order,
// and a message that failed or was never acknowledged comes back on the resumed session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../load-tests/lib/mosquitto.ts';
import { freePort } from '../load-tests/lib/platform-process.ts';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { BrokerSession, PacketFrames } from './broker-session.ts';

let m: Mosquitto;
beforeAll(async () => { m = await startMosquitto(['max_queued_messages 0']); });
afterAll(async () => { await m?.stop(); });

interface Got { text: string; ack(): void; fail(err: Error): void }

function session(clientId: string, receiveMaximum: number, got: Got[]) {
  return new BrokerSession({
    url: new URL(m.url), clientId, subscription: `$share/t/${clientId}/+`, sessionExpirySeconds: 60, receiveMaximum, reconnectMs: 50,
    onMessage: (_topic, payload, ack, fail) => { got.push({ text: payload.toString(), ack, fail }); },
  });
}

async function publish(topic: string, texts: string[]) {
  const c = await mqtt.connectAsync(m.url, { protocolVersion: 5 });
  for (const t of texts) await c.publishAsync(topic, t, { qos: 1 });
  await c.endAsync();
}

const until = async (ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const settle = () => new Promise((r) => setTimeout(r, 300));

/** A session that has connected and subscribed, and what it receives. */
async function subscribed(clientId: string, receiveMaximum: number) {
  const got: Got[] = [];
  const s = session(clientId, receiveMaximum, got);
  await s.firstConnected;
  await settle(); // the SUBSCRIBE is answered
  return { s, got };
}

/** The broker holds nothing more for this client id: everything was acknowledged. */
async function expectNothingLeft(clientId: string) {
  const { s, got } = await subscribed(clientId, 10);
  expect(got).toHaveLength(0);
  await s.end();
}

describe('a broker session (broker-session.ts)', () => {
  it('hands over at most Receive Maximum unacknowledged; acknowledging the front lets more in', async () => {
    const { s, got } = await subscribed('rm', 3);
    await publish('rm/a', ['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    await until(() => got.length >= 3);
    await settle();
    expect(got.map((g) => g.text)).toEqual(['1', '2', '3']);
    // Mosquitto 2.0 then sends past the quota; the session stops reading at 3 unacknowledged.
    got[0].ack();
    got[1].ack();
    await until(() => got.length >= 5);
    await settle();
    expect(got.map((g) => g.text)).toEqual(['1', '2', '3', '4', '5']);
    for (const g of got.slice(2)) g.ack();
    await until(() => got.length >= 8);
    await settle();
    expect(got).toHaveLength(8);
    for (const g of got.slice(5)) g.ack();
    await until(() => got.length === 9);
    expect(got.map((g) => g.text)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    got[8].ack();
    await s.end();
  });

  it('a message acknowledged before an earlier one waits for it: PUBACKs leave in arrival order', async () => {
    const { s, got } = await subscribed('order', 2);
    await publish('order/a', ['1', '2', '3', '4']);
    await until(() => got.length === 2);
    got[1].ack(); // the second is committed, the first not yet: nothing may be acknowledged
    await settle();
    expect(got).toHaveLength(2);
    got[0].ack();
    await until(() => got.length === 4);
    expect(got.map((g) => g.text)).toEqual(['1', '2', '3', '4']);
    await s.end();
  });

  it('a message that failed is delivered again on the resumed session; one never acknowledged comes back after end()', async () => {
    const { s, got } = await subscribed('again', 10);
    await publish('again/a', ['x', 'y']);
    await until(() => got.length === 2);
    got[0].ack();
    got[1].fail(new Error('not committed'));
    // Reconnected: 'y' again (x was acknowledged before the failure and is not).
    await until(() => got.length === 3).catch(() => { throw new Error(`got ${got.map((g) => g.text).join(',')}`); });
    expect(got[2].text).toBe('y');
    await s.end();
    // Unacknowledged at end(): the next session with this client id gets it.
    const again: Got[] = [];
    const s2 = session('again', 10, again);
    await until(() => again.length === 1).catch(() => { throw new Error(`again: got ${again.map((g) => g.text).join(',')}`); });
    expect(again[0].text).toBe('y');
    again[0].ack();
    await settle();
    await s2.end();
    await expectNothingLeft('again');
  });

  it('an acknowledgement from a connection that has since been replaced is not sent on the new one', async () => {
    const { s, got } = await subscribed('stale', 10);
    await publish('stale/a', ['p', 'q']);
    await until(() => got.length === 2);
    got[1].fail(new Error('not committed')); // drops the connection with 'p' still in hand
    await until(() => got.length >= 4); // both again on the resumed session
    got[0].ack(); // the first connection's 'p': too late, the broker sent it again
    await settle();
    expect(got.slice(2).map((g) => g.text)).toEqual(['p', 'q']);
    got[2].ack();
    got[3].ack();
    await s.end();
    await expectNothingLeft('stale');
  });

  it('connects over TLS (mqtts://), verifying the broker\'s certificate', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-tls-'));
    try {
      // A self-signed certificate for 127.0.0.1, trusted by this session only.
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
      const port = await freePort();
      const t = await startMosquitto([`user ${os.userInfo().username}`, `listener ${port} 127.0.0.1`, `certfile ${path.join(dir, 'cert.pem')}`, `keyfile ${path.join(dir, 'key.pem')}`]);
      try {
        const got: Got[] = [];
        const url = new URL(`mqtts://127.0.0.1:${port}`);
        const s = new BrokerSession({
          url, clientId: 'tls', subscription: '$share/t/tls/+', sessionExpirySeconds: 60, receiveMaximum: 10, tls: { ca: readFileSync(path.join(dir, 'cert.pem')) },
          onMessage: (_topic, payload, ack, fail) => { got.push({ text: payload.toString(), ack, fail }); },
        });
        await s.firstConnected;
        await settle();
        const c = await mqtt.connectAsync(t.url, { protocolVersion: 5 });
        await c.publishAsync('tls/a', 'sealed', { qos: 1 });
        await c.endAsync();
        await until(() => got.length === 1);
        expect(got[0].text).toBe('sealed');
        got[0].ack();
        await s.end();
        // Without the CA the certificate is refused.
        const untrusted = new BrokerSession({ url, clientId: 'tls2', subscription: 'x', sessionExpirySeconds: 1, receiveMaximum: 1, onMessage: () => {} });
        await expect(untrusted.firstConnected).rejects.toThrow(/self[- ]signed/i);
        await untrusted.end();
      } finally {
        await t.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreachable broker rejects the first connection with the reason', async () => {
    const s = new BrokerSession({
      url: new URL('mqtt://127.0.0.1:1'), clientId: 'nowhere', subscription: 'x', sessionExpirySeconds: 1, receiveMaximum: 1,
      onMessage: () => {},
    });
    await expect(s.firstConnected).rejects.toThrow(/ECONNREFUSED/);
    await s.end();
  });
});

describe('PacketFrames', () => {
  const opts = { protocolVersion: 5 } as const;
  // What a broker sends a consumer: PUBLISHes at QoS 1 (properties too, DUP and RETAIN set, a
  // payload that is large, empty, not UTF-8), a QoS 0 one and other packets the parser reads.
  const packets: Packet[] = [
    { cmd: 'suback', messageId: 1, granted: [1], properties: {} } as Packet,
    { cmd: 'publish', topic: 'devices/sen-1/events', payload: Buffer.from('{"type":"occupancy","seq":1}'), qos: 1, messageId: 7, dup: false, retain: false },
    { cmd: 'publish', topic: 'devices/车-2/events', payload: Buffer.alloc(70_000, 0x61), qos: 1, messageId: 65535, dup: true, retain: true, properties: { userProperties: { a: 'b' }, payloadFormatIndicator: true } },
    { cmd: 'publish', topic: 'devices/sen-3/events', payload: Buffer.from([0xff, 0x00, 0xed]), qos: 0, messageId: undefined, dup: false, retain: false },
    { cmd: 'pingresp' } as Packet,
    { cmd: 'publish', topic: 'devices/sen-4/events', payload: Buffer.alloc(0), qos: 1, messageId: 8, dup: false, retain: false },
  ];
  const stream = Buffer.concat(packets.map((p) => mqttPacket.generate(p, opts)));

  /** Feed `stream` cut at `cuts`; what came out, in order (publishes read here marked `fast`). */
  function read(cuts: number[]) {
    const out: Array<{ cmd: string; topic?: string; payload?: string; messageId?: number; qos?: number; dup?: boolean; retain?: boolean; fast: boolean }> = [];
    const parser = mqttPacket.parser(opts);
    const seen = (p: Packet, fast: boolean) => out.push(p.cmd === 'publish'
      ? { cmd: p.cmd, topic: p.topic, payload: Buffer.from(p.payload as Buffer).toString('hex'), messageId: p.messageId, qos: p.qos, dup: p.dup, retain: p.retain, fast }
      : { cmd: p.cmd, fast });
    parser.on('packet', (p: Packet) => seen(p, false));
    const frames = new PacketFrames(parser, (p) => seen(p, true), (err) => { throw err; });
    let at = 0;
    for (const cut of [...cuts, stream.length]) { frames.read(stream.subarray(at, cut)); at = cut; }
    return out;
  }

  it('reads QoS 1 PUBLISHes itself and hands every other packet to the parser, in order, however the stream is cut', () => {
    const whole = read([]);
    expect(whole.map((p) => `${p.cmd}${p.fast ? '*' : ''}`)).toEqual(['suback', 'publish*', 'publish*', 'publish', 'pingresp', 'publish*']);
    expect(whole[2]).toMatchObject({ topic: 'devices/车-2/events', messageId: 65535, qos: 1, dup: true, retain: true });
    expect(whole[2].payload).toBe(Buffer.alloc(70_000, 0x61).toString('hex'));
    expect(whole[5]).toMatchObject({ topic: 'devices/sen-4/events', payload: '', messageId: 8 });
    // Cut at every byte of the first 200 and at random points through the rest: the same packets.
    for (let cut = 1; cut < 200; cut++) expect(read([cut])).toEqual(whole);
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let run = 0; run < 50; run++) {
      const cuts = Array.from({ length: 20 }, () => Math.floor(random() * stream.length)).sort((a, b) => a - b);
      expect(read(cuts)).toEqual(whole);
    }
  });

  it('refuses a remaining length over 4 bytes and a PUBLISH whose topic runs past its end', () => {
    const errors: string[] = [];
    const frames = (buf: Buffer) => new PacketFrames(mqttPacket.parser(opts), () => {}, (err) => errors.push(err.message)).read(buf);
    frames(Buffer.from([0x32, 0xff, 0xff, 0xff, 0xff, 0x01]));
    frames(Buffer.from([0x32, 0x04, 0x00, 0x09, 0x61, 0x62]));
    expect(errors).toEqual(['malformed packet from the broker: remaining length longer than 4 bytes', 'malformed PUBLISH from the broker']);
  });
});
