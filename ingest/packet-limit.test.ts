// The packet-size guard on its own: packet boundaries found across any chunking, a too-large
// announcement cut at its header, a malformed Remaining Length cut, bytes passed through unchanged.
import { describe, it, expect } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { PacketScanner, type CutReason } from './packet-limit.ts';
import { remainingLength } from '../load-tests/lib/raw-mqtt.ts';

/** Feed `bytes` in chunks as LimitedSocket does: what is passed on before a cut, and the cut. */
function run(bytes: Buffer, maxPacketBytes: number, chunk: number): { out: Buffer; cut?: CutReason; announced?: number } {
  const scanner = new PacketScanner(maxPacketBytes);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    const piece = bytes.subarray(i, i + chunk);
    const cut = scanner.scan(piece);
    if (cut) return { out: Buffer.concat(out), cut: cut.reason, announced: cut.announcedBytes };
    out.push(piece);
  }
  return { out: Buffer.concat(out) };
}

const publish = (payloadBytes: number, messageId = 1) => mqttPacket.generate({
  cmd: 'publish', topic: 'devices/sen-1/events', payload: Buffer.alloc(payloadBytes, 0x61), qos: 1, messageId, retain: false, dup: false,
});
const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'sen-1', username: 'sen-1', password: Buffer.from('s3cret'), keepalive: 60, clean: true });
const pingreq = mqttPacket.generate({ cmd: 'pingreq' });

describe('PacketScanner', () => {
  it('passes a stream of packets within the limit through unchanged, however it is chunked', () => {
    // Remaining Lengths of 1, 2 and 3 bytes (0, 200, 20,000 bytes of payload) and a zero-length packet.
    const stream = Buffer.concat([connect, publish(0), publish(200, 2), pingreq, publish(20_000, 3), publish(4096, 4)]);
    for (const chunk of [1, 2, 3, 7, 64, 1500, stream.length]) {
      const r = run(stream, 32_768, chunk);
      expect(r.cut, `chunk ${chunk}`).toBeUndefined();
      expect(r.out.equals(stream), `chunk ${chunk}`).toBe(true);
    }
  });

  it('cuts at the header of a packet larger than the limit, after passing the ones before it', () => {
    const big = publish(40_000, 9);
    for (const chunk of [1, 5, 100_000]) {
      const r = run(Buffer.concat([connect, big]), 32_768, chunk);
      expect(r.cut).toBe('packet_too_large');
      // Nothing of the big packet's body reaches aedes (at most its fixed header, byte by byte).
      expect(r.out.length).toBeLessThanOrEqual(connect.length + 4);
    }
  });

  it('counts the fixed header in the limit: a packet of exactly the limit passes, one byte more does not', () => {
    const p = publish(1000);
    expect(run(p, p.length, 13).cut).toBeUndefined();
    expect(run(p, p.length - 1, 13).cut).toBe('packet_too_large');
    expect(run(p, p.length - 1, 13).announced).toBe(p.length);
  });

  it('cuts a CONNECT announcing 59 MB within its fixed header', () => {
    const header = Buffer.from([0x10, ...remainingLength(59 * 1024 * 1024)]);
    const r = run(Buffer.concat([header, Buffer.alloc(64 * 1024)]), 16_384, 1);
    expect(r.cut).toBe('packet_too_large');
    expect(r.out.length).toBeLessThan(header.length);
  });

  it('cuts a Remaining Length of more than four bytes as malformed [MQTT-2.2.3]', () => {
    // 0x80 0x80 0x80 0x80 …: a value of 0 so far, never too large, but a fifth byte would follow.
    const r = run(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]), 1 << 30, 1);
    expect(r.cut).toBe('bad_length');
  });
});
