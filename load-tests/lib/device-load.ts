// Child process of the ingest benchmark and the load runner: real MQTT device connections, apart
// from the platform so the load generator's CPU does not count as the platform's. Three modes:
// - closed (default, bench-ingest): publish QoS 1 as fast as PUBACKs come back, `window` in flight per device;
// - open: a target rate (msgs/s) spread over the devices whatever the PUBACK latency (an open loop
//   shows queueing that a closed loop hides), a realistic mix of occupancy changes and heartbeats;
// - hold: open N connections, keep them, each sends one heartbeat during the hold; reports how many
//   stayed connected.
import { RawMqttClient } from './raw-mqtt.ts';
import type { DeviceCredential } from '../../seed/city-loader.ts';
import { pace } from './pace.ts';

export interface DeviceLoadStart {
  mqttUrl: string;
  devices: Array<Pick<DeviceCredential, 'id' | 'secret'>>;
  seconds: number;
  window?: number;
  mode?: 'closed' | 'open' | 'hold';
  /** open mode: messages per second over all devices. */
  rate?: number;
  /** Simultaneous CONNECTs (default 50). */
  connectBatch?: number;
  /**
   * closed and open modes: publish this many seconds first, uncounted, before the window (a platform
   * just started pays for its first statements and its JIT there, not in the window's p99).
   */
  warmup?: number;
}
export interface DeviceLoadDone {
  type: 'done'; mode: string; acked: number; errors: number; elapsed: number; latencies: number[];
  connected: number; held: number; connectFailures: number; connectMs: number[]; dropped: number;
  /** Published but not acknowledged when the run ended (an overloaded open loop queues); not errors. */
  unacked: number;
  /** CPU this generator used while publishing, in cores (so a reader sees what the platform had left). */
  generatorCores: number;
  /** When the counted window began (epoch ms): its messages carry `ts` at or after it, the warm-up's before. */
  startedAt: number;
}

// Sampling every 8th latency keeps the array small at 20k msg/s and is unbiased (acks are not ordered by latency).
const SAMPLE_MASK = 7;

type Device = Pick<DeviceCredential, 'id' | 'secret'>;

/** Connect `batch` at a time: thousands of simultaneous CONNECTs are a storm, not a benchmark. */
async function connectAll(mqttUrl: string, devices: Device[], batch: number, onDropped: () => void) {
  const clients: Array<{ c: RawMqttClient; d: Device }> = [];
  const connectMs: number[] = [];
  let connectFailures = 0;
  for (let i = 0; i < devices.length; i += batch) {
    await Promise.all(devices.slice(i, i + batch).map(async (d) => {
      const t0 = performance.now();
      try {
        const c = await RawMqttClient.connect(mqttUrl, { clientId: d.id, username: d.id, password: d.secret, keepalive: 60, connectTimeout: 10_000 });
        connectMs.push(performance.now() - t0);
        clients.push({ c, d });
        c.onceClosed(onDropped);
      } catch {
        connectFailures++;
      }
    }));
  }
  return { clients, connectMs, connectFailures };
}

process.on('message', async (msg: DeviceLoadStart) => {
  const { mqttUrl, devices, seconds } = msg;
  const mode = msg.mode ?? 'closed';
  const window = msg.window ?? 1;
  let errors = 0;
  let unacked = 0;
  let stopping = false;
  let dropped = 0; // connections lost after CONNACK
  const { clients, connectMs, connectFailures } = await connectAll(mqttUrl, devices, msg.connectBatch ?? 50, () => { if (!stopping) dropped++; });

  let latencies: number[] = [];
  let acked = 0;
  let lastAckAt = 0;
  let started = Date.now();
  let cpuAtStart = process.cpuUsage();
  let deadline = started + seconds * 1000;
  // Messages of the warm-up are not counted, whenever their PUBACK comes.
  let generation = 0;
  let seq = Date.now() * 10;
  const state = new Map<string, boolean>();
  // A bay changes state now and then; most traffic is heartbeats (docs/performance.md: the Zhengzhou mix).
  const body = (id: string, heartbeatShare: number) => {
    if (Math.random() < heartbeatShare) {
      return JSON.stringify({ type: 'heartbeat', seq: ++seq, ts: new Date().toISOString(), battery: 3.6, temperature: 21 });
    }
    const occupied = !state.get(id);
    state.set(id, occupied);
    return JSON.stringify({ type: 'occupancy', seq: ++seq, ts: new Date().toISOString(), occupied });
  };
  const send = (c: RawMqttClient, id: string, heartbeatShare: number, then?: () => void) => {
    const t0 = performance.now();
    const counted = generation;
    c.publish(`devices/${id}/events`, body(id, heartbeatShare), (err) => {
      if (counted !== generation) { then?.(); return; }
      if (err) { if (stopping) unacked++; else errors++; }
      else { acked++; lastAckAt = Date.now(); if ((acked & SAMPLE_MASK) === 0) latencies.push(performance.now() - t0); }
      then?.();
    });
  };

  const publish = () => publishFor(mode, clients, send, () => deadline, { window, rate: msg.rate ?? 1000, seconds, onDown: () => errors++ });
  if (msg.warmup && mode !== 'hold') {
    deadline = Date.now() + msg.warmup * 1000;
    await publish();
    generation++;
    [latencies, acked, errors, lastAckAt, started, cpuAtStart] = [[], 0, 0, 0, Date.now(), process.cpuUsage()];
    deadline = started + seconds * 1000;
  }
  process.send!({ type: 'connected', count: clients.length, failures: connectFailures });
  const progress = setInterval(() => process.send!({ type: 'progress', acked, errors, elapsed: (Date.now() - started) / 1000, held: clients.filter((x) => x.c.connected).length }), 1000);
  await publish();
  const held = clients.filter((x) => x.c.connected).length;
  // Let in-flight PUBACKs land (bounded) before counting and disconnecting. An overloaded open loop
  // has a backlog: it is waited for, and counted in the time (stored/s is what was achieved).
  const settle = Date.now() + (mode === 'open' ? 30_000 : 2000);
  while (Date.now() < settle && clients.some((x) => x.c.connected && x.c.inFlight > 0)) await new Promise((r) => setTimeout(r, 20));
  clearInterval(progress);
  const cpu = process.cpuUsage(cpuAtStart);
  const generatorCores = Math.round((cpu.user + cpu.system) / 1e3 / Math.max(1, Date.now() - started) * 100) / 100;
  const elapsed = (Math.max(mode === 'open' ? lastAckAt : 0, Math.min(Date.now(), deadline)) - started) / 1000;
  stopping = true;
  // A clean DISCONNECT (not a reset) so the broker logs nothing; force it if that takes over 2 s.
  await Promise.all(clients.map((x) => Promise.race([x.c.end(), new Promise((r) => setTimeout(r, 2000))])));
  await Promise.all(clients.map((x) => x.c.end(true)));
  const done: DeviceLoadDone = { type: 'done', mode, acked, errors, elapsed, latencies, connected: clients.length, held, connectFailures, connectMs, dropped, unacked, generatorCores, startedAt: started };
  process.send!(done);
});

type Send = (c: RawMqttClient, id: string, heartbeatShare: number, then?: () => void) => void;

/** One stretch of publishing in `mode` until `deadline()`. */
async function publishFor(mode: string, clients: Array<{ c: RawMqttClient; d: Device }>, send: Send, deadline: () => number,
  o: { window: number; rate: number; seconds: number; onDown: () => void }): Promise<void> {
  if (mode === 'closed') {
    const loop = (c: RawMqttClient, id: string) => new Promise<void>((resolve) => {
      const next = () => (Date.now() >= deadline() || !c.connected ? resolve() : send(c, id, 0, next));
      next();
    });
    const loops: Promise<void>[] = [];
    for (const { c, d } of clients) for (let w = 0; w < o.window; w++) loops.push(loop(c, d.id));
    await Promise.all(loops);
  } else if (mode === 'open') {
    // Send what the target rate owes so far, round-robin over the devices, until the deadline.
    let next = 0;
    await pace(o.rate, () => {
      const { c, d } = clients[next++ % clients.length];
      if (c.connected) send(c, d.id, 0.8); else o.onDown();
    }, () => Date.now() < deadline() && clients.length > 0);
  } else {
    // hold: each connection sends one heartbeat at a random moment, proving it is live, not just open.
    for (const { c, d } of clients) {
      setTimeout(() => { if (c.connected) send(c, d.id, 1); }, Math.random() * o.seconds * 800).unref();
    }
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
  }
}
