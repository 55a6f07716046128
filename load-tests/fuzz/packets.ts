// Malformed MQTT packets (MQTT 3.1.1, OASIS standard, section 2 "MQTT Control Packet format"):
// bytes a broken or hostile client may send on a raw TCP connection. Each case is one connection;
// some first sign in as a real device, so the broker's handling after CONNECT is exercised too.
// What the broker must do with each is left open (close, ignore, or answer): the run asserts only
// that it neither crashes nor stops serving, and that memory stays flat.
import fc from 'fast-check';
import { remainingLength } from '../lib/raw-mqtt.ts';

export interface PacketCase {
  category: string;
  /** Sign in as a real device first (CONNECT with its secret, wait for CONNACK 0). */
  authenticated: boolean;
  /** Built when sent: a run's oversize packets together would not fit this process's memory. */
  bytes(): Buffer;
}

/** The Remaining Length encoding [MQTT-2.2.3], as the load generator sends it. */
const varint = (n: number) => Buffer.from(remainingLength(n));
const str = (s: string | Buffer) => { const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'); return Buffer.concat([Buffer.from([b.length >> 8 & 0xff, b.length & 0xff]), b]); };
const packet = (first: number, body: Buffer) => Buffer.concat([Buffer.from([first]), varint(body.length), body]);

/** A CONNECT body; credentials are never a real device's here (those are added by the runner). */
export function connectBody(o: { name?: string; level?: number; flags?: number; keepalive?: number; clientId?: string; user?: string; pass?: string } = {}): Buffer {
  const flags = o.flags ?? 0xc2;
  return Buffer.concat([
    str(o.name ?? 'MQTT'), Buffer.from([o.level ?? 4, flags, (o.keepalive ?? 30) >> 8, (o.keepalive ?? 30) & 0xff]),
    str(o.clientId ?? 'fuzz'), ...(flags & 0x80 ? [str(o.user ?? 'fuzz')] : []), ...(flags & 0x40 ? [str(o.pass ?? 'x')] : []),
  ]);
}
export const connectPacket = (o: Parameters<typeof connectBody>[0] = {}) => packet(0x10, connectBody(o));

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', '\u0000', '#', '+/+/#', '$SYS/#', 'a'.repeat(70_000)));
const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));

const badRemainingLength = fc.oneof(
  // Five length bytes: at most four are allowed [MQTT-2.2.3].
  fc.integer({ min: 1, max: 15 }).map((t) => Buffer.from([t << 4, 0xff, 0xff, 0xff, 0xff, 0x7f])),
  // A length longer than what follows, then the client goes quiet.
  fc.tuple(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 10, max: 100_000 }), bytes(64)).map(([t, n, b]) => Buffer.concat([Buffer.from([t << 4]), varint(n), b])),
  // A length shorter than the fields need (CONNECT with 3 bytes, PUBLISH with a topic length past the end).
  fc.constantFrom(Buffer.from([0x10, 0x03, 0x00, 0x04, 0x4d]), Buffer.from([0x30, 0x02, 0xff, 0xff]), Buffer.from([0x10, 0x00]), Buffer.from([0x82, 0x01, 0x00])),
).map((b) => ({ category: 'bad remaining length', authenticated: false, bytes: () => b }));

const reservedFlags = fc.oneof(
  fc.integer({ min: 1, max: 15 }).map((f) => packet(0x10 | f, connectBody())), // CONNECT flags must be 0 [MQTT-2.2.2-2]
  fc.constantFrom(0x00, 0xf0, 0x0f, 0xff).map((first) => packet(first, connectBody())), // reserved packet types 0 and 15
  fc.constantFrom(0x01, 0x03, 0x21).map((flags) => connectPacket({ flags })), // reserved CONNECT flag bit 0 [MQTT-3.1.2-3]
).map((b) => ({ category: 'reserved flags or types', authenticated: false, bytes: () => b }));

const truncated = fc.tuple(fc.record({ clientId: text, user: text, pass: text }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }))
  .map(([o, cut]) => { const p = connectPacket(o); return { category: 'truncated CONNECT', authenticated: false, bytes: () => p.subarray(0, Math.max(1, Math.floor(cut * p.length))) }; });

const wrongProtocol = fc.record({
  name: fc.oneof(fc.constantFrom('MQIsdp', 'MQTT5', 'mqtt', 'HTTP', '', 'MQTT\u0000'), fc.string({ maxLength: 10 })),
  level: fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 127, 255),
}).filter((o) => !(o.name === 'MQTT' && o.level === 4) && !(o.name === 'MQIsdp' && o.level === 3))
  .map((o) => ({ category: 'wrong protocol name or level', authenticated: false, bytes: () => connectPacket(o) }));

const oversize = fc.oneof(
  // The largest length MQTT can say (256 MB) with a little of it sent.
  bytes(4096).map((b) => () => Buffer.concat([Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), b])),
  // A whole large PUBLISH, before any CONNECT.
  fc.integer({ min: 64 * 1024, max: 1024 * 1024 }).map((n) => () => packet(0x30, Buffer.concat([str('devices/x/events'), Buffer.alloc(n, 0x7b)]))),
  // A CONNECT with a 64 KiB client id.
  fc.constant(() => connectPacket({ clientId: 'c'.repeat(65_000) })),
).map((build) => ({ category: 'oversize', authenticated: false, bytes: build }));

const garbage = fc.oneof(
  bytes(512),
  fc.constantFrom(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from('\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03', 'latin1'), Buffer.from('PING\r\n')),
).map((b) => ({ category: 'random bytes', authenticated: false, bytes: () => b }));

// After a successful CONNECT: packets a device's broken firmware might send.
const afterConnect = fc.oneof(
  text.map((t) => packet(0x32, Buffer.concat([str(t), Buffer.from([0, 1]), Buffer.from('{}')]))), // PUBLISH QoS 1 to odd topics
  fc.constant(Buffer.from([0x36, 0x04, 0x00, 0x01, 0x61, 0x00])), // PUBLISH with QoS 3 [MQTT-3.3.1-4]
  fc.constant(Buffer.from([0x32, 0x03, 0x00, 0x01, 0x61])), // QoS 1 without a packet id
  fc.constant(packet(0x32, Buffer.concat([str('devices/x/events'), Buffer.from([0, 0])]))), // packet id 0 [MQTT-2.3.1-1]
  text.map((t) => packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(t), Buffer.from([0x03])]))), // SUBSCRIBE, QoS 3 requested
  fc.constant(Buffer.from([0x82, 0x02, 0x00, 0x01])), // SUBSCRIBE with no topic [MQTT-3.8.3-3]
  fc.constant(Buffer.from([0x80, 0x02, 0x00, 0x01])), // SUBSCRIBE with reserved flags 0 [MQTT-3.8.1-1]
  fc.constant(Buffer.from([0xa2, 0x02, 0x00, 0x01])), // UNSUBSCRIBE with no topic
  fc.constant(connectPacket()), // a second CONNECT [MQTT-3.1.0-2]
  fc.constantFrom(Buffer.from([0x40, 0x02, 0x12, 0x34]), Buffer.from([0x62, 0x02, 0x00, 0x07]), Buffer.from([0x70, 0x02, 0x00, 0x07]), Buffer.from([0xc0, 0x01, 0x00]), Buffer.from([0xe0, 0x01, 0x00])),
  bytes(256),
).map((b) => ({ category: 'malformed after CONNECT', authenticated: true, bytes: () => b }));

export const packetCase: fc.Arbitrary<PacketCase> = fc.oneof(
  { weight: 3, arbitrary: badRemainingLength }, { weight: 3, arbitrary: reservedFlags }, { weight: 3, arbitrary: truncated },
  { weight: 2, arbitrary: wrongProtocol }, { weight: 1, arbitrary: oversize }, { weight: 2, arbitrary: garbage }, { weight: 4, arbitrary: afterConnect },
);

export function samplePackets(n: number, seed: number): PacketCase[] {
  return fc.sample(packetCase, { numRuns: n, seed });
}
