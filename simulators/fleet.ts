// The device fleet simulator: a city of cars arriving, parking and leaving (a pure model,
// createCitySim) driving thousands of MQTT devices that report it the way real ones do, faults
// included (startFleet). The fleet keeps the ground truth so tests and demos can compare the
// platform's view with what really happened.
import { eventsTopic, type DeviceMessage } from '../core/protocol.ts';
import { seededRandom, type CityDevice } from '../seed/demo-city.ts';
import type { DeviceCredential } from '../seed/city-loader.ts';
import { BASE_TURNOVER, demandCurve, dwellMinutes, normal, poisson, remainingDwellMinutes, shanghaiHour, type LotKind, type Rng } from './demand.ts';
import { misread, randomPlate, type SimPlate } from '../seed/plates.ts';
import { Links, type LinkSpec, type MessageKind } from './transport.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface FleetLot { id: string; kind: LotKind; capacity: number; demand: number }
/** A message as the model produces it; the fleet adds the envelope (seq, ts) when it sends. */
export type MessageBody = WithoutEnvelope<DeviceMessage>;
type WithoutEnvelope<M> = M extends unknown ? Omit<M, 'seq' | 'ts'> : never;
export interface BayTruth {
  occupied: boolean;
  plate: string | null;
  /** When the bay last changed between free and occupied (the event time its sensor reported). */
  since: Date;
  lotId?: string;
  /** The bay sensor watching it, if any. */
  sensor?: string;
  /** Set when that sensor is faulty: 'stuck' keeps reporting its last value, 'dead' sends nothing. */
  sensorFault?: 'stuck' | 'dead';
}
export interface Truth { bays: Map<string, BayTruth> }
/** One completed stay: which car really parked where and when (event times as the devices stamp them). */
export interface TrueStay { plate: string; lotId: string; lotKind: LotKind; bayCode: string; entry: Date; exit: Date }

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
  /** Completed stays remembered for billing checks (oldest forgotten first); default 200,000. */
  maxStays?: number;
}
export interface CitySim {
  /** Run the city up to simulated instant `simMs`, emitting what the devices observe. */
  advanceTo(simMs: number): void;
  /** Park cars in `fraction` of the bays now and report every bay's state (a fleet switching on). */
  populate(fraction: number): void;
  truth(): Truth;
  /** The most recent completed stays (at most maxStays), oldest first. */
  stays(): TrueStay[];
  counts(): { arrivals: number; departures: number; turnedAway: number; occupied: number };
  /** The simulated clock. */
  now(): Date;
}

type BayState = 'free' | 'arriving' | 'occupied' | 'leaving';
interface SimBay { code: string; lotId: string; sensor?: string; camera?: string; state: BayState; car: SimPlate | null; since: Date; entry: Date }
interface SimLot extends FleetLot { bays: SimBay[]; gates: string[] }

// A car takes 2–10 s to be recognised by a kerb camera after the sensor trips, and 30 s–3 min to
// drive between a garage gate and its bay.
const CAMERA_LAG_MS: [number, number] = [2 * SECOND, 10 * SECOND];
const GARAGE_DRIVE_MS: [number, number] = [30 * SECOND, 3 * MINUTE];
// Bounds on the work one advance may do, so a stalled event loop cannot turn into a runaway tick.
const MAX_ARRIVALS_PER_STEP = 100_000;
const MAX_EVENTS_PER_STEP = 1_000_000;

export function createCitySim(o: CitySimOptions): CitySim {
  const { rng } = o;
  const between = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const confidence = () => Math.round(between(0.85, 0.99) * 100) / 100;
  let clock = o.start.getTime();
  const queue = new EventQueue();
  const counts = { arrivals: 0, departures: 0, turnedAway: 0, occupied: 0 };
  const maxStays = o.maxStays ?? 200_000;
  let stays: TrueStay[] = [];
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
      bay = { code, lotId, state: 'free', car: null, since: o.stamp(clock), entry: o.stamp(clock) };
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

  // Arrivals are drawn for the whole city at once and spread over lots by weight (capacity ×
  // demand × turnover), so a step costs O(arrivals · log lots), not O(lots).
  const arrivalLots = lots.filter((l) => l.bays.length > 0);
  const cumulative: number[] = [];
  let weightPerHour = 0;
  for (const l of arrivalLots) cumulative.push((weightPerHour += l.capacity * l.demand * BASE_TURNOVER[l.kind]));
  function pickLot(): SimLot {
    const x = rng() * weightPerHour;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return arrivalLots[lo];
  }
  function remember(bay: SimBay, lot: SimLot, car: SimPlate, exitAt: number, exit = o.stamp(exitAt)): void {
    stays.push({ plate: car.plate, lotId: lot.id, lotKind: lot.kind, bayCode: bay.code, entry: bay.entry, exit });
    // Amortised O(1): trim in chunks once the log is half again over its bound.
    if (stays.length > maxStays * 1.5) stays = stays.slice(stays.length - maxStays);
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
  function gateReport(lot: SimLot, direction: 'in' | 'out', car: SimPlate, at: number, ts = o.stamp(at)): void {
    if (!lot.gates.length) return;
    const gate = lot.gates[Math.floor(rng() * lot.gates.length)];
    o.emit(gate, { type: 'gate', direction, plate: car.plate, plateColor: car.color, confidence: confidence() }, ts);
  }
  function release(bay: SimBay, car: SimPlate): void {
    bay.state = 'free';
    bay.car = null;
    parked.delete(car.plate);
  }

  // Street: the sensor trips as the car stops, the camera reads the plate a moment later. The bay
  // is not offered to the next car until the camera has reported it free, so reports never cross.
  function parkStreet(lot: SimLot, bay: SimBay, car: SimPlate, at: number, dwellMs: number): void {
    bay.state = 'occupied';
    bay.car = car;
    bay.entry = o.stamp(at); // stamped now: with wall-clock stamps it is the time of this call
    counts.occupied += 1;
    sensorReport(bay, true, at);
    queue.push(at + between(...CAMERA_LAG_MS), (t) => cameraReport(bay, true, car, t));
    queue.push(at + dwellMs, (t) => {
      bay.state = 'leaving';
      counts.departures += 1;
      counts.occupied -= 1;
      sensorReport(bay, false, t);
      queue.push(t + between(...CAMERA_LAG_MS), (t2) => { cameraReport(bay, false, car, t2); remember(bay, lot, car, t2); release(bay, car); });
    });
  }
  // Garage: gate in, drive to the bay (reserved meanwhile), park; then leave the bay, drive, gate out.
  function parkGarage(lot: SimLot, bay: SimBay, car: SimPlate, at: number, dwellMs: number, initial: boolean): void {
    bay.car = car;
    bay.entry = o.stamp(at); // stamped now: with wall-clock stamps it is the time of this call
    gateReport(lot, 'in', car, at, bay.entry); // the same instant, not a second reading of the clock
    const park = (t: number) => {
      bay.state = 'occupied';
      counts.occupied += 1;
      sensorReport(bay, true, t);
      queue.push(t + dwellMs, (t2) => {
        bay.state = 'leaving';
        counts.departures += 1;
        counts.occupied -= 1;
        sensorReport(bay, false, t2);
        queue.push(t2 + between(...GARAGE_DRIVE_MS), (t3) => { const exit = o.stamp(t3); gateReport(lot, 'out', car, t3, exit); remember(bay, lot, car, t3, exit); release(bay, car); });
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
    if (lot.kind === 'street') parkStreet(lot, bay, newCar(), at, dwellMs);
    else parkGarage(lot, bay, newCar(), at, dwellMs, false);
  }

  return {
    advanceTo(simMs) {
      const dt = simMs - clock;
      if (!(dt > 0)) return;
      if (arrivalLots.length) {
        const n = Math.min(MAX_ARRIVALS_PER_STEP, poisson((demandCurve(new Date(clock)) * weightPerHour * dt) / HOUR, rng));
        for (let i = 0; i < n; i++) {
          const lot = pickLot();
          queue.push(clock + rng() * dt, (t) => arrive(lot, t));
        }
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
          if (lot.kind === 'street') parkStreet(lot, bay, newCar(), clock, remaining);
          else parkGarage(lot, bay, newCar(), clock, remaining, true);
        });
      }
    },
    truth() {
      const out = new Map<string, BayTruth>();
      for (const b of bays.values()) {
        const occupied = b.state === 'occupied';
        const t: BayTruth = { occupied, plate: occupied && b.car ? b.car.plate : null, since: b.since, lotId: b.lotId };
        if (b.sensor) t.sensor = b.sensor;
        out.set(b.code, t);
      }
      return { bays: out };
    },
    stays: () => (stays.length > maxStays ? stays.slice(stays.length - maxStays) : [...stays]),
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
  get size(): number {
    return this.heap.length;
  }
  clear(): void {
    this.heap = [];
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
// The fleet: MQTT links (one per device, or one per gateway), a real-time scheduler whose per-tick
// work is O(events due), heartbeats, faults, and the ground truth to compare the platform with.
// ---------------------------------------------------------------------------------------------

export type FleetMode = 'per-device' | 'gateway';
/** A device credential as the city loader writes it; `gatewayId` when it reports through a gateway. */
export type FleetDevice = DeviceCredential & { gatewayId?: string };

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
  /** Share of bay sensors that stick after their first report: they keep reporting that value. */
  stuck?: number;
  /** Share of devices that die after their first message: nothing more, not even heartbeats. */
  dead?: number;
  /** Each device's clock is off by a fixed offset drawn uniformly in ±clockSkewSeconds, applied to ts. */
  clockSkewSeconds?: number;
  /**
   * Extra battery decline of bay sensors in volts per simulated day (default 0: only the small
   * cost of each radio report). A sensor whose battery falls to 2.2 V dies.
   */
  batteryDrainPerDay?: number;
  /** Every `everySeconds` real seconds, `share` (0..1) of the connected links drop at once and reconnect. */
  reconnectStorm?: { everySeconds: number; share: number };
}
export interface FleetOptions {
  /** mqtt://host:port */
  mqttUrl: string;
  devices: FleetDevice[];
  lots: FleetLot[];
  /** Simulated seconds per real second, e.g. 60. */
  speed: number;
  /**
   * 'per-device' (default): one MQTT connection per device (gateway devices are not used).
   * 'gateway': one connection per gateway device, publishing for each child registered under it
   * (`gatewayId`); devices without a gateway still connect themselves.
   */
  mode?: FleetMode;
  seed?: number;
  faults?: FleetFaults;
  /**
   * Real seconds between a device's heartbeats; default 60. Not scaled by speed: a device with a
   * 10-minute interval in a city at 10× beats every 60 real seconds (bench:city passes 600 / speed).
   */
  heartbeatSeconds?: number;
  /**
   * 0..1: fraction of bays occupied at start; when given, every bay's state (and a gate "in" for
   * each car parked in a garage) is reported, spread over startupRampSeconds.
   */
  initialOccupancy?: number;
  /**
   * Real seconds over which that start-up report is spread, as a city's devices switching on do
   * not all speak in the same second. Default: its messages at STARTUP_REPORTS_PER_SECOND (well
   * under what the embedded platform stores on 2 cores), at most MAX_AUTO_RAMP_SECONDS; 0 sends it
   * as fast as the platform acknowledges. Either way it never has more than STARTUP_MAX_OUTSTANDING
   * of the fleet's messages queued or in flight, so a slow platform stretches the ramp.
   */
  startupRampSeconds?: number;
  /** 'wall' (default): ts is the real clock when the event happens; 'simulated': the simulated clock. */
  timestamps?: 'wall' | 'simulated';
  /** Simulated clock at start; default now. */
  startTime?: Date;
  /** Connections opened at once during the start-up ramp; default 50. */
  connectConcurrency?: number;
  /** Completed stays remembered for billing checks; default 200,000. */
  maxStays?: number;
  log?: (m: string) => void;
}
export interface FleetStats {
  /** Connections to the broker now (devices, or gateways and ungrouped devices in gateway mode). */
  connected: number;
  /** Connections the fleet holds. */
  links: number;
  /** PUBLISH packets handed to MQTT (duplicates included). */
  published: number;
  /** …of which the broker acknowledged (PUBACK). */
  acked: number;
  /** Handed to MQTT but not acknowledged yet (at most each link's window). */
  inFlight: number;
  /** Waiting in the links' backlogs for window room or for their link to connect. */
  queued: number;
  /** Messages never sent (fault), duplicates sent, messages held back (fault). */
  lost: number;
  duplicated: number;
  late: number;
  /** Never sent: droppedHeartbeats + droppedEvents + late or start-up messages still held at stop. */
  dropped: number;
  /** Heartbeats dropped for room in a full backlog (the first to go), or still queued at stop. */
  droppedHeartbeats: number;
  /** Events (occupancy, camera, gate) dropped from a backlog full of events, or still queued at stop. */
  droppedEvents: number;
  /**
   * The start-up state report: its messages, how many still wait for their turn in the ramp, the
   * ramp's length, and messages devices said meanwhile, held until their report has gone.
   */
  startup: { messages: number; pending: number; rampSeconds: number; heldBehind: number };
  /** MQTT errors seen (refused connects, failed publishes). */
  errors: number;
  /** Messages a dead device did not send; reports a stuck sensor sent with its stuck value. */
  silenced: number;
  stuckReports: number;
  /** Devices drawn stuck / dead (incl. sensors whose battery ran out). */
  stuckDevices: number;
  deadDevices: number;
  /** Connections dropped by reconnect storms, and the storms so far. */
  stormDrops: number;
  storms: number;
  /** Bay-sensor batteries in volts (min, mean) and how many are low (< 2.9 V). */
  battery: { min: number; mean: number; low: number };
  /** Cars that arrived and parked since start (not those placed by initialOccupancy). */
  arrivals: number;
  /** Cars that left their bay, including those placed at start. */
  departures: number;
  /** Cars that found their lot full. */
  turnedAway: number;
  /** Bays occupied now (truth). */
  occupied: number;
}
export interface Fleet {
  truth(): Truth;
  /** The most recent completed stays: the true plate, lot, bay and times of each car that left. */
  stays(): TrueStay[];
  stats(): FleetStats;
  /** The simulated clock. */
  simulatedTime(): Date;
  /** Stop the city and disconnect every device; resolves when all connections are closed. */
  stop(): Promise<void>;
}

const TICK_MS = 100;
// After a long event-loop stall the city catches up at most this much real time in one step.
const MAX_STEP_MS = SECOND;
// Flow control, as real devices do it: a link has at most a window of QoS 1 messages awaiting
// PUBACK. The sender keeps each until acknowledged [MQTT-4.3.2-1]; a small window bounds that
// store and lets a slow broker push back (MQTT 5 names it Receive Maximum, §4.9 Flow Control).
// A gateway multiplexes hundreds of children, so it gets more.
const WINDOW_PER_GATEWAY = 100;
const WINDOW_PER_DEVICE = 10;
// Behind the window a bounded backlog, sized like the device's memory: a sensor's RAM holds a
// hundred reports, a camera's local storage more (a garage's gates see every parked car enter when
// the fleet switches on), a gateway ~20 per child. Full: heartbeats go first (see transport.ts).
// These bound the simulator's memory when the broker is away: ~1 GB worst case for Zhengzhou.
const BACKLOG_PER_SENSOR = 100;
const BACKLOG_PER_CAMERA = 500;
const BACKLOG_PER_GATEWAY = 5_000;
// The start-up report's default pace: below the 5–7k msg/s the embedded platform stores on
// 2 cores, so the live city and heartbeats still get through while it is sent.
const STARTUP_REPORTS_PER_SECOND = 4_000;
const MAX_AUTO_RAMP_SECONDS = 300;
// …and never more of the fleet's messages queued or in flight than this while it is sent (~2 s of
// what the platform stores), so the report waits for the platform instead of bloating its queues.
const STARTUP_MAX_OUTSTANDING = 10_000;
const BATTERY_CUTOFF_V = 2.2;
const LOW_BATTERY_V = 2.9;

const enum Health { Ok = 0, Stuck = 1, Dead = 2 }
interface Held { payload: string; kind: MessageKind; turn: boolean }

interface DeviceRuntime {
  id: string;
  kind: FleetDevice['kind'];
  /** Its position in the fleet's device list. */
  index: number;
  /** Index of the link (connection) it publishes over. */
  link: number;
  /** Its events topic, built once. */
  topic: string;
  /**
   * Messages held until this device's turns in the start-up ramp: its start-up report (turn: true)
   * first, then anything it said meanwhile (sent with its last turn, so its seqs stay in order).
   */
  ramp?: Held[];
  seq: number;
  /** Volts; bay sensors only (cameras are mains powered). */
  battery?: number;
  /** °C offset of this device from ambient (shade, sun, housing heat). */
  warmth: number;
  indoor: boolean;
  /** This device's clock error in ms, added to every ts. */
  skewMs: number;
  health: Health;
  /** Has sent its first message (stuck and dead faults set in after it). */
  started: boolean;
  /** The value a stuck sensor keeps reporting. */
  stuckValue: boolean | null;
}

/** Publish one message as `deviceId` (QoS 1, not retained); resolves on PUBACK. */
export async function publishOnce(client: import('mqtt').MqttClient, deviceId: string, message: DeviceMessage): Promise<void> {
  await client.publishAsync(eventsTopic(deviceId), JSON.stringify(message), { qos: 1, retain: false });
}

function checkOptions(o: FleetOptions): void {
  const prob = (name: string, v: number | undefined) => {
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`fleet: ${name} must be a probability between 0 and 1, got ${v}`);
  };
  if (!(o.speed > 0 && Number.isFinite(o.speed))) throw new RangeError(`fleet: speed must be a positive number, got ${o.speed}`);
  if (o.heartbeatSeconds !== undefined && !(o.heartbeatSeconds > 0)) throw new RangeError(`fleet: heartbeatSeconds must be positive, got ${o.heartbeatSeconds}`);
  if (o.startupRampSeconds !== undefined && !(o.startupRampSeconds >= 0 && Number.isFinite(o.startupRampSeconds))) throw new RangeError(`fleet: startupRampSeconds must be ≥ 0, got ${o.startupRampSeconds}`);
  if (o.mode !== undefined && o.mode !== 'per-device' && o.mode !== 'gateway') throw new RangeError(`fleet: mode must be 'per-device' or 'gateway', got ${String(o.mode)}`);
  prob('initialOccupancy', o.initialOccupancy);
  const f = o.faults ?? {};
  for (const k of ['loss', 'duplicate', 'late', 'misread', 'stuck', 'dead'] as const) prob(`faults.${k}`, f[k]);
  const ls = f.lateSeconds;
  if (ls && !(ls[0] >= 0 && ls[1] >= ls[0])) throw new RangeError(`fleet: faults.lateSeconds must be [min, max] with 0 ≤ min ≤ max`);
  if (f.clockSkewSeconds !== undefined && !(f.clockSkewSeconds >= 0 && Number.isFinite(f.clockSkewSeconds))) throw new RangeError(`fleet: faults.clockSkewSeconds must be ≥ 0, got ${f.clockSkewSeconds}`);
  if (f.batteryDrainPerDay !== undefined && !(f.batteryDrainPerDay >= 0)) throw new RangeError(`fleet: faults.batteryDrainPerDay must be ≥ 0, got ${f.batteryDrainPerDay}`);
  const rs = f.reconnectStorm;
  if (rs && !(rs.everySeconds > 0 && rs.share >= 0 && rs.share <= 1)) throw new RangeError('fleet: faults.reconnectStorm needs everySeconds > 0 and share between 0 and 1');
}

/**
 * A hashed timing wheel of integer ids: schedule(due, id) and drain(now) cost O(1) per id, so
 * heartbeats for 250,000 devices need no per-tick scan. Ids must be due within `horizonMs`.
 */
export class TimeWheel {
  private readonly slots: number[][];
  private cursor: number; // start time of the next slot to drain
  constructor(private readonly slotMs: number, horizonMs: number, start: number) {
    this.slots = Array.from({ length: Math.ceil(horizonMs / slotMs) + 2 }, () => []);
    this.cursor = Math.floor(start / slotMs) * slotMs;
  }
  schedule(due: number, id: number): void {
    // Never into a slot already drained: those ids would wait a whole turn.
    const at = Math.max(due, this.cursor);
    this.slots[Math.floor(at / this.slotMs) % this.slots.length].push(id);
  }
  /** Call `fn` for every id due at or before `now`, each once. */
  drain(now: number, fn: (id: number, due: number) => void): void {
    while (this.cursor <= now) {
      const i = Math.floor(this.cursor / this.slotMs) % this.slots.length;
      const due = this.cursor;
      const ids = this.slots[i];
      this.slots[i] = [];
      this.cursor += this.slotMs;
      for (const id of ids) fn(id, due);
    }
  }
}

/** Air temperature in Zhengzhou at a local hour: a daily swing peaking mid-afternoon. */
const ambientAt = (t: Date) => 15 + 6 * Math.sin((2 * Math.PI * (shanghaiHour(t) - 9)) / 24);

/** How devices map onto connections in each mode. Exported for tests. */
export function planLinks(devices: FleetDevice[], mode: FleetMode): { links: LinkSpec[]; linkOf: Map<string, number>; gateways: number; viaGateway: number } {
  const links: LinkSpec[] = [];
  const linkOf = new Map<string, number>();
  const own = (d: FleetDevice) => {
    linkOf.set(d.id, links.length);
    links.push({ id: d.id, secret: d.secret, window: WINDOW_PER_DEVICE, maxBacklog: d.kind === 'bay-sensor' ? BACKLOG_PER_SENSOR : BACKLOG_PER_CAMERA });
  };
  if (mode === 'per-device') {
    for (const d of devices) if (d.kind !== 'gateway') own(d);
    return { links, linkOf, gateways: 0, viaGateway: 0 };
  }
  const gateways = devices.filter((d) => d.kind === 'gateway');
  if (!gateways.length) {
    throw new Error('fleet: gateway mode needs gateway devices, and these credentials have none (no device of kind "gateway" with children naming it in gatewayId). ' +
      'Generate the city with gateways (npm run city -- --gateways N) or use mode per-device.');
  }
  for (const g of gateways) own(g);
  let viaGateway = 0;
  for (const d of devices) {
    if (d.kind === 'gateway') continue;
    const via = d.gatewayId ? linkOf.get(d.gatewayId) : undefined;
    if (via === undefined) own(d);
    else {
      linkOf.set(d.id, via);
      viaGateway += 1;
    }
  }
  if (!viaGateway) throw new Error(`fleet: gateway mode: ${gateways.length} gateway(s) in the credentials but no device names one in gatewayId, so there is nothing to publish through them`);
  for (const g of gateways) Object.assign(links[linkOf.get(g.id)!], { window: WINDOW_PER_GATEWAY, maxBacklog: BACKLOG_PER_GATEWAY });
  return { links, linkOf, gateways: gateways.length, viaGateway };
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  checkOptions(opts);
  const log = opts.log ?? (() => {});
  const faults = opts.faults ?? {};
  const mode = opts.mode ?? 'per-device';
  const [lateMin, lateMax] = faults.lateSeconds ?? [1, 30];
  const heartbeatMs = (opts.heartbeatSeconds ?? 60) * SECOND;
  const seed = opts.seed ?? 1;
  // Separate streams, so turning a fault on does not change which cars arrive when.
  const cityRng = seededRandom(seed);
  const faultRng = seededRandom(seed ^ 0x5eed);
  const deviceRng = seededRandom(seed ^ 0xdec1ce);
  const healthRng = seededRandom(seed ^ 0xdead);

  const realStart = Date.now();
  const stamp = opts.timestamps === 'simulated' ? (simMs: number) => new Date(simMs) : () => new Date();
  const lotKind = new Map(opts.lots.map((l) => [l.id, l.kind]));
  const counters = { lost: 0, duplicated: 0, late: 0, dropped: 0, silenced: 0, stuckReports: 0, stuckDevices: 0, deadDevices: 0, storms: 0 };
  const late = new EventQueue(); // held-back messages, by real due time
  let stopping = false;

  const plan = planLinks(opts.devices, mode);
  if (mode === 'gateway') log(`fleet: gateway mode: ${plan.viaGateway} devices through ${plan.gateways} gateways, ${plan.links.length - plan.gateways} connecting themselves`);
  const links = new Links({ mqttUrl: opts.mqttUrl, links: plan.links, concurrency: opts.connectConcurrency ?? 50, rng: deviceRng, log });

  const devs: DeviceRuntime[] = [];
  const index = new Map<string, number>();
  const skewMs = (faults.clockSkewSeconds ?? 0) * SECOND;
  for (const cred of opts.devices) {
    const link = plan.linkOf.get(cred.id);
    if (link === undefined) continue; // a gateway in per-device mode
    const sensor = cred.kind === 'bay-sensor';
    const draw = healthRng();
    const health = cred.kind === 'gateway' ? Health.Ok
      : draw < (faults.dead ?? 0) ? Health.Dead
      : sensor && draw < (faults.dead ?? 0) + (faults.stuck ?? 0) ? Health.Stuck : Health.Ok;
    if (health === Health.Dead) counters.deadDevices += 1;
    if (health === Health.Stuck) counters.stuckDevices += 1;
    index.set(cred.id, devs.length);
    devs.push({
      id: cred.id, kind: cred.kind, index: devs.length, link, topic: eventsTopic(cred.id),
      // seq starts at the wall clock so a restarted simulator never reuses one.
      seq: realStart,
      // Most sensors are fairly new lithium cells; one in ten is nearing the end of its life.
      battery: sensor ? (deviceRng() < 0.1 ? 2.6 + 0.4 * deviceRng() : 3.3 + 0.35 * deviceRng()) : undefined,
      warmth: (sensor ? 0 : 8) + 4 * (deviceRng() - 0.5),
      indoor: lotKind.get(cred.lotId) === 'garage' && sensor,
      skewMs: skewMs ? Math.round((2 * healthRng() - 1) * skewMs) : 0,
      health, started: false, stuckValue: null,
    });
  }

  function drainBattery(dev: DeviceRuntime, volts: number): void {
    if (dev.battery === undefined) return;
    dev.battery = Math.max(2, dev.battery - volts);
    // Only when battery decline is switched on as a fault: the demo must not lose sensors overnight.
    if (faults.batteryDrainPerDay && dev.battery <= BATTERY_CUTOFF_V && dev.health !== Health.Dead) {
      if (dev.health === Health.Stuck) counters.stuckDevices -= 1;
      dev.health = Health.Dead;
      counters.deadDevices += 1;
    }
  }

  // The start-up report: while the city is populated, messages are held per device (in order)
  // and each gets a turn in a shuffled city-wide order, released evenly over the ramp.
  let capturing = false;
  const rampTurns: number[] = []; // device index per held message
  let rampReleased = 0; // turns taken
  let rampLeft = 0; // start-up report messages not yet sent
  let heldLive = 0; // messages devices sent before their start-up report went
  let rampStart = 0;
  let rampMs = 0;

  function transmit(dev: DeviceRuntime, payload: string, kind: MessageKind): void {
    if (stopping) counters.dropped += 1;
    else if (capturing) {
      (dev.ramp ??= []).push({ payload, kind, turn: true });
      rampTurns.push(dev.index);
      rampLeft += 1;
    } else if (dev.ramp) {
      // A device whose start-up report has not gone yet waits for its turn (switched on later).
      dev.ramp.push({ payload, kind, turn: false });
      heldLive += 1;
    } else links.send(dev.link, dev.topic, payload, kind);
  }
  function releaseRamp(now: number): void {
    const due = rampMs > 0 ? Math.min(rampTurns.length, Math.floor((rampTurns.length * (now - rampStart)) / rampMs)) : rampTurns.length;
    // The ramp is a pace, not a promise: if the platform acknowledges more slowly, the report waits
    // here rather than in every link's queue, where live events would wait behind it.
    let room = STARTUP_MAX_OUTSTANDING - links.queued() - links.inFlight();
    while (rampReleased < due && room > 0) {
      const dev = devs[rampTurns[rampReleased++]];
      const held = dev.ramp!;
      const first = held.shift()!; // turns come first, and each device has one turn per report message
      rampLeft -= 1;
      room -= 1;
      links.send(dev.link, dev.topic, first.payload, first.kind);
      if (held.length && held[0].turn) continue;
      // Its last turn: what it said meanwhile follows, in order.
      for (const h of held) links.send(dev.link, dev.topic, h.payload, h.kind);
      heldLive -= held.length;
      room -= held.length;
      dev.ramp = undefined;
    }
    if (rampReleased === rampTurns.length && rampTurns.length) rampTurns.length = 0;
  }

  function send(deviceId: string, body: MessageBody, eventTime: Date): void {
    const i = index.get(deviceId);
    if (i === undefined || stopping) return;
    const dev = devs[i];
    if (dev.health === Health.Dead && dev.started) {
      counters.silenced += 1;
      return;
    }
    let b = body;
    if (b.type === 'occupancy') {
      if (dev.health === Health.Stuck) {
        if (dev.stuckValue === null) dev.stuckValue = b.occupied;
        else if (dev.stuckValue !== b.occupied) {
          counters.stuckReports += 1;
          b = { ...b, occupied: dev.stuckValue };
        }
      }
      if (dev.battery !== undefined) {
        drainBattery(dev, 0.00005); // each radio report costs a little charge
        b = { ...b, battery: Math.round(dev.battery * 1000) / 1000 };
      }
    }
    dev.started = true;
    if ((b.type === 'bay' || b.type === 'gate') && b.plate && faultRng() < (faults.misread ?? 0)) {
      b = { ...b, plate: misread(b.plate, faultRng) };
    }
    const ts = dev.skewMs ? new Date(eventTime.getTime() + dev.skewMs) : eventTime;
    const message = { ...b, seq: dev.seq++, ts: ts.toISOString() } as DeviceMessage;
    if (faultRng() < (faults.loss ?? 0)) {
      counters.lost += 1;
      return;
    }
    const payload = JSON.stringify(message);
    const kind: MessageKind = b.type === 'heartbeat' ? 'heartbeat' : 'event';
    if (faultRng() < (faults.late ?? 0)) {
      counters.late += 1;
      late.push(Date.now() + (lateMin + (lateMax - lateMin) * faultRng()) * SECOND, () => transmit(dev, payload, kind));
      return;
    }
    transmit(dev, payload, kind);
    if (faultRng() < (faults.duplicate ?? 0)) {
      counters.duplicated += 1;
      transmit(dev, payload, kind);
    }
  }

  const city = createCitySim({
    lots: opts.lots, devices: opts.devices, start: opts.startTime ?? new Date(realStart), rng: cityRng, stamp, emit: send, maxStays: opts.maxStays,
  });

  // Heartbeats on a fixed real-time interval, spread over the period so the fleet does not beat in unison.
  // Scheduled once the links are open: connecting a city takes tens of seconds, and beats due
  // meanwhile would all go at the first tick (a burst the spreading is there to prevent).
  let wheel!: TimeWheel;
  const drainPerBeat = ((faults.batteryDrainPerDay ?? 0) * heartbeatMs * opts.speed) / DAY;
  function heartbeat(i: number, due: number, now: number): void {
    // After a stall, skip missed beats rather than sending a burst.
    wheel.schedule(due + heartbeatMs > now ? due + heartbeatMs : now + heartbeatMs, i);
    const dev = devs[i];
    // Not switched on yet (its start-up report waits for its turn in the ramp): nothing to beat.
    if (dev.ramp) return;
    const simNow = city.now();
    if (dev.battery !== undefined) drainBattery(dev, 0.0001 + drainPerBeat);
    const air = dev.indoor ? 18 : ambientAt(simNow);
    const temperature = Math.round((air + dev.warmth + 0.5 * normal(deviceRng)) * 10) / 10;
    const body: MessageBody = dev.battery !== undefined
      ? { type: 'heartbeat', battery: Math.round(dev.battery * 1000) / 1000, temperature }
      : { type: 'heartbeat', temperature };
    send(dev.id, body, stamp(simNow.getTime()));
  }

  // Start-up ramp: connect with limited concurrency so thousands of links don't storm the broker.
  await links.open();
  const beatsFrom = Date.now();
  wheel = new TimeWheel(TICK_MS, heartbeatMs, beatsFrom);
  for (let i = 0; i < devs.length; i++) wheel.schedule(beatsFrom + deviceRng() * heartbeatMs, i);
  log(`fleet: ${links.stats.connected}/${links.size} ${mode === 'gateway' ? 'connections (gateways and ungrouped devices)' : 'devices'} connected to ${opts.mqttUrl}`);

  const startup = { messages: 0, rampSeconds: 0 };
  if (opts.initialOccupancy !== undefined) {
    capturing = true;
    try { city.populate(opts.initialOccupancy); } finally { capturing = false; }
    shuffle(rampTurns, seededRandom(seed ^ 0x7a3b));
    rampMs = (opts.startupRampSeconds ?? Math.min(MAX_AUTO_RAMP_SECONDS, rampTurns.length / STARTUP_REPORTS_PER_SECOND)) * SECOND;
    rampStart = Date.now();
    startup.messages = rampTurns.length;
    startup.rampSeconds = rampMs / SECOND;
    log(`fleet: start-up report of ${rampTurns.length} message(s) spread over ${startup.rampSeconds.toFixed(1)} s`);
    releaseRamp(rampStart);
  }

  let lastReal = Date.now();
  let simMs = city.now().getTime();
  const storm = faults.reconnectStorm;
  let nextStorm = storm && storm.share > 0 ? lastReal + storm.everySeconds * SECOND : Infinity;
  const timer = setInterval(() => {
    try {
      const now = Date.now();
      simMs += Math.min(MAX_STEP_MS, now - lastReal) * opts.speed;
      lastReal = now;
      if (rampTurns.length) releaseRamp(now);
      city.advanceTo(simMs);
      wheel.drain(now, (i, due) => heartbeat(i, due, now));
      while (late.nextAt() <= now) late.runNext();
      if (now >= nextStorm) {
        nextStorm = now + storm!.everySeconds * SECOND;
        counters.storms += 1;
        log(`fleet: reconnect storm #${counters.storms}: dropped ${links.storm(storm!.share, faultRng)} connection(s)`);
      }
    } catch (err) {
      log(`fleet: tick failed: ${(err as Error).stack ?? err}`);
    }
  }, TICK_MS);

  function battery(): FleetStats['battery'] {
    let min = Infinity;
    let sum = 0;
    let n = 0;
    let low = 0;
    for (const d of devs) {
      if (d.battery === undefined) continue;
      n += 1;
      sum += d.battery;
      if (d.battery < min) min = d.battery;
      if (d.battery < LOW_BATTERY_V) low += 1;
    }
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return n ? { min: r(min), mean: r(sum / n), low } : { min: 0, mean: 0, low: 0 };
  }

  function truth(): Truth {
    const t = city.truth();
    for (const b of t.bays.values()) {
      const i = b.sensor === undefined ? undefined : index.get(b.sensor);
      const h = i === undefined ? Health.Ok : devs[i].health;
      if (h === Health.Stuck) b.sensorFault = 'stuck';
      else if (h === Health.Dead) b.sensorFault = 'dead';
    }
    return t;
  }

  let stopped: Promise<void> | null = null;
  async function stop(): Promise<void> {
    clearInterval(timer);
    stopping = true;
    if (late.size) {
      log(`fleet: dropping ${late.size} late message(s) still held back`);
      counters.dropped += late.size;
      late.clear();
    }
    if (rampLeft) {
      log(`fleet: dropping ${rampLeft} start-up report message(s) whose turn had not come, and ${heldLive} held behind them`);
      counters.dropped += rampLeft + heldLive;
      for (const d of devs) d.ramp = undefined;
      rampLeft = heldLive = 0;
      rampTurns.length = 0;
    }
    await links.close();
    log(`fleet: stopped; ${links.stats.published} published, ${links.stats.acked} acknowledged`);
  }

  return {
    truth,
    stays: () => city.stays(),
    stats: () => {
      const l = links.stats;
      return {
        connected: l.connected, links: links.size, published: l.published, acked: l.acked, inFlight: links.inFlight(), queued: links.queued(),
        ...counters, dropped: counters.dropped + l.dropped, droppedHeartbeats: l.droppedHeartbeats, droppedEvents: l.droppedEvents, errors: l.errors, stormDrops: l.stormDrops,
        startup: { ...startup, pending: rampLeft, heldBehind: heldLive },
        battery: battery(), ...city.counts(),
      };
    },
    simulatedTime: () => city.now(),
    stop: () => (stopped ??= stop()),
  };
}

// ---------------------------------------------------------------------------------------------
// Lots for a city known only from its credentials (and, when available, the platform's lot list).
// ---------------------------------------------------------------------------------------------

// Relative demand by what a garage serves, as seed/city-generator.ts names them (hospitals
// and stations are busiest, parks quietest); on-street segments average ~1.1.
const DEMAND_BY_NAME: Array<[RegExp, number]> = [
  [/hospital|医院/i, 1.8], [/station|metro|地铁|站/i, 1.6], [/shopping|plaza|mall|wanda|mart|购物|广场/i, 1.5], [/market|市场/i, 1.3],
  [/office|写字楼/i, 1.2], [/hotel|酒店/i, 1.0], [/residential|小区/i, 0.9], [/school|学校/i, 0.9], [/park|公园/i, 0.8],
];
export function demandFromName(kind: LotKind, name: string): number {
  if (kind === 'street') return 1.1;
  for (const [re, d] of DEMAND_BY_NAME) if (re.test(name)) return d;
  return 1;
}

/**
 * The fleet's lots for `devices`: from `known` (e.g. the platform's lots table, demand guessed
 * from the name) when given, else inferred from the devices themselves (a lot with gate cameras
 * is a garage; capacity = its bays with sensors; demand 1).
 */
export function lotsForDevices(devices: readonly FleetDevice[], known?: ReadonlyArray<{ id: string; kind: LotKind; capacity: number; name?: string }>): FleetLot[] {
  if (known) return known.map((l) => ({ id: l.id, kind: l.kind, capacity: l.capacity, demand: demandFromName(l.kind, l.name ?? '') }));
  const lots = new Map<string, { garage: boolean; bays: Set<string> }>();
  for (const d of devices) {
    if (!d.lotId) continue;
    let l = lots.get(d.lotId);
    if (!l) lots.set(d.lotId, (l = { garage: false, bays: new Set() }));
    if (d.kind === 'gate-camera') l.garage = true;
    if (d.kind === 'bay-sensor' && d.bayCode) l.bays.add(d.bayCode);
  }
  return [...lots].map(([id, l]) => ({ id, kind: l.garage ? 'garage' : 'street', capacity: l.bays.size, demand: 1 }));
}
