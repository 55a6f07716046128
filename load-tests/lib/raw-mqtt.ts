// A minimal MQTT 3.1.1 client for load generation: CONNECT, QoS 1 PUBLISH, PUBACK, PINGREQ,
// DISCONNECT, and nothing else. mqtt.js costs ~25 µs of CPU per message; on a 2-core machine the
// generator then takes a quarter of the CPU the platform is being measured on. These packets are
// the same bytes mqtt.js sends (the broker cannot tell), encoded by hand into one buffer each.
import net from 'node:net';

export interface RawMqttOptions {
  clientId: string;
  username: string;
  password: string;
  /** Seconds; a PINGREQ goes out at half of it. */
  keepalive?: number;
  connectTimeout?: number;
}

type Ack = (err?: Error) => void;

const CONNACK = 0x20, PUBACK = 0x40, PINGRESP = 0xd0;

/** An MQTT Remaining Length as its variable-length bytes (7 bits a byte, high bit: more follow). */
export function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function utf8Field(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

function connectPacket(o: RawMqttOptions): Buffer {
  const body = Buffer.concat([
    utf8Field('MQTT'), Buffer.from([4, 0xc2]), // level 4; flags: username, password, clean session
    Buffer.from([((o.keepalive ?? 60) >> 8) & 0xff, (o.keepalive ?? 60) & 0xff]),
    utf8Field(o.clientId), utf8Field(o.username), utf8Field(o.password),
  ]);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(body.length)]), body]);
}

export class RawMqttClient {
  connected = false;
  private readonly socket: net.Socket;
  private readonly pending = new Map<number, Ack>();
  private nextId = 1;
  private buffered: Buffer = Buffer.alloc(0);
  private ping: NodeJS.Timeout | undefined;
  private readonly closeListeners: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
  }

  /** Resolves once the broker answered CONNACK 0; rejects with the refusal or a socket error. */
  static connect(url: string, o: RawMqttOptions): Promise<RawMqttClient> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port || 1883), noDelay: true });
      const client = new RawMqttClient(socket);
      const timeout = setTimeout(() => fail(new Error('CONNACK timed out')), o.connectTimeout ?? 10_000);
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        socket.destroy();
        reject(err);
      };
      socket.once('connect', () => socket.write(connectPacket(o)));
      socket.on('error', (err) => fail(err));
      socket.on('close', () => { fail(new Error('connection closed before CONNACK')); client.onClose(); });
      socket.on('data', (chunk) => client.onData(chunk, (code) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        if (code !== 0) { socket.destroy(); reject(new Error(`CONNACK return code ${code}`)); return; }
        client.connected = true;
        const every = (o.keepalive ?? 60) * 500;
        if (every > 0) client.ping = setInterval(() => socket.write(Buffer.from([0xc0, 0])), every).unref();
        resolve(client);
      }));
    });
  }

  /** PUBLISH QoS 1; `ack` runs on PUBACK, or with an error if the connection closes first. */
  publish(topic: string, payload: string | Buffer, ack: Ack): void {
    if (!this.connected) { ack(new Error('not connected')); return; }
    let id = this.nextId;
    while (this.pending.has(id)) id = id === 0xffff ? 1 : id + 1;
    this.nextId = id === 0xffff ? 1 : id + 1;
    const topicLen = Buffer.byteLength(topic);
    const payloadLen = Buffer.byteLength(payload);
    const rest = 2 + topicLen + 2 + payloadLen;
    const header = remainingLength(rest);
    const packet = Buffer.allocUnsafe(1 + header.length + rest);
    let at = 0;
    packet[at++] = 0x32; // PUBLISH, QoS 1
    for (const b of header) packet[at++] = b;
    packet.writeUInt16BE(topicLen, at); at += 2;
    at += packet.write(topic, at);
    packet.writeUInt16BE(id, at); at += 2;
    if (typeof payload === 'string') packet.write(payload, at);
    else payload.copy(packet, at);
    this.pending.set(id, ack);
    this.socket.write(packet);
  }

  /** Messages published and not yet acknowledged. */
  get inFlight(): number {
    return this.pending.size;
  }

  onceClosed(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** A clean DISCONNECT, or (force) just drop the connection. Resolves when the socket has closed. */
  end(force = false): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      if (force) this.socket.destroy();
      else this.socket.end(Buffer.from([0xe0, 0]));
    });
  }

  private onClose(): void {
    const wasConnected = this.connected;
    this.connected = false;
    clearInterval(this.ping);
    for (const ack of this.pending.values()) ack(new Error('connection closed before PUBACK'));
    this.pending.clear();
    if (wasConnected) for (const l of this.closeListeners) l();
  }

  private onData(chunk: Buffer, onConnack: (code: number) => void): void {
    let buf = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (buf.length >= 2) {
      let len = 0, mult = 1, i = 1;
      for (; i < buf.length && i <= 4; i++) {
        len += (buf[i] & 0x7f) * mult;
        mult *= 128;
        if ((buf[i] & 0x80) === 0) break;
      }
      if (i >= buf.length || buf.length < i + 1 + len) break; // incomplete packet
      const type = buf[0] & 0xf0;
      const body = buf.subarray(i + 1, i + 1 + len);
      if (type === PUBACK) {
        const id = body.readUInt16BE(0);
        const ack = this.pending.get(id);
        this.pending.delete(id);
        ack?.();
      } else if (type === CONNACK) onConnack(body[1]);
      else if (type !== PINGRESP) { /* nothing else is expected by a publisher that never subscribes */ }
      buf = buf.subarray(i + 1 + len);
    }
    this.buffered = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }
}
