// One persistent MQTT 5 session on the external broker, as OneLot's ingest needs it: many messages in
// flight at once, each acknowledged only after its commit, the PUBACKs of a commit written together.
//
// Why not mqtt.js here: it hands a connection's packets over one at a time, reading the next PUBLISH
// only after the previous one was acknowledged (mqttjs/MQTT.js#1314), so a consumer that acknowledges
// after the commit has one message in flight per connection. OneLot then needed 256 connections for
// a batch of ~128, and wrote one PUBACK per connection per commit: 15 % of the main thread in
// `writev` (docs/performance.md). The codec is mqtt-packet's, the one mqtt.js and aedes use; this
// file is only the session: connect, subscribe, receive, acknowledge in order, keep alive, reconnect.
import net from 'node:net';
import tls from 'node:tls';
import mqttPacket, { type Packet, type IPublishPacket } from 'mqtt-packet';

export interface BrokerSessionOptions {
  url: URL;
  clientId: string;
  /** Subscribed with QoS 1 when the broker holds no session for clientId. */
  subscription: string;
  sessionExpirySeconds: number;
  /** Messages the broker may have in flight to this session (MQTT 5 Receive Maximum, 1–65535). */
  receiveMaximum: number;
  /** For mqtts:// beyond the system's CAs and NODE_EXTRA_CA_CERTS (tests: a CA of their own). */
  tls?: tls.ConnectionOptions;
  keepaliveSeconds?: number;
  reconnectMs?: number;
  connectTimeoutMs?: number;
  /**
   * A message arrived. Call `ack()` once it is committed (PUBACKs go out in arrival order, MQTT 5 §4.6),
   * or `fail()` if it was not: the connection is dropped and the broker sends it again on the resumed session.
   */
  onMessage(topic: string, payload: Buffer, ack: () => void, fail: (err: Error) => void): void;
  on?: {
    connected?(sessionPresent: boolean): void;
    closed?(): void;
    /** The broker ended the connection with a DISCONNECT (reason code, MQTT 5 §3.14.2.1). */
    disconnected?(reasonCode: number): void;
    error?(err: Error): void;
    /** The broker refused the subscription (SUBACK reason ≥ 0x80). */
    refused?(reasonCodes: number[]): void;
  };
}

/**
 * Cuts the stream into whole packets. A QoS 1 PUBLISH — all but a handful of what ingest receives —
 * is read here straight from the chunk: topic, packet id, payload as a view of it. mqtt-packet's
 * parser, which every other packet still goes to, copies each field out of a buffer list (its
 * slices, copies and the garbage they leave were ~8 % of the main thread at 14k msg/s,
 * docs/performance.md, twenty-fourth session). Only whole packets reach the parser, so the order
 * of packets holds across both ways.
 */
export class PacketFrames {
  private rest: Buffer | null = null;

  constructor(private readonly parser: { parse(buf: Buffer): unknown },
    private readonly publish: (packet: IPublishPacket) => void, private readonly fail: (err: Error) => void) {}

  read(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let at = 0;
    while (buf.length - at >= 2) {
      const length = varInt(buf, at + 1, buf.length);
      if (length === 'long') return this.fail(new Error('malformed packet from the broker: remaining length longer than 4 bytes'));
      if (length === 'short') break;
      const end = length.next + length.value;
      if (end > buf.length) break;
      // PUBLISH (type 3) at QoS 1, DUP and RETAIN either way: 0011 d01r.
      if ((buf[at] & 0xf6) === 0x32) {
        const packet = this.readPublish(buf, at, length.next, end);
        if (!packet) return this.fail(new Error('malformed PUBLISH from the broker'));
        this.publish(packet);
      } else {
        this.parser.parse(buf.subarray(at, end));
      }
      at = end;
    }
    if (at < buf.length) this.rest = Buffer.from(buf.subarray(at)); // a copy: the chunk is not kept for a few bytes
  }

  /** MQTT 5 §3.3: topic, packet id, properties (skipped: no topic alias was allowed), payload. */
  private readPublish(buf: Buffer, first: number, at: number, end: number): IPublishPacket | null {
    if (at + 2 > end) return null;
    const topicEnd = at + 2 + buf.readUInt16BE(at);
    if (topicEnd + 2 > end) return null;
    const topic = buf.toString('utf8', at + 2, topicEnd);
    const messageId = buf.readUInt16BE(topicEnd);
    const props = varInt(buf, topicEnd + 2, end);
    if (typeof props === 'string' || props.next + props.value > end) return null;
    return { cmd: 'publish', topic, payload: buf.subarray(props.next + props.value, end), qos: 1, messageId, dup: (buf[first] & 0x08) !== 0, retain: (buf[first] & 0x01) !== 0 };
  }
}

/**
 * A variable byte integer at `at` (MQTT 5 §1.5.5: at most 4 bytes) and where what follows it
 * starts; 'short' when `end` comes first, 'long' past 4 bytes.
 */
function varInt(buf: Buffer, at: number, end: number): { value: number; next: number } | 'short' | 'long' {
  let value = 0;
  for (let i = at, shift = 0; ; shift += 7) {
    if (i >= end) return 'short';
    if (shift > 21) return 'long';
    const byte = buf[i++];
    value += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return { value, next: i };
  }
}

/** PUBACK with reason Success and no properties: 2 bytes of remaining length (MQTT 5 §3.4.2.1). */
const PUBACK_BYTES = 4;
const PUBACK = 0x40;

export class BrokerSession {
  connected = false;
  private socket: net.Socket | null = null;
  /** Bumped on every connection: an acknowledgement for a message of an earlier one is not sent. */
  private generation = 0;
  /** This connection's QoS 1 messages in arrival order; `done` once committed. Acked from the front. */
  private inFlight: Array<{ id: number; done: boolean }> = [];
  private head = 0;
  /** Messages the broker sent over the Receive Maximum, in arrival order: handed over as room frees. */
  private held: IPublishPacket[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushing = false;
  private ended = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private lastSent = 0;
  private lastHeard = 0;
  private connectTimeout: NodeJS.Timeout | null = null;
  private firstConnect: { resolve(): void; reject(err: Error): void } | null = null;
  readonly firstConnected: Promise<void>;

  constructor(private readonly o: BrokerSessionOptions) {
    this.firstConnected = new Promise((resolve, reject) => { this.firstConnect = { resolve, reject }; });
    this.firstConnected.catch(() => {});
    this.connect();
  }

  /** DISCONNECT (normal) and close; the broker keeps the session and whatever is unacknowledged in it. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    this.flush(); // PUBACKs of what was committed go before the DISCONNECT
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (this.connected) socket.end(mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0 }, { protocolVersion: 5 }));
      else socket.destroy();
      setTimeout(() => { socket.destroy(); }, 2_000).unref();
    });
  }

  private connect(): void {
    const { url } = this.o;
    const port = Number(url.port || (url.protocol === 'mqtts:' ? 8883 : 1883));
    const socket = url.protocol === 'mqtts:'
      ? tls.connect({ host: url.hostname, port, servername: url.hostname, ...this.o.tls })
      : net.connect({ host: url.hostname, port });
    socket.setNoDelay(true);
    this.socket = socket;
    const generation = ++this.generation;
    this.inFlight = [];
    this.head = 0;
    this.held = [];
    this.pending = [];
    this.pendingBytes = 0;
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (packet: Packet) => this.receive(packet, generation));
    const malformed = (err: Error) => { this.o.on?.error?.(err); socket.destroy(); };
    parser.on('error', malformed);
    const timeout = setTimeout(() => { socket.destroy(new Error(`no CONNACK from ${url.host} within ${this.o.connectTimeoutMs ?? 10_000} ms`)); }, this.o.connectTimeoutMs ?? 10_000);
    this.connectTimeout = timeout;
    socket.once(url.protocol === 'mqtts:' ? 'secureConnect' : 'connect', () => {
      const username = decodeURIComponent(url.username) || undefined;
      const password = url.password ? Buffer.from(decodeURIComponent(url.password)) : undefined;
      this.send(mqttPacket.generate({
        cmd: 'connect', protocolVersion: 5, clientId: this.o.clientId, clean: false, keepalive: this.o.keepaliveSeconds ?? 30,
        username, password,
        properties: { sessionExpiryInterval: this.o.sessionExpirySeconds, receiveMaximum: this.o.receiveMaximum },
      }, { protocolVersion: 5 }));
    });
    const frames = new PacketFrames(parser, (packet) => this.publish(packet, generation), malformed);
    socket.on('data', (chunk: Buffer) => {
      this.lastHeard = Date.now();
      frames.read(chunk);
    });
    socket.on('error', (err) => {
      if (!this.firstConnect) this.o.on?.error?.(err);
      else { this.firstConnect.reject(err); this.firstConnect = null; }
    });
    socket.on('close', () => {
      clearTimeout(timeout);
      if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
      this.keepaliveTimer = null;
      const was = this.connected;
      this.connected = false;
      if (was) this.o.on?.closed?.();
      if (!this.ended) this.reconnectTimer = setTimeout(() => this.connect(), this.o.reconnectMs ?? 1_000);
    });
  }

  private receive(packet: Packet, generation: number): void {
    switch (packet.cmd) {
      case 'connack': {
        if (this.connectTimeout) clearTimeout(this.connectTimeout);
        const code = packet.reasonCode ?? packet.returnCode ?? 0;
        if (code !== 0) {
          const err = new Error(`the broker refused the connection of ${this.o.clientId} (CONNACK reason 0x${code.toString(16)})`);
          if (this.firstConnect) { this.firstConnect.reject(err); this.firstConnect = null; } else this.o.on?.error?.(err);
          this.socket?.destroy();
          return;
        }
        this.connected = true;
        this.firstConnect?.resolve();
        this.firstConnect = null;
        this.startKeepalive(packet.properties?.serverKeepAlive ?? this.o.keepaliveSeconds ?? 30);
        if (!packet.sessionPresent) {
          this.send(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: this.o.subscription, qos: 1 }] }, { protocolVersion: 5 }));
        }
        this.o.on?.connected?.(packet.sessionPresent);
        return;
      }
      case 'suback': {
        const codes = (packet.granted as number[]).filter((g) => g >= 0x80);
        if (codes.length) this.o.on?.refused?.(packet.granted as number[]);
        return;
      }
      case 'publish':
        return this.publish(packet, generation);
      case 'disconnect':
        this.o.on?.disconnected?.(packet.reasonCode ?? 0);
        this.socket?.destroy();
        return;
      default: // pingresp (lastHeard is set on every read)
        return;
    }
  }

  private publish(packet: IPublishPacket, generation: number): void {
    if (generation !== this.generation) return; // a dropped connection's last packets: the broker sends them again
    if (packet.qos === 0) {
      this.o.onMessage(packet.topic, packet.payload as Buffer, () => {}, () => {});
      return;
    }
    if (packet.qos === 2) {
      // The subscription is QoS 1, so a compliant broker never sends QoS 2 here (MQTT 5 §3.8.3.1).
      this.o.on?.error?.(new Error('the broker sent a QoS 2 message to a QoS 1 subscription; reconnecting'));
      this.socket?.destroy();
      return;
    }
    // Mosquitto 2.0 sends past the Receive Maximum once acknowledgements start coming back
    // (ingest/broker-session.test.ts): what comes over it waits here, unread sockets hold the rest.
    if (this.inFlight.length - this.head >= this.o.receiveMaximum || this.held.length) {
      this.held.push(packet);
      if (!this.socket!.isPaused()) this.socket!.pause();
      return;
    }
    this.handOver(packet, generation);
  }

  private handOver(packet: IPublishPacket, generation: number): void {
    const entry = { id: packet.messageId!, done: false };
    this.inFlight.push(entry);
    let settled = false;
    this.o.onMessage(packet.topic, packet.payload as Buffer, () => {
      if (settled || generation !== this.generation) return;
      settled = true;
      entry.done = true;
      this.ackFront();
    }, (err) => {
      if (settled || generation !== this.generation) return;
      settled = true;
      this.o.on?.error?.(err);
      this.drop();
    });
  }

  /** Close this connection, the PUBACKs of what was committed first; the session reconnects. */
  private drop(): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    this.flush();
    this.generation++; // nothing more of this connection is acknowledged
    socket.end();
    setTimeout(() => socket.destroy(), 1_000).unref();
  }

  /** PUBACKs for the committed messages at the front, in arrival order, written once per tick. */
  private ackFront(): void {
    const q = this.inFlight;
    let n = 0;
    while (this.head + n < q.length && q[this.head + n].done) n++;
    if (!n) return;
    const buf = Buffer.allocUnsafe(n * PUBACK_BYTES);
    for (let i = 0; i < n; i++) {
      const id = q[this.head + i].id;
      const at = i * PUBACK_BYTES;
      buf[at] = PUBACK;
      buf[at + 1] = 2;
      buf[at + 2] = id >> 8;
      buf[at + 3] = id & 0xff;
    }
    this.head += n;
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.inFlight = q.slice(this.head);
      this.head = 0;
    }
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    // Only this connection's acks get here (older ones are ignored), and connect() empties `held`.
    while (this.held.length && this.inFlight.length - this.head < this.o.receiveMaximum) this.handOver(this.held.shift()!, this.generation);
    if (!this.held.length && this.socket?.isPaused()) this.socket.resume();
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushing = false;
    if (!this.pending.length) return;
    const out = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.send(out);
  }

  private send(buf: Buffer): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    this.lastSent = Date.now();
    socket.write(buf);
  }

  /** PINGREQ when nothing was sent for half the keep-alive; no word from the broker for 1.5× it: reconnect. */
  private startKeepalive(seconds: number): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    if (!seconds) return;
    const ms = seconds * 1000;
    this.lastHeard = Date.now();
    this.keepaliveTimer = setInterval(() => {
      const now = Date.now();
      // Not reading (waiting for commits) is not the broker's silence.
      if (this.socket?.isPaused()) this.lastHeard = now;
      else if (now - this.lastHeard > ms * 1.5) {
        this.o.on?.error?.(new Error(`no word from the broker for ${Math.round((now - this.lastHeard) / 1000)} s; reconnecting`));
        this.socket?.destroy();
        return;
      }
      if (now - this.lastSent >= ms / 2) this.send(mqttPacket.generate({ cmd: 'pingreq' }, { protocolVersion: 5 }));
    }, ms / 4);
    this.keepaliveTimer.unref();
  }
}
