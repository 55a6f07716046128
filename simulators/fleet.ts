// The device fleet simulator: a city of cars arriving, parking and leaving (a pure model,
// createCitySim) driving thousands of MQTT devices that report it the way real ones do, faults
// included (startFleet). The fleet keeps the ground truth so tests and demos can compare the
// platform's view with what really happened.
import { connect, type MqttClient } from 'mqtt';
import { eventsTopic, type DeviceMessage } from '../core/protocol.ts';
import { seededRandom, type CityDevice } from './demo-city.ts';
import type { DeviceCredential } from './city-loader.ts';
import { arrivalRatePerHour, dwellMinutes, normal, poisson, remainingDwellMinutes, shanghaiHour, type LotKind, type Rng } from './demand.ts';
import { misread, randomPlate, type SimPlate } from './plates.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export interface FleetLot { id: string; kind: LotKind; capacity: number; demand: number }
/** A message as the model produces it; the fleet adds the envelope (seq, ts) when it sends. */
export type MessageBody = WithoutEnvelope<DeviceMessage>;
type WithoutEnvelope<M> = M extends unknown ? Omit<M, 'seq' | 'ts'> : never;
export interface BayTruth { occupied: boolean; plate: string | null; since: Date }
export interface Truth { bays: Map<string, BayTruth> }

// ---------------------------------------------------------------------------------------------
// The city model. Pure: time moves only through advanceTo, randomness comes from `rng`, and every
// observation leaves through `emit` — no clocks, timers or sockets.
// ---------------------------------------------------------------------------------------------

export interface CitySimOptions {
  lots: FleetLot[];
  devices: CityDevice[];
  /** Simulated clock at the start. */
  start: Date;
  rng: Rng;
  /** The event time reported for something that happens at simulated instant `simMs`. */
  stamp: (simMs: number) => Date;
  emit: (deviceId: string, body: MessageBody, eventTime: Date) => void;
}
export interface CitySim {
  /** Run the city up to simulated instant `simMs`, emitting what the devices observe. */
  advanceTo(simMs: number): void;
  /** Park cars in `fraction` of the bays now and report every bay's state (a fleet switching on). */
  populate(fraction: number): void;
  truth(): Truth;
  counts(): { arrivals: number; departures: number; turnedAway: number };
  /** The simulated clock. */
  now(): Date;
}

type BayState = 'free' | 'arriving' | 'occupied' | 'leaving';
interface SimBay { code: string; sensor?: string; camera?: string; state: BayState; car: SimPlate | null; since: Date }
interface SimLot extends FleetLot { bays: SimBay[]; gates: string[] }

// A car takes 2–10 s to be recognised by a kerb camera after the sensor trips, and 30 s–3 min to
// drive between a garage gate and its bay.
const CAMERA_LAG_MS: [number, number] = [2 * SECOND, 10 * SECOND];
const GARAGE_DRIVE_MS: [number, number] = [30 * SECOND, 3 * MINUTE];
// Bounds on the work one advance may do, so a stalled event loop cannot turn into a runaway tick.
const MAX_ARRIVALS_PER_LOT_STEP = 10_000;
const MAX_EVENTS_PER_STEP = 1_000_000;

export function createCitySim(o: CitySimOptions): CitySim {
  const { rng } = o;
  const between = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const confidence = () => Math.round(between(0.85, 0.99) * 100) / 100;
  let clock = o.start.getTime();
  const queue = new EventQueue();
  const counts = { arrivals: 0, departures: 0, turnedAway: 0 };
  const parked = new Set<string>(); // plates in the city now, so two cars never share one

  const bays = new Map<string, SimBay>();
  const lots: SimLot[] = [];
  const lotById = new Map<string, SimLot>();
  for (const l of o.lots) {
    const lot: SimLot = { ...l, bays: [], gates: [] };
    lots.push(lot);
    lotById.set(l.id, lot);
  }
  const bayOf = (code: string, lotId: string): SimBay | undefined => {
    let bay = bays.get(code);
    const lot = lotById.get(lotId);
    if (!bay && lot) {
      bay = { code, state: 'free', car: null, since: o.stamp(clock) };
      bays.set(code, bay);
      lot.bays.push(bay);
    }
    return bay;
  };
  for (const d of o.devices) {
    if (d.kind === 'bay-sensor' && d.bayCode) {
      const bay = bayOf(d.bayCode, d.lotId);
      if (bay) bay.sensor = d.id;
    } else if (d.kind === 'bay-camera') {
      for (const code of d.bays ?? []) {
        const bay = bayOf(code, d.lotId);
        if (bay) bay.camera = d.id;
      }
    } else if (d.kind === 'gate-camera') {
      lotById.get(d.lotId)?.gates.push(d.id);
    }
  }

  function newCar(): SimPlate {
    let car = randomPlate(rng);
    // Bounded: ~10^9 plates and a few thousand parked, so a second draw almost never repeats.
    for (let i = 0; i < 20 && parked.has(car.plate); i++) car = randomPlate(rng);
    parked.add(car.plate);
    return car;
  }
  function sensorReport(bay: SimBay, occupied: boolean, at: number): void {
    bay.since = o.stamp(at);
    if (bay.sensor) o.emit(bay.sensor, { type: 'occupancy', occupied }, bay.since);
  }
  function cameraReport(bay: SimBay, occupied: boolean, car: SimPlate, at: number): void {
    if (bay.camera) o.emit(bay.camera, { type: 'bay', bay: bay.code, occupied, plate: car.plate, plateColor: car.color, confidence: confidence() }, o.stamp(at));
  }
  function gateReport(lot: SimLot, direction: 'in' | 'out', car: SimPlate, at: number): void {
    if (!lot.gates.length) return;
    const gate = lot.gates[Math.floor(rng() * lot.gates.length)];
    o.emit(gate, { type: 'gate', direction, plate: car.plate, plateColor: car.color, confidence: confidence() }, o.stamp(at));
  }
  function release(bay: SimBay, car: SimPlate): void {
    bay.state = 'free';
    bay.car = null;
    parked.delete(car.plate);
  }

  // Street: the sensor trips as the car stops, the camera reads the plate a moment later. The bay
  // is not offered to the next car until the camera has reported it free, so reports never cross.
  function parkStreet(bay: SimBay, car: SimPlate, at: number, dwellMs: number): void {
    bay.state = 'occupied';
    bay.car = car;
    sensorReport(bay, true, at);
    queue.push(at + between(...CAMERA_LAG_MS), (t) => cameraReport(bay, true, car, t));
    queue.push(at + dwellMs, (t) => {
      bay.state = 'leaving';
      counts.departures += 1;
      sensorReport(bay, false, t);
      queue.push(t + between(...CAMERA_LAG_MS), (t2) => { cameraReport(bay, false, car, t2); release(bay, car); });
    });
  }
  // Garage: gate in, drive to the bay (reserved meanwhile), park; then leave the bay, drive, gate out.
  function parkGarage(lot: SimLot, bay: SimBay, car: SimPlate, at: number, dwellMs: number, initial: boolean): void {
    bay.car = car;
    gateReport(lot, 'in', car, at);
    const park = (t: number) => {
      bay.state = 'occupied';
      sensorReport(bay, true, t);
      queue.push(t + dwellMs, (t2) => {
        bay.state = 'leaving';
        counts.departures += 1;
        sensorReport(bay, false, t2);
        queue.push(t2 + between(...GARAGE_DRIVE_MS), (t3) => { gateReport(lot, 'out', car, t3); release(bay, car); });
      });
    };
    if (initial) park(at);
    else {
      bay.state = 'arriving';
      queue.push(at + between(...GARAGE_DRIVE_MS), park);
    }
  }
  function arrive(lot: SimLot, at: number): void {
    const free = lot.bays.filter((b) => b.state === 'free');
    if (!free.length) {
      counts.turnedAway += 1; // a full garage's barrier stays down; a full street is driven past
      return;
    }
    counts.arrivals += 1;
    const bay = free[Math.floor(rng() * free.length)];
    const dwellMs = dwellMinutes(lot.kind, rng) * MINUTE;
    if (lot.kind === 'street') parkStreet(bay, newCar(), at, dwellMs);
    else parkGarage(lot, bay, newCar(), at, dwellMs, false);
  }

  return {
    advanceTo(simMs) {
      const dt = simMs - clock;
      if (!(dt > 0)) return;
      for (const lot of lots) {
        if (!lot.bays.length) continue;
        const n = Math.min(MAX_ARRIVALS_PER_LOT_STEP, poisson((arrivalRatePerHour(lot, new Date(clock)) * dt) / HOUR, rng));
        for (let i = 0; i < n; i++) queue.push(clock + rng() * dt, (t) => arrive(lot, t));
      }
      for (let budget = MAX_EVENTS_PER_STEP; budget > 0 && queue.nextAt() <= simMs; budget--) queue.runNext();
      clock = simMs;
    },
    populate(fraction) {
      const f = Math.min(1, Math.max(0, fraction));
      for (const lot of lots) {
        const order = shuffle(lot.bays.filter((b) => b.state === 'free'), rng);
        const take = Math.round(order.length * f);
        order.forEach((bay, i) => {
          if (i >= take) return sensorReport(bay, false, clock);
          const remaining = remainingDwellMinutes(lot.kind, rng) * MINUTE;
          if (lot.kind === 'street') parkStreet(bay, newCar(), clock, remaining);
          else parkGarage(lot, bay, newCar(), clock, remaining, true);
        });
      }
    },
    truth() {
      const out = new Map<string, BayTruth>();
      for (const b of bays.values()) {
        const occupied = b.state === 'occupied';
        out.set(b.code, { occupied, plate: occupied && b.car ? b.car.plate : null, since: b.since });
      }
      return { bays: out };
    },
    counts: () => ({ ...counts }),
    now: () => new Date(clock),
  };
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A binary min-heap of timed actions; equal times run in insertion order. */
class EventQueue {
  private heap: Array<{ at: number; n: number; run: (at: number) => void }> = [];
  private n = 0;
  push(at: number, run: (at: number) => void): void {
    const h = this.heap;
    h.push({ at, n: this.n++, run });
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  nextAt(): number {
    return this.heap.length ? this.heap[0].at : Infinity;
  }
  runNext(): void {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    top.run(top.at);
  }
  private less(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    return x.at < y.at || (x.at === y.at && x.n < y.n);
  }
}

// ---------------------------------------------------------------------------------------------
// The fleet: one MQTT connection per device, a real-time scheduler, heartbeats and faults.
// ---------------------------------------------------------------------------------------------

export interface FleetFaults {
  /** Probability a message is never sent (its seq is still used up, leaving a gap). */
  loss?: number;
  /** Probability a message is sent twice (same seq and ts), as after a lost PUBACK. */
  duplicate?: number;
  /** Probability a message is held back and delivered `lateSeconds` later, out of order. */
  late?: number;
  /** Real-time hold-back range for late messages in seconds; default [1, 30]. */
  lateSeconds?: [number, number];
  /** Probability a camera misreads the plate (see plates.ts misread). */
  misread?: number;
}
export interface FleetOptions {
  /** mqtt://host:port */
  mqttUrl: string;
  devices: DeviceCredential[];
  lots: FleetLot[];
  /** Simulated seconds per real second, e.g. 60. */
  speed: number;
  seed?: number;
  faults?: FleetFaults;
  /** Real seconds between a device's heartbeats; default 60. */
  heartbeatSeconds?: number;
  /** 0..1: fraction of bays occupied at start; when given, every bay's state is reported at once. */
  initialOccupancy?: number;
  /** 'wall' (default): ts is the real clock when the event happens; 'simulated': the simulated clock. */
  timestamps?: 'wall' | 'simulated';
  /** Simulated clock at start; default now. */
  startTime?: Date;
  /** Devices connecting at once during the start-up ramp; default 50. */
  connectConcurrency?: number;
  log?: (m: string) => void;
}
export interface FleetStats {
  /** Devices connected to the broker now. */
  connected: number;
  /** PUBLISH packets handed to MQTT (duplicates included). */
  published: number;
  /** …of which the broker acknowledged (PUBACK). */
  acked: number;
  /** Messages never sent (fault), duplicates sent, messages held back (fault). */
  lost: number;
  duplicated: number;
  late: number;
  /** Dropped because a device's offline buffer was full, or late messages still held at stop. */
  dropped: number;
  /** Cars that arrived and parked since start (not those placed by initialOccupancy). */
  arrivals: number;
  /** Cars that left their bay, including those placed at start. */
  departures: number;
  /** Cars that found their lot full. */
  turnedAway: number;
}
export interface Fleet {
  truth(): Truth;
  stats(): FleetStats;
  /** The simulated clock. */
  simulatedTime(): Date;
  /** Stop the city and disconnect every device; resolves when all connections are closed. */
  stop(): Promise<void>;
}

const TICK_MS = 100;
// After a long event-loop stall the city catches up at most this much real time in one step.
const MAX_STEP_MS = SECOND;
// A device buffers at most this many unacknowledged messages (as real ones do in their RAM);
// beyond it new ones are dropped, so an absent broker cannot grow our memory without bound.
const MAX_PENDING_PER_DEVICE = 100;
const STOP_DRAIN_MS = 3 * SECOND;
const ERROR_LOG_EVERY_MS = 5 * SECOND;

interface DeviceRuntime {
  cred: DeviceCredential;
  topic: string;
  client: MqttClient | null;
  connected: boolean;
  seq: number;
  /** Volts; bay sensors only (cameras are mains powered). */
  battery?: number;
  /** °C offset of this device from ambient (shade, sun, housing heat). */
  warmth: number;
  indoor: boolean;
  nextHeartbeat: number;
  pending: number;
}

/** Publish one message as `deviceId` (QoS 1, not retained); resolves on PUBACK. */
export async function publishOnce(client: MqttClient, deviceId: string, message: DeviceMessage): Promise<void> {
  await client.publishAsync(eventsTopic(deviceId), JSON.stringify(message), { qos: 1, retain: false });
}

function checkOptions(o: FleetOptions): void {
  const prob = (name: string, v: number | undefined) => {
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`fleet: ${name} must be a probability between 0 and 1, got ${v}`);
  };
  if (!(o.speed > 0 && Number.isFinite(o.speed))) throw new RangeError(`fleet: speed must be a positive number, got ${o.speed}`);
  if (o.heartbeatSeconds !== undefined && !(o.heartbeatSeconds > 0)) throw new RangeError(`fleet: heartbeatSeconds must be positive, got ${o.heartbeatSeconds}`);
  prob('initialOccupancy', o.initialOccupancy);
  for (const k of ['loss', 'duplicate', 'late', 'misread'] as const) prob(`faults.${k}`, o.faults?.[k]);
  const ls = o.faults?.lateSeconds;
  if (ls && !(ls[0] >= 0 && ls[1] >= ls[0])) throw new RangeError(`fleet: faults.lateSeconds must be [min, max] with 0 ≤ min ≤ max`);
}

/** Run `fn` over `items` with at most `limit` running at once. */
async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** Air temperature in Zhengzhou at a local hour: a daily swing peaking mid-afternoon. */
const ambientAt = (t: Date) => 15 + 6 * Math.sin((2 * Math.PI * (shanghaiHour(t) - 9)) / 24);

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  checkOptions(opts);
  const log = opts.log ?? (() => {});
  const faults = opts.faults ?? {};
  const [lateMin, lateMax] = faults.lateSeconds ?? [1, 30];
  const heartbeatMs = (opts.heartbeatSeconds ?? 60) * SECOND;
  const seed = opts.seed ?? 1;
  // Separate streams, so turning a fault on does not change which cars arrive when.
  const cityRng = seededRandom(seed);
  const faultRng = seededRandom(seed ^ 0x5eed);
  const deviceRng = seededRandom(seed ^ 0xdec1ce);

  const realStart = Date.now();
  const stamp = opts.timestamps === 'simulated' ? (simMs: number) => new Date(simMs) : () => new Date();
  const lotKind = new Map(opts.lots.map((l) => [l.id, l.kind]));
  const stats = { connected: 0, published: 0, acked: 0, lost: 0, duplicated: 0, late: 0, dropped: 0 };
  const outbox: Array<{ due: number; dev: DeviceRuntime; payload: string }> = []; // late messages
  const errors = { count: 0, latest: '', loggedAt: 0 };
  let stopping = false;

  const devices = new Map<string, DeviceRuntime>();
  for (const cred of opts.devices) {
    const sensor = cred.kind === 'bay-sensor';
    devices.set(cred.id, {
      cred, topic: eventsTopic(cred.id), client: null, connected: false,
      // seq starts at the wall clock so a restarted simulator never reuses one.
      seq: realStart,
      // Most sensors are fairly new lithium cells; one in ten is nearing the end of its life.
      battery: sensor ? (deviceRng() < 0.1 ? 2.6 + 0.4 * deviceRng() : 3.3 + 0.35 * deviceRng()) : undefined,
      warmth: (cred.kind === 'bay-sensor' ? 0 : 8) + 4 * (deviceRng() - 0.5),
      indoor: lotKind.get(cred.lotId) === 'garage' && cred.kind === 'bay-sensor',
      // Spread heartbeats over the period so the fleet does not beat in unison.
      nextHeartbeat: realStart + deviceRng() * heartbeatMs,
      pending: 0,
    });
  }

  function noteError(dev: DeviceRuntime, err: Error): void {
    errors.count += 1;
    errors.latest = `${dev.cred.id}: ${err.message}`;
    const now = Date.now();
    // Thousands of devices fail together when the broker goes away: one summary line, not thousands.
    if (now - errors.loggedAt >= ERROR_LOG_EVERY_MS) {
      log(`fleet: ${errors.count} MQTT error(s) since last report; latest ${errors.latest}; devices keep reconnecting`);
      errors.count = 0;
      errors.loggedAt = now;
    }
  }

  function transmit(dev: DeviceRuntime, payload: string): void {
    const client = dev.client;
    if (!client || stopping || dev.pending >= MAX_PENDING_PER_DEVICE) {
      stats.dropped += 1;
      return;
    }
    dev.pending += 1;
    stats.published += 1;
    // While offline mqtt.js keeps QoS 1 messages and sends them on reconnect.
    client.publish(dev.topic, payload, { qos: 1, retain: false }, (err) => {
      dev.pending -= 1;
      if (err) noteError(dev, err);
      else stats.acked += 1;
    });
  }

  function send(deviceId: string, body: MessageBody, eventTime: Date): void {
    const dev = devices.get(deviceId);
    if (!dev || stopping) return;
    let b = body;
    if (b.type === 'occupancy' && dev.battery !== undefined) {
      dev.battery = Math.max(2, dev.battery - 0.00005); // each radio report costs a little charge
      b = { ...b, battery: Math.round(dev.battery * 1000) / 1000 };
    }
    if ((b.type === 'bay' || b.type === 'gate') && b.plate && faultRng() < (faults.misread ?? 0)) {
      b = { ...b, plate: misread(b.plate, faultRng) };
    }
    const message = { ...b, seq: dev.seq++, ts: eventTime.toISOString() } as DeviceMessage;
    if (faultRng() < (faults.loss ?? 0)) {
      stats.lost += 1;
      return;
    }
    const payload = JSON.stringify(message);
    if (faultRng() < (faults.late ?? 0)) {
      stats.late += 1;
      outbox.push({ due: Date.now() + (lateMin + (lateMax - lateMin) * faultRng()) * SECOND, dev, payload });
      return;
    }
    transmit(dev, payload);
    if (faultRng() < (faults.duplicate ?? 0)) {
      stats.duplicated += 1;
      transmit(dev, payload);
    }
  }

  const city = createCitySim({ lots: opts.lots, devices: opts.devices, start: opts.startTime ?? new Date(realStart), rng: cityRng, stamp, emit: send });

  function heartbeats(now: number): void {
    const simNow = city.now();
    for (const dev of devices.values()) {
      if (dev.nextHeartbeat > now) continue;
      // After a stall, skip missed beats rather than sending a burst.
      dev.nextHeartbeat = Math.max(dev.nextHeartbeat + heartbeatMs, now);
      if (dev.battery !== undefined) dev.battery = Math.max(2, dev.battery - 0.0001);
      const air = dev.indoor ? 18 : ambientAt(simNow);
      const temperature = Math.round((air + dev.warmth + 0.5 * normal(deviceRng)) * 10) / 10;
      const body: MessageBody = dev.battery !== undefined
        ? { type: 'heartbeat', battery: Math.round(dev.battery * 1000) / 1000, temperature }
        : { type: 'heartbeat', temperature };
      send(dev.cred.id, body, stamp(simNow.getTime()));
    }
  }

  function flushLate(now: number): void {
    let kept = 0;
    for (const item of outbox) {
      if (item.due <= now) transmit(item.dev, item.payload);
      else outbox[kept++] = item;
    }
    outbox.length = kept;
  }

  // Start-up ramp: connect with limited concurrency so thousands of devices don't storm the broker.
  const connectWaitMs = 10 * SECOND;
  await forEachLimited([...devices.values()], opts.connectConcurrency ?? 50, (dev) => new Promise<void>((resolve) => {
    const client = connect(opts.mqttUrl, {
      clientId: dev.cred.id, username: dev.cred.id, password: dev.cred.secret,
      clean: true, protocolVersion: 4, keepalive: 60, connectTimeout: connectWaitMs,
      // Jittered, so a broker restart is not met by every device at the same instant.
      reconnectPeriod: 3 * SECOND + Math.floor(deviceRng() * 5 * SECOND),
      reconnectOnConnackError: true,
    });
    dev.client = client;
    client.on('connect', () => {
      if (!dev.connected) stats.connected += 1;
      dev.connected = true;
    });
    client.on('close', () => {
      if (dev.connected) stats.connected -= 1;
      dev.connected = false;
    });
    client.on('error', (err) => noteError(dev, err));
    const timer = setTimeout(done, connectWaitMs + SECOND);
    function done() {
      clearTimeout(timer);
      client.off('connect', done);
      client.off('close', done);
      resolve();
    }
    client.once('connect', done);
    client.once('close', done); // refused or unreachable: mqtt.js retries on its own; move on
  }));
  log(`fleet: ${stats.connected}/${devices.size} devices connected to ${opts.mqttUrl}`);

  if (opts.initialOccupancy !== undefined) city.populate(opts.initialOccupancy);

  let lastReal = Date.now();
  let simMs = city.now().getTime();
  const timer = setInterval(() => {
    try {
      const now = Date.now();
      simMs += Math.min(MAX_STEP_MS, now - lastReal) * opts.speed;
      lastReal = now;
      city.advanceTo(simMs);
      heartbeats(now);
      flushLate(now);
    } catch (err) {
      log(`fleet: tick failed: ${(err as Error).stack ?? err}`);
    }
  }, TICK_MS);

  let stopped: Promise<void> | null = null;
  async function stop(): Promise<void> {
    clearInterval(timer);
    stopping = true;
    if (outbox.length) {
      log(`fleet: dropping ${outbox.length} late message(s) still held back`);
      stats.dropped += outbox.length;
      outbox.length = 0;
    }
    // Let in-flight messages be acknowledged (bounded: the broker may be gone).
    const deadline = Date.now() + STOP_DRAIN_MS;
    const inFlight = () => [...devices.values()].some((d) => d.connected && d.pending > 0);
    while (inFlight() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([...devices.values()].map((dev) => new Promise<void>((resolve) => {
      const client = dev.client;
      if (!client) return resolve();
      // A connected device with nothing in flight says DISCONNECT; others just close the socket.
      const graceful = client.connected && dev.pending === 0;
      const timer = setTimeout(() => { client.stream?.destroy(); resolve(); }, SECOND);
      client.end(!graceful, {}, () => { clearTimeout(timer); resolve(); });
    })));
    log(`fleet: stopped; ${stats.published} published, ${stats.acked} acknowledged`);
  }

  return {
    truth: () => city.truth(),
    stats: () => ({ ...stats, ...city.counts() }),
    simulatedTime: () => city.now(),
    stop: () => (stopped ??= stop()),
  };
}
