// The device fleet: a city's devices (devices.ts) reporting the city model (city-sim.ts) over MQTT
// the way real ones do, faults included. startFleet connects the links (one per device, or one per
// gateway), sends the start-up report (startup-ramp.ts), then runs the city in real time: a tick
// whose work is O(events due), heartbeats on a timing wheel, reconnect storms. The fleet keeps the
// ground truth so tests and demos can compare the platform's view with what really happened.
import type { DeviceCredential } from '../seed/city-loader.ts';
import { seededRandom } from '../seed/demo-city.ts';
import { createCitySim, type CitySim, type FleetLot, type TrueStay, type Truth } from './city-sim.ts';
import type { LotKind, Rng } from './demand.ts';
import { checkFaults, checkProbability, Devices, type DeviceFault, type FleetFaults } from './devices.ts';
import { TimeWheel } from './schedulers.ts';
import { StartupRamp } from './startup-ramp.ts';
import { ReportLog } from './report-log.ts';
import { Links, type LinkSpec } from './transport.ts';

// What the fleet's users see of the model and the devices.
export type { BayTruth, FleetLot, TrueStay, Truth } from './city-sim.ts';
export type { DeviceFault, FleetFaults } from './devices.ts';

const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;
const TICK_MS = 100;
// After a long event-loop stall the city catches up at most this much real time in one step.
const MAX_STEP_MS = SECOND;

export type FleetMode = 'per-device' | 'gateway';
/** A device credential as the city loader writes it; `gatewayId` when it reports through a gateway. */
export type FleetDevice = DeviceCredential & { gatewayId?: string };

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
   * of the fleet's messages queued or in flight, so a slow platform stretches the ramp (see
   * startup-ramp.ts).
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
  /**
   * Told when a message held back (a late one, or one held for its device's turn in the start-up
   * ramp) is finally sent, with its event time and the bay it tells of (none for a gate's count):
   * bench:city measures its latency from then.
   */
  onLateSent?: (eventTs: string, bay: string | undefined) => void;
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
  /** Plate reads the cameras got wrong (faults.misread). */
  misreads: number;
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
  /** Published and never acknowledged when the fleet stopped (transport.ts LinkStats.unackedAtClose). */
  unackedAtClose: number;
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
  /**
   * The most recent completed stays: the true plate, lot, bay and times of each car that left, and
   * whether the fleet published their reports (`unreported`; reports in flight count as unsent).
   */
  stays(): TrueStay[];
  stats(): FleetStats;
  /** Every faulty device and when its fault first showed (ground truth for detection delay). */
  faults(): DeviceFault[];
  /** The most messages ever waiting in backlogs at once (stats().queued is now). */
  queuedPeak(): number;
  /** The simulated clock. */
  simulatedTime(): Date;
  /** Stop the city and disconnect every device; resolves when all connections are closed. */
  stop(): Promise<void>;
}

function checkOptions(o: FleetOptions): void {
  if (!(o.speed > 0 && Number.isFinite(o.speed))) throw new RangeError(`fleet: speed must be a positive number, got ${o.speed}`);
  if (o.heartbeatSeconds !== undefined && !(o.heartbeatSeconds > 0)) throw new RangeError(`fleet: heartbeatSeconds must be positive, got ${o.heartbeatSeconds}`);
  if (o.startupRampSeconds !== undefined && !(o.startupRampSeconds >= 0 && Number.isFinite(o.startupRampSeconds))) throw new RangeError(`fleet: startupRampSeconds must be ≥ 0, got ${o.startupRampSeconds}`);
  if (o.mode !== undefined && o.mode !== 'per-device' && o.mode !== 'gateway') throw new RangeError(`fleet: mode must be 'per-device' or 'gateway', got ${String(o.mode)}`);
  checkProbability('initialOccupancy', o.initialOccupancy);
  checkFaults(o.faults ?? {});
}

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
  const run = new FleetRun(opts);
  await run.start();
  return {
    truth: () => run.truth(),
    stays: () => run.reports.mark(run.city.stays()),
    stats: () => run.stats(),
    faults: () => run.faults(),
    queuedPeak: () => run.queuedPeak(),
    simulatedTime: () => run.city.now(),
    stop: () => run.stop(),
  };
}

/** One running fleet: the city, its devices and their links, and the real-time clock that drives them. */
class FleetRun {
  readonly city: CitySim;
  private readonly log: (m: string) => void;
  private readonly seed: number;
  private readonly rng: { city: Rng; fault: Rng; device: Rng; health: Rng };
  private readonly stamp: (simMs: number) => Date;
  private readonly heartbeatMs: number;
  private readonly links: Links;
  private readonly devices: Devices;
  private readonly ramp: StartupRamp;
  private wheel!: TimeWheel;
  private timer?: ReturnType<typeof setInterval>;
  private lastReal = 0;
  private simMs = 0;
  private nextStorm = Infinity;
  private storms = 0;
  private stopped: Promise<void> | null = null;
  /** Reports of stays not handed to MQTT (yet). */
  readonly reports = new ReportLog((sensorId) => this.city.carAtSensor(sensorId));

  constructor(private readonly opts: FleetOptions) {
    this.log = opts.log ?? (() => {});
    this.heartbeatMs = (opts.heartbeatSeconds ?? 60) * SECOND;
    this.seed = opts.seed ?? 1;
    // Separate streams, so turning a fault on does not change which cars arrive when.
    this.rng = { city: seededRandom(this.seed), fault: seededRandom(this.seed ^ 0x5eed), device: seededRandom(this.seed ^ 0xdec1ce), health: seededRandom(this.seed ^ 0xdead) };
    const realStart = Date.now();
    this.stamp = opts.timestamps === 'simulated' ? (simMs: number) => new Date(simMs) : () => new Date();

    const mode = opts.mode ?? 'per-device';
    const plan = planLinks(opts.devices, mode);
    if (mode === 'gateway') this.log(`fleet: gateway mode: ${plan.viaGateway} devices through ${plan.gateways} gateways, ${plan.links.length - plan.gateways} connecting themselves`);
    this.links = new Links({ mqttUrl: opts.mqttUrl, links: plan.links, concurrency: opts.connectConcurrency ?? 50, rng: this.rng.device, log: this.log });
    const faults = opts.faults ?? {};
    this.devices = new Devices({
      credentials: opts.devices, linkOf: plan.linkOf, lots: opts.lots, faults, rng: this.rng, firstSeq: realStart,
      simNow: () => this.city.now(), seed: this.seed,
      drainPerBeat: ((faults.batteryDrainPerDay ?? 0) * this.heartbeatMs * opts.speed) / DAY,
      transmit: (dev, payload, kind, sent) => this.ramp.transmit(dev, payload, kind, sent), onLateSent: opts.onLateSent,
      noteReport: (deviceId, body, eventTime) => this.reports.note(deviceId, body, eventTime),
      eventNow: () => this.stamp(this.city.now().getTime()).getTime(),
    });
    // A message held for its device's turn is, like a late one, measured from when it went.
    const heldSent = opts.onLateSent;
    this.ramp = new StartupRamp(this.links, this.devices.all, this.log, heldSent && ((dev, payload) => {
      const ts = /"ts":"([^"]+)"/.exec(payload)?.[1];
      if (ts) heldSent(ts, /"bay":"([^"]+)"/.exec(payload)?.[1] ?? dev.bayCode);
    }));
    this.city = createCitySim({
      lots: opts.lots, devices: opts.devices, start: opts.startTime ?? new Date(realStart), rng: this.rng.city, stamp: this.stamp,
      emit: (deviceId, body, eventTime) => this.devices.send(deviceId, body, eventTime), maxStays: opts.maxStays,
    });
  }

  async start(): Promise<void> {
    // Start-up ramp: connect with limited concurrency so thousands of links don't storm the broker.
    await this.links.open();
    this.scheduleHeartbeats();
    this.log(`fleet: ${this.links.stats.connected}/${this.links.size} ${this.opts.mode === 'gateway' ? 'connections (gateways and ungrouped devices)' : 'devices'} connected to ${this.opts.mqttUrl}`);
    const occupancy = this.opts.initialOccupancy;
    if (occupancy !== undefined) this.ramp.begin(() => this.city.populate(occupancy), this.opts.startupRampSeconds, seededRandom(this.seed ^ 0x7a3b));
    this.lastReal = Date.now();
    this.simMs = this.city.now().getTime();
    const storm = this.opts.faults?.reconnectStorm;
    if (storm && storm.share > 0) this.nextStorm = this.lastReal + storm.everySeconds * SECOND;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  // Heartbeats on a fixed real-time interval, spread over the period so the fleet does not beat in unison.
  // Scheduled once the links are open: connecting a city takes tens of seconds, and beats due
  // meanwhile would all go at the first tick (a burst the spreading is there to prevent).
  private scheduleHeartbeats(): void {
    const beatsFrom = Date.now();
    this.wheel = new TimeWheel(TICK_MS, this.heartbeatMs, beatsFrom);
    for (let i = 0; i < this.devices.size; i++) this.wheel.schedule(beatsFrom + this.rng.device() * this.heartbeatMs, i);
  }

  private heartbeat(i: number, due: number, now: number): void {
    // After a stall, skip missed beats rather than sending a burst.
    this.wheel.schedule(due + this.heartbeatMs > now ? due + this.heartbeatMs : now + this.heartbeatMs, i);
    // Not switched on yet (its start-up report waits for its turn in the ramp): nothing to beat.
    if (this.ramp.holds(i)) return;
    this.devices.heartbeat(i, this.city.now(), this.stamp);
  }

  private tick(): void {
    try {
      const now = Date.now();
      this.simMs += Math.min(MAX_STEP_MS, now - this.lastReal) * this.opts.speed;
      this.lastReal = now;
      if (this.ramp.releasing) this.ramp.release(now);
      this.city.advanceTo(this.simMs);
      this.wheel.drain(now, (i, due) => this.heartbeat(i, due, now));
      this.devices.releaseLate(now);
      if (now >= this.nextStorm) this.reconnectStorm(now);
    } catch (err) {
      this.log(`fleet: tick failed: ${(err as Error).stack ?? err}`);
    }
  }

  private reconnectStorm(now: number): void {
    const { everySeconds, share } = this.opts.faults!.reconnectStorm!;
    this.nextStorm = now + everySeconds * SECOND;
    this.storms += 1;
    this.log(`fleet: reconnect storm #${this.storms}: dropped ${this.links.storm(share, this.rng.fault)} connection(s)`);
  }

  truth(): Truth {
    return this.devices.markFaults(this.city.truth());
  }

  faults(): DeviceFault[] {
    return this.devices.faults();
  }

  queuedPeak(): number {
    return this.links.queuedPeak();
  }

  stats(): FleetStats {
    const l = this.links.stats;
    const d = this.devices.counts();
    return {
      connected: l.connected, links: this.links.size, published: l.published, acked: l.acked, inFlight: this.links.inFlight(), queued: this.links.queued(),
      misreads: d.misreads, lost: d.lost, duplicated: d.duplicated, late: d.late, dropped: d.dropped + this.ramp.dropped + l.dropped,
      silenced: d.silenced, stuckReports: d.stuckReports, stuckDevices: d.stuckDevices, deadDevices: d.deadDevices, storms: this.storms,
      droppedHeartbeats: l.droppedHeartbeats, droppedEvents: l.droppedEvents, errors: l.errors, stormDrops: l.stormDrops, unackedAtClose: l.unackedAtClose,
      startup: this.ramp.stats(),
      battery: this.devices.battery(), ...this.city.counts(),
    };
  }

  stop(): Promise<void> {
    return (this.stopped ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.timer);
    this.devices.stop(this.log);
    this.ramp.stop();
    await this.links.close();
    this.log(`fleet: stopped; ${this.links.stats.published} published, ${this.links.stats.acked} acknowledged`);
  }
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
