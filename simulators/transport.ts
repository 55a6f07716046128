// The fleet's connection layer: a set of MQTT links (one per device, or one per gateway carrying
// its children's messages), opened with limited concurrency, with flow control (a small window of
// QoS 1 messages awaiting PUBACK per link, a bounded backlog behind it), error summaries and
// reconnect storms on demand. Knows nothing about the city or the messages.
import { connect, type MqttClient } from 'mqtt';

const SECOND = 1000;

export interface LinkSpec {
  /** Client id and username (the device or gateway id). */
  id: string;
  secret: string;
  /**
   * QoS 1 messages this link may have awaiting PUBACK at once. More waits in the backlog, so the
   * broker (and mqtt.js's outgoing store) never holds more than this per link.
   */
  window: number;
  /** Messages waiting for room in the window; beyond it heartbeats give way first (see Backlog). */
  maxBacklog: number;
}
/** What a message is, for the backlog: a heartbeat can be dropped for an event, never the reverse. */
export type MessageKind = 'event' | 'heartbeat';
export interface LinkStats {
  /** Links connected to the broker now. */
  connected: number;
  /** PUBLISH packets handed to MQTT (each within its link's window). */
  published: number;
  /** …of which the broker acknowledged (PUBACK). */
  acked: number;
  /** Messages never sent: droppedHeartbeats + droppedEvents. */
  dropped: number;
  /** Heartbeats dropped for room in a full backlog, or still queued when the links closed. */
  droppedHeartbeats: number;
  /** Events (occupancy, camera, gate) dropped because a backlog held nothing but events, or still queued at close. */
  droppedEvents: number;
  /** MQTT errors (refused connects, publish failures) since start. */
  errors: number;
  /** Connections dropped on purpose by reconnect storms. */
  stormDrops: number;
  /** Published and still not acknowledged when the links closed: the broker may never have taken them, yet their reports counted as sent. */
  unackedAtClose: number;
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
// What is already published waits longer for its PUBACK: a platform behind answers late, and a link
// closed under an unacknowledged message takes it with it, though its report counted as published.
const STOP_ACK_WAIT_MS = 60 * SECOND;

/** A queued message; `sent` is called once it is handed to MQTT (never, if it is dropped). */
interface Queued { topic: string; payload: string; beat: boolean; gone: boolean; sent?: () => void }

/**
 * One link's messages waiting for window room, oldest first. When full, the oldest queued heartbeat
 * makes room (a newer one supersedes it); with none queued an incoming heartbeat is dropped, and an
 * incoming event pushes out the oldest event (counted and logged: a real gateway's ring buffer
 * overwrites its oldest record). Removal from the middle leaves a tombstone, compacted away once
 * tombstones outnumber live entries, so every operation is amortised O(1) and memory is bounded.
 */
export class Backlog {
  private items: Queued[] = [];
  private head = 0;
  private beats: Queued[] = []; // the heartbeats among items, oldest first (may hold gone ones)
  private beatsHead = 0;
  size = 0;
  heartbeats = 0;

  constructor(private readonly max: number) {}

  /**
   * Queue a message. Returns what made room for it (the oldest queued heartbeat or event), or
   * 'refused' when it was itself dropped (a heartbeat meeting a backlog full of events).
   */
  push(topic: string, payload: string, kind: MessageKind, sent?: () => void): 'queued' | 'displaced-heartbeat' | 'displaced-event' | 'refused' {
    let result: 'queued' | 'displaced-heartbeat' | 'displaced-event' = 'queued';
    if (this.size >= this.max) {
      if (this.heartbeats > 0) {
        this.dropOldestBeat();
        result = 'displaced-heartbeat';
      } else if (kind === 'heartbeat' || this.size === 0) {
        return 'refused';
      } else {
        this.shift();
        result = 'displaced-event';
      }
    }
    const q: Queued = { topic, payload, beat: kind === 'heartbeat', gone: false, sent };
    this.items.push(q);
    if (q.beat) {
      this.beats.push(q);
      this.heartbeats += 1;
    }
    this.size += 1;
    return result;
  }

  /** The oldest queued message, removed; undefined when empty. */
  shift(): Queued | undefined {
    while (this.head < this.items.length) {
      const q = this.items[this.head++];
      if (q.gone) continue;
      q.gone = true;
      this.size -= 1;
      if (q.beat) this.heartbeats -= 1;
      this.compact();
      return q;
    }
    return undefined;
  }

  /** Empty the backlog; returns how many events and heartbeats it held. */
  clear(): { events: number; heartbeats: number } {
    const r = { events: this.size - this.heartbeats, heartbeats: this.heartbeats };
    this.items = [];
    this.beats = [];
    this.head = this.beatsHead = this.size = this.heartbeats = 0;
    return r;
  }

  private dropOldestBeat(): void {
    while (this.beatsHead < this.beats.length) {
      const q = this.beats[this.beatsHead++];
      if (q.gone) continue;
      q.gone = true;
      this.size -= 1;
      this.heartbeats -= 1;
      this.compact();
      return;
    }
  }

  private compact(): void {
    const spanItems = this.items.length - this.head;
    if (this.head > 1024 || spanItems > 2 * this.size + 64) {
      this.items = this.items.slice(this.head).filter((q) => !q.gone);
      this.head = 0;
    }
    const spanBeats = this.beats.length - this.beatsHead;
    if (this.beatsHead > 1024 || spanBeats > 2 * this.heartbeats + 64) {
      this.beats = this.beats.slice(this.beatsHead).filter((q) => !q.gone);
      this.beatsHead = 0;
    }
  }
}

export class Links {
  readonly stats: LinkStats = { connected: 0, published: 0, acked: 0, dropped: 0, droppedHeartbeats: 0, droppedEvents: 0, errors: 0, stormDrops: 0, unackedAtClose: 0 };
  private readonly clients: Array<MqttClient | null>;
  private readonly up: Uint8Array;
  /** Per link: messages handed to MQTT and not yet acknowledged (never above the link's window). */
  private readonly pending: Int32Array;
  private readonly backlogs: Array<Backlog | undefined>;
  private inFlightTotal = 0;
  private queuedTotal = 0;
  private queuedHigh = 0;
  private closing = false;
  private ending = false;
  private errorsSinceLog = 0;
  private latestError = '';
  private loggedAt = 0;
  private eventDropsSinceLog = 0;
  private eventDropLoggedAt = 0;

  constructor(private readonly o: LinksOptions) {
    for (const l of o.links) {
      if (!(l.window >= 1 && Number.isInteger(l.window))) throw new RangeError(`links: ${l.id}: window must be a whole number ≥ 1, got ${l.window}`);
      if (!(l.maxBacklog >= 0)) throw new RangeError(`links: ${l.id}: maxBacklog must be ≥ 0, got ${l.maxBacklog}`);
    }
    this.clients = new Array(o.links.length).fill(null);
    this.up = new Uint8Array(o.links.length);
    this.pending = new Int32Array(o.links.length);
    this.backlogs = new Array(o.links.length);
  }

  get size(): number { return this.o.links.length; }
  /** Messages handed to MQTT and not yet acknowledged, over all links. */
  inFlight(): number { return this.inFlightTotal; }
  /** Messages on link `i` awaiting PUBACK now. */
  inFlightOn(i: number): number { return this.pending[i]; }
  /** Messages waiting in backlogs for window room (or for their link to connect), over all links. */
  queued(): number { return this.queuedTotal; }
  /** The most ever waiting at once: a backlog that filled and drained between two looks still shows. */
  queuedPeak(): number { return this.queuedHigh; }

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
        // mqtt.js resends what was in flight (at most the window); then the backlog may flow.
        this.pump(i);
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

  private noteDrop(kind: MessageKind, n = 1): void {
    if (n <= 0) return;
    this.stats.dropped += n;
    if (kind === 'heartbeat') {
      this.stats.droppedHeartbeats += n;
      return;
    }
    // An occupancy or plate report lost is a wrong map: never silent, but one line per 5 s.
    this.stats.droppedEvents += n;
    this.eventDropsSinceLog += n;
    const now = Date.now();
    if (now - this.eventDropLoggedAt >= ERROR_LOG_EVERY_MS) {
      this.o.log(`fleet: ${this.eventDropsSinceLog} event(s) dropped from full backlogs since last report (${this.stats.droppedEvents} in all); the broker is not keeping up`);
      this.eventDropsSinceLog = 0;
      this.eventDropLoggedAt = now;
    }
  }

  /**
   * Send QoS 1 on link `i`: at once when the link is up, its window has room and nothing is queued
   * before it; else into its backlog (order kept). Returns false when the message itself was
   * dropped (closing, or a heartbeat meeting a backlog full of events). `sent` is called when the
   * message is handed to MQTT: the fleet's record of what it actually published (report-log.ts).
   */
  send(i: number, topic: string, payload: string, kind: MessageKind = 'event', sent?: () => void): boolean {
    if (this.closing) {
      this.noteDrop(kind);
      return false;
    }
    const spec = this.o.links[i];
    const client = this.clients[i];
    const backlog = this.backlogs[i];
    if (client && this.up[i] && !(backlog && backlog.size) && this.pending[i] < spec.window) {
      this.publish(i, client, topic, payload, sent);
      return true;
    }
    const b = backlog ?? (this.backlogs[i] = new Backlog(spec.maxBacklog));
    const before = b.size;
    const r = b.push(topic, payload, kind, sent);
    this.queuedTotal += b.size - before;
    if (this.queuedTotal > this.queuedHigh) this.queuedHigh = this.queuedTotal;
    if (r === 'refused') this.noteDrop(kind);
    else if (r === 'displaced-heartbeat') this.noteDrop('heartbeat');
    else if (r === 'displaced-event') this.noteDrop('event');
    return r !== 'refused';
  }

  private publish(i: number, client: MqttClient, topic: string, payload: string, sent: (() => void) | undefined): void {
    this.pending[i] += 1;
    this.inFlightTotal += 1;
    this.stats.published += 1;
    sent?.();
    client.publish(topic, payload, { qos: 1, retain: false }, (err) => {
      this.pending[i] -= 1;
      this.inFlightTotal -= 1;
      if (err) this.noteError(this.o.links[i].id, err);
      else this.stats.acked += 1;
      // A PUBACK frees a slot: the next queued message goes (async, so never a deep recursion).
      if (this.backlogs[i]?.size) queueMicrotask(() => this.pump(i));
    });
  }

  /** Move queued messages of link `i` into its window while there is room and the link is up. */
  private pump(i: number): void {
    const client = this.clients[i];
    const b = this.backlogs[i];
    if (!client || !b || this.ending) return;
    const window = this.o.links[i].window;
    while (b.size && this.up[i] && client.connected && this.pending[i] < window) {
      const q = b.shift()!;
      this.queuedTotal -= 1;
      this.publish(i, client, q.topic, q.payload, q.sent);
    }
  }

  /**
   * A reconnect storm: drop `share` of the connected links at once (their sockets die, as when a
   * NAT or cell tower resets); each reconnects on its own jittered 3–8 s timer, so they all come
   * back within seconds of each other. Unacknowledged messages (at most a window each) are resent
   * by mqtt.js; the backlog waits. Returns how many dropped.
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

  /**
   * Let queued and in-flight messages of connected links be acknowledged (bounded), drop what is
   * still queued, wait (longer) for the PUBACKs of what was published, then disconnect every link.
   */
  async close(): Promise<void> {
    this.closing = true;
    const waitWhile = async (waiting: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (waiting() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    await waitWhile(() => this.clients.some((c, i) => c && this.up[i] && (this.pending[i] > 0 || (this.backlogs[i]?.size ?? 0) > 0)), STOP_DRAIN_MS);
    this.ending = true; // no more pumping: the backlogs are dropped below, the windows drain
    // Whatever is still queued (links down, or the broker too slow) is never sent: say so.
    for (let i = 0; i < this.backlogs.length; i++) {
      const b = this.backlogs[i];
      if (!b || !b.size) continue;
      const { events, heartbeats } = b.clear();
      this.queuedTotal -= events + heartbeats;
      this.noteDrop('heartbeat', heartbeats);
      this.noteDrop('event', events);
    }
    await waitWhile(() => this.clients.some((c, i) => c && this.up[i] && this.pending[i] > 0), STOP_ACK_WAIT_MS);
    this.stats.unackedAtClose = this.inFlightTotal;
    if (this.inFlightTotal) this.o.log(`fleet: ${this.inFlightTotal} published message(s) still unacknowledged at close: the stays they report count as reported`);
    await Promise.all(this.clients.map((client, i) => new Promise<void>((resolve) => {
      if (!client) return resolve();
      // A connected link with nothing in flight says DISCONNECT; others just close the socket.
      const graceful = client.connected && this.pending[i] === 0;
      const timer = setTimeout(() => { client.stream?.destroy(); resolve(); }, SECOND);
      client.end(!graceful, {}, () => { clearTimeout(timer); resolve(); });
    })));
  }
}
