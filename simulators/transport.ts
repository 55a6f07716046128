// The fleet's connection layer: a set of MQTT links (one per device, or one per gateway carrying
// its children's messages), opened with limited concurrency, with bounded buffering, error
// summaries and reconnect storms on demand. Knows nothing about the city or the messages.
import { connect, type MqttClient } from 'mqtt';

const SECOND = 1000;

export interface LinkSpec {
  /** Client id and username (the device or gateway id). */
  id: string;
  secret: string;
  /** Unacknowledged messages this link may buffer before new ones are dropped. */
  maxPending: number;
}
export interface LinkStats {
  /** Links connected to the broker now. */
  connected: number;
  /** PUBLISH packets handed to MQTT. */
  published: number;
  /** …of which the broker acknowledged (PUBACK). */
  acked: number;
  /** Messages refused because the link's buffer was full or the links were closing. */
  dropped: number;
  /** MQTT errors (refused connects, publish failures) since start. */
  errors: number;
  /** Connections dropped on purpose by reconnect storms. */
  stormDrops: number;
}
export interface LinksOptions {
  mqttUrl: string;
  links: LinkSpec[];
  /** Links connecting at once during the start-up ramp. */
  concurrency: number;
  rng: () => number;
  log: (m: string) => void;
}

// Thousands of links fail together when the broker goes away: one summary line per 5 s, not thousands.
const ERROR_LOG_EVERY_MS = 5 * SECOND;
const CONNECT_WAIT_MS = 10 * SECOND;
const STOP_DRAIN_MS = 3 * SECOND;

export class Links {
  readonly stats: LinkStats = { connected: 0, published: 0, acked: 0, dropped: 0, errors: 0, stormDrops: 0 };
  private readonly clients: Array<MqttClient | null>;
  private readonly up: Uint8Array;
  private readonly pending: Int32Array;
  private inFlightTotal = 0;
  private closing = false;
  private errorsSinceLog = 0;
  private latestError = '';
  private loggedAt = 0;

  constructor(private readonly o: LinksOptions) {
    this.clients = new Array(o.links.length).fill(null);
    this.up = new Uint8Array(o.links.length);
    this.pending = new Int32Array(o.links.length);
  }

  get size(): number { return this.o.links.length; }
  /** Messages handed to MQTT and not yet acknowledged, over all links. */
  inFlight(): number { return this.inFlightTotal; }

  /** Connect every link, `concurrency` at a time; resolves when each has connected or given up (it keeps retrying). */
  async open(): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.o.links.length) await this.connectOne(next++);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.o.concurrency, this.o.links.length)) }, worker));
  }

  private connectOne(i: number): Promise<void> {
    const spec = this.o.links[i];
    return new Promise<void>((resolve) => {
      const client = connect(this.o.mqttUrl, {
        clientId: spec.id, username: spec.id, password: spec.secret,
        clean: true, protocolVersion: 4, keepalive: 60, connectTimeout: CONNECT_WAIT_MS,
        // Jittered, so a broker restart (or a storm) is not met by every link at the same instant.
        reconnectPeriod: 3 * SECOND + Math.floor(this.o.rng() * 5 * SECOND),
        reconnectOnConnackError: true,
      });
      this.clients[i] = client;
      client.on('connect', () => {
        if (!this.up[i]) this.stats.connected += 1;
        this.up[i] = 1;
      });
      client.on('close', () => {
        if (this.up[i]) this.stats.connected -= 1;
        this.up[i] = 0;
      });
      client.on('error', (err) => this.noteError(spec.id, err));
      const timer = setTimeout(done, CONNECT_WAIT_MS + SECOND);
      function done() {
        clearTimeout(timer);
        client.off('connect', done);
        client.off('close', done);
        resolve();
      }
      client.once('connect', done);
      client.once('close', done); // refused or unreachable: mqtt.js retries on its own; move on
    });
  }

  private noteError(id: string, err: Error): void {
    this.stats.errors += 1;
    this.errorsSinceLog += 1;
    this.latestError = `${id}: ${err.message}`;
    const now = Date.now();
    if (now - this.loggedAt >= ERROR_LOG_EVERY_MS) {
      this.o.log(`fleet: ${this.errorsSinceLog} MQTT error(s) since last report; latest ${this.latestError}; links keep reconnecting`);
      this.errorsSinceLog = 0;
      this.loggedAt = now;
    }
  }

  /** Publish QoS 1 on link `i`; false when dropped (buffer full, closing). While offline mqtt.js keeps it for the reconnect. */
  send(i: number, topic: string, payload: string): boolean {
    const client = this.clients[i];
    if (!client || this.closing || this.pending[i] >= this.o.links[i].maxPending) {
      this.stats.dropped += 1;
      return false;
    }
    this.pending[i] += 1;
    this.inFlightTotal += 1;
    this.stats.published += 1;
    client.publish(topic, payload, { qos: 1, retain: false }, (err) => {
      this.pending[i] -= 1;
      this.inFlightTotal -= 1;
      if (err) this.noteError(this.o.links[i].id, err);
      else this.stats.acked += 1;
    });
    return true;
  }

  /**
   * A reconnect storm: drop `share` of the connected links at once (their sockets die, as when a
   * NAT or cell tower resets); each reconnects on its own jittered 3–8 s timer, so they all come
   * back within seconds of each other. Unacknowledged messages are resent by mqtt.js. Returns how many dropped.
   */
  storm(share: number, rng: () => number): number {
    let dropped = 0;
    for (let i = 0; i < this.clients.length; i++) {
      const c = this.clients[i];
      if (!c || !this.up[i] || rng() >= share) continue;
      c.stream?.destroy();
      dropped += 1;
    }
    this.stats.stormDrops += dropped;
    return dropped;
  }

  /** Let in-flight messages be acknowledged (bounded), then disconnect every link. */
  async close(): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + STOP_DRAIN_MS;
    const waiting = () => this.clients.some((c, i) => c && this.up[i] && this.pending[i] > 0);
    while (waiting() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await Promise.all(this.clients.map((client, i) => new Promise<void>((resolve) => {
      if (!client) return resolve();
      // A connected link with nothing in flight says DISCONNECT; others just close the socket.
      const graceful = client.connected && this.pending[i] === 0;
      const timer = setTimeout(() => { client.stream?.destroy(); resolve(); }, SECOND);
      client.end(!graceful, {}, () => { clearTimeout(timer); resolve(); });
    })));
  }
}
