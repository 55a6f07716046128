// Publishes the generated payloads (payloads.ts) as real devices over MQTT, QoS 1, and records what
// each device should have left in the database: events stored, dead letters kept, by code. A PUBACK
// means committed (docs/device-protocol.md), so once every message is acknowledged the counts are
// final. A message whose connection closed before its PUBACK is a failure: the platform promises
// to acknowledge every message it can validate, good or bad.
//
// Publishing to a topic not the device's own (another device's, a command topic, a deeper level)
// is the other kind of bad message: the broker closes the connection and stores nothing. Those are
// sent on connections of their own, with a valid payload, and must leave no trace.
import { RawMqttClient } from '../lib/raw-mqtt.ts';
import { samplePayloads, type Expect, type FuzzDevice } from './payloads.ts';

export interface Credentialed extends FuzzDevice { secret: string }

export interface PayloadPhaseResult {
  sent: number;
  acked: number;
  /** Messages whose connection closed before PUBACK (each a failure), with the first few reasons. */
  unacked: number;
  unackedSamples: string[];
  reconnects: number;
  byMutation: Map<string, { n: number; expect: Expect }>;
  /** Per device id: what must be in device_events and dead_letters now. */
  expectStored: Map<string, number>;
  expectDead: Map<string, number>;
  byCode: Map<Expect, number>;
  refused: { attempted: number; closed: number; acked: number };
  /** CONNECTs answered 3 (the per-device connect rate limit) and retried after a back-off. */
  throttled: { n: number };
  seconds: number;
}

export interface PayloadPhaseOptions {
  mqttUrl: string;
  devices: Credentialed[];
  count: number;
  seed: number;
  /** Messages in flight per device connection. */
  window?: number;
  progress?: (done: number) => void;
}

/**
 * CONNECT as firmware does: CONNACK 3 ("server unavailable") is the broker's per-device connect
 * rate limit (ingest/connect-rate.ts: a burst of 20, then 10 a minute) telling the device to come
 * back later, so it backs off and retries; `throttled` counts those answers. Any other refusal
 * or a closed connection is an error. A fast machine opens the foreign-topic connections below
 * quicker than the limit refills: the limit working, not a failure of the platform.
 */
async function connect(url: string, d: Credentialed, throttled?: { n: number }): Promise<RawMqttClient> {
  for (const deadline = Date.now() + 120_000; ;) {
    try {
      return await RawMqttClient.connect(url, { clientId: d.id, username: d.id, password: d.secret, keepalive: 60 });
    } catch (err) {
      if (!/CONNACK return code 3$/.test((err as Error).message) || Date.now() > deadline) throw err;
      if (throttled) throttled.n++;
      await new Promise((r) => setTimeout(r, 2000 + Math.random() * 4000));
    }
  }
}

export async function runPayloadPhase(o: PayloadPhaseOptions): Promise<PayloadPhaseResult> {
  const started = performance.now();
  const cases = samplePayloads(o.devices, o.count, o.seed);
  const r: PayloadPhaseResult = {
    sent: 0, acked: 0, unacked: 0, unackedSamples: [], reconnects: 0, byMutation: new Map(),
    expectStored: new Map(o.devices.map((d) => [d.id, 0])), expectDead: new Map(o.devices.map((d) => [d.id, 0])), byCode: new Map(),
    refused: { attempted: 0, closed: 0, acked: 0 }, throttled: { n: 0 }, seconds: 0,
  };
  const perDevice = o.devices.map(() => [] as typeof cases);
  for (const c of cases) perDevice[c.device].push(c);
  // seq: unique per device and run, so a stored message is never a duplicate of another.
  const seqBase = Date.now() * 100;
  await Promise.all(o.devices.map((d, i) => publishAll(o, d, perDevice[i], seqBase, r)));
  r.refused = await refusedTopics(o.mqttUrl, o.devices, Math.max(4, Math.ceil(o.count / 200)), seqBase, r.throttled);
  r.seconds = (performance.now() - started) / 1000;
  return r;
}

async function publishAll(o: PayloadPhaseOptions, d: Credentialed, cases: ReturnType<typeof samplePayloads>, seqBase: number, r: PayloadPhaseResult): Promise<void> {
  const window = o.window ?? 32;
  let client = await connect(o.mqttUrl, d, r.throttled);
  let inFlight = 0;
  let wake: (() => void) | undefined;
  for (const [n, c] of cases.entries()) {
    while (inFlight >= window || !client.connected) {
      if (!client.connected && inFlight === 0) { client = await connect(o.mqttUrl, d, r.throttled); r.reconnects++; continue; }
      await new Promise<void>((resolve) => { wake = resolve; });
    }
    const payload = c.build(seqBase + n, Date.now());
    inFlight++;
    r.sent++;
    client.publish(`devices/${d.id}/events`, payload, (err) => {
      inFlight--;
      if (err) {
        r.unacked++;
        if (r.unackedSamples.length < 5) r.unackedSamples.push(`${d.id} ${c.mutation}: ${err.message}: ${payload.toString('utf8').slice(0, 160)}`);
      } else {
        r.acked++;
        // Only acknowledged messages are owed a row: an unacknowledged one is the failure counted above.
        const into = c.expect === 'stored' ? r.expectStored : r.expectDead;
        into.set(d.id, into.get(d.id)! + 1);
        r.byCode.set(c.expect, (r.byCode.get(c.expect) ?? 0) + 1);
      }
      const m = r.byMutation.get(c.mutation) ?? { n: 0, expect: c.expect };
      m.n++;
      r.byMutation.set(c.mutation, m);
      if ((r.acked + r.unacked) % 5000 === 0) o.progress?.(r.acked + r.unacked);
      wake?.();
    });
  }
  while (inFlight > 0) await new Promise<void>((resolve) => { wake = resolve; });
  await client.end();
}

/** Valid messages to topics a device may not publish to: each must close the connection unacknowledged. */
async function refusedTopics(url: string, devices: Credentialed[], count: number, seqBase: number, throttled: { n: number }): Promise<PayloadPhaseResult['refused']> {
  const out = { attempted: 0, closed: 0, acked: 0 };
  const one = async (k: number) => {
    const d = devices[k % devices.length];
    const other = devices[(k + 1) % devices.length];
    const topics = [`devices/${other.id}/events`, `devices/${d.id}/commands`, `devices/${d.id}/events/x`, `devices/${d.id}`, 'devices/+/events', '$SYS/broker', `devices/${d.id}/events\u0000`, '📡/events'];
    const client = await connect(url, d, throttled);
    out.attempted++;
    const payload = JSON.stringify({ type: 'heartbeat', seq: seqBase + 900_000_000 + k, ts: new Date().toISOString() });
    const acked = await new Promise<boolean>((resolve) => {
      client.onceClosed(() => resolve(false));
      client.publish(topics[k % topics.length], payload, (err) => resolve(!err));
    });
    if (acked) out.acked++;
    else out.closed++;
    await client.end(true);
  };
  // Four at a time: each is a connect (a secret check) and a close.
  for (let k = 0; k < count; k += 4) await Promise.all([k, k + 1, k + 2, k + 3].filter((x) => x < count).map(one));
  return out;
}
