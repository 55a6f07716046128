// Devices as the chaos scenarios drive them: real MQTT connections (load-tests/lib/raw-mqtt.ts)
// publishing QoS 1 heartbeats, remembering every message they sent and which the broker
// acknowledged, so a scenario can say what was promised stored (PUBACKed) and resend what was not,
// byte for byte, as a device does after a reconnect [MQTT-4.4.0-1].
import { RawMqttClient } from '../lib/raw-mqtt.ts';
import type { Device } from './harness.ts';

export interface Sent { device: string; seq: number; body: string }

export class Fleet {
  readonly clients = new Map<string, RawMqttClient>();
  connectFailures = 0;
  private seq = Date.now() * 10;

  constructor(
    private readonly mqttUrl: string,
    readonly devices: Device[],
    readonly sent = new Map<string, Sent>(),
    readonly acked = new Set<string>(),
  ) {}

  /** The same devices, with what they sent and saw acknowledged, to connect to a restarted broker. */
  reconnectingTo(mqttUrl: string): Fleet {
    return new Fleet(mqttUrl, this.devices, this.sent, this.acked);
  }

  static key(device: string, seq: number): string {
    return `${device}|${seq}`;
  }

  /** Connect every device, `batch` at a time; returns how many connected. */
  async connect(batch = 100): Promise<number> {
    for (let i = 0; i < this.devices.length; i += batch) {
      await Promise.all(this.devices.slice(i, i + batch).map(async (d) => {
        try {
          const c = await RawMqttClient.connect(this.mqttUrl, { clientId: d.id, username: d.id, password: d.secret, keepalive: 60, connectTimeout: 15_000 });
          this.clients.set(d.id, c);
        } catch {
          this.connectFailures++;
        }
      }));
    }
    return this.clients.size;
  }

  /** A new heartbeat of `device`, stamped now. */
  next(device: string): Sent {
    const seq = ++this.seq;
    const body = JSON.stringify({ type: 'heartbeat', seq, ts: new Date().toISOString(), battery: 3.6 });
    const s = { device, seq, body };
    this.sent.set(Fleet.key(device, seq), s);
    return s;
  }

  /** Publish one message; `done(ok)` on PUBACK (true) or when the connection closed first (false). */
  publish(s: Sent, done?: (ok: boolean) => void): void {
    const c = this.clients.get(s.device);
    if (!c?.connected) { done?.(false); return; }
    c.publish(`devices/${s.device}/events`, s.body, (err) => {
      if (!err) this.acked.add(Fleet.key(s.device, s.seq));
      done?.(!err);
    });
  }

  /** Closed loop: each device keeps `window` messages in flight until `stop()` returns true or its connection drops. */
  run(window: number, stop: () => boolean): Promise<void> {
    const loops: Promise<void>[] = [];
    for (const id of this.clients.keys()) {
      for (let w = 0; w < window; w++) {
        loops.push(new Promise<void>((resolve) => {
          const go = () => (stop() ? resolve() : this.publish(this.next(id), (ok) => (ok ? go() : resolve())));
          go();
        }));
      }
    }
    return Promise.all(loops).then(() => {});
  }

  /** Sent but never acknowledged. */
  unacked(): Sent[] {
    return [...this.sent.entries()].filter(([k]) => !this.acked.has(k)).map(([, s]) => s);
  }

  /** Resend what was never acknowledged (same bytes) and wait for the acknowledgements. */
  async resendUnacked(): Promise<{ resent: number; acked: number }> {
    const todo = this.unacked();
    let acked = 0;
    await Promise.all(todo.map((s) => new Promise<void>((resolve) => this.publish(s, (ok) => { if (ok) acked++; resolve(); }))));
    return { resent: todo.length, acked };
  }

  async close(force = false): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.end(force)));
    this.clients.clear();
  }
}

/** Rows stored per (device, seq) of the given devices: the ground truth a scenario checks against. */
export async function storedCounts(db: { query: (sql: string, params: unknown[]) => Promise<{ rows: Array<{ device_id: string; seq: string; n: number }> }> }, devices: string[]): Promise<Map<string, number>> {
  const { rows } = await db.query(
    'SELECT device_id, seq::text AS seq, count(*)::int AS n FROM device_events WHERE device_id = ANY($1::text[]) GROUP BY 1, 2', [devices]);
  return new Map(rows.map((r) => [`${r.device_id}|${r.seq}`, r.n]));
}
