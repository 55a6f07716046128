// The fleet's devices and the faults they inject. Each device keeps its own state — seq, battery,
// temperature offset, clock error, health — and every message the city model emits passes through
// it on its way to the link: a dead device stays silent, a stuck sensor repeats its first value, a
// battery sensor adds its voltage, a camera may misread the plate, the device's clock skews the
// timestamp, and the network may lose, duplicate or delay the message. Each kind of randomness
// has its own seeded stream, so turning a fault on does not change which cars arrive when.
import { eventsTopic, type DeviceMessage } from '../core/protocol.ts';
import type { DeviceCredential } from '../seed/city-loader.ts';
import type { FleetLot, MessageBody, Truth } from './city-sim.ts';
import { normal, shanghaiHour, type Rng } from './demand.ts';
import { conditionsAt, readAs } from './plate-reading.ts';
import { EventQueue } from './schedulers.ts';
import type { RampDevice } from './startup-ramp.ts';
import type { MessageKind } from './transport.ts';

const SECOND = 1000;
const BATTERY_CUTOFF_V = 2.2;
const LOW_BATTERY_V = 2.9;
/** Intermittent radio: the chance a message starts an outage. */
const FLAKY_OUTAGE_START = 0.05;

export interface FleetFaults {
  /** Probability a message is never sent (its seq is still used up, leaving a gap). */
  loss?: number;
  /** Probability a message is sent twice (same seq and ts), as after a lost PUBACK. */
  duplicate?: number;
  /** Probability a message is held back and delivered `lateSeconds` later, out of order. */
  late?: number;
  /** Real-time hold-back range for late messages in seconds; default [1, 30]. */
  lateSeconds?: [number, number];
  /**
   * Average probability a camera misreads the plate (seed/plates.ts misread), higher at night and in
   * rain, with a lower confidence than a right read (simulators/plate-reading.ts, docs/faults.md).
   * Given (> 0), every read's confidence follows the light and the weather; without, cameras read
   * every plate right at 0.85–0.99.
   */
  misread?: number;
  /** Share of bay sensors that stick after their first report: they keep reporting that value. */
  stuck?: number;
  /** Share of devices that die after their first message: nothing more, not even heartbeats. */
  dead?: number;
  /**
   * Share of bay sensors with intermittent radio (a sensor under a parked van, in a garage's
   * basement corner): each message may start an outage (probability 0.05) during which everything
   * it sends is lost, for an exponential time of mean `flakyOutageSeconds` of event time (default 60).
   */
  flaky?: number;
  flakyOutageSeconds?: number;
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

/** Throws a RangeError naming the option when `v` is given and not in [0, 1]. */
export function checkProbability(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`fleet: ${name} must be a probability between 0 and 1, got ${v}`);
}

export function checkFaults(f: FleetFaults): void {
  for (const k of ['loss', 'duplicate', 'late', 'misread', 'stuck', 'dead', 'flaky'] as const) checkProbability(`faults.${k}`, f[k]);
  if (f.flakyOutageSeconds !== undefined && !(f.flakyOutageSeconds > 0)) throw new RangeError(`fleet: faults.flakyOutageSeconds must be > 0, got ${f.flakyOutageSeconds}`);
  const ls = f.lateSeconds;
  if (ls && !(ls[0] >= 0 && ls[1] >= ls[0])) throw new RangeError(`fleet: faults.lateSeconds must be [min, max] with 0 ≤ min ≤ max`);
  if (f.clockSkewSeconds !== undefined && !(f.clockSkewSeconds >= 0 && Number.isFinite(f.clockSkewSeconds))) throw new RangeError(`fleet: faults.clockSkewSeconds must be ≥ 0, got ${f.clockSkewSeconds}`);
  if (f.batteryDrainPerDay !== undefined && !(f.batteryDrainPerDay >= 0)) throw new RangeError(`fleet: faults.batteryDrainPerDay must be ≥ 0, got ${f.batteryDrainPerDay}`);
  const rs = f.reconnectStorm;
  if (rs && !(rs.everySeconds > 0 && rs.share >= 0 && rs.share <= 1)) throw new RangeError('fleet: faults.reconnectStorm needs everySeconds > 0 and share between 0 and 1');
}

const enum Health { Ok = 0, Stuck = 1, Dead = 2 }

interface DeviceRuntime extends RampDevice {
  id: string;
  kind: DeviceCredential['kind'];
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
  /** Any of its messages was handed to MQTT: the platform could have heard of it. */
  heard: boolean;
  /** The value a stuck sensor keeps reporting. */
  stuckValue: boolean | null;
  /** A bay sensor's reading as it last reported it (its heartbeats repeat it); null before its first. */
  reading: boolean | null;
  /** Intermittent radio: messages until this event time (ms) are lost; null for a device with good radio. */
  outageUntil: number | null;
  /**
   * Event time (ms) its fault first showed: a dead device's first heartbeat not sent (or, when its
   * last message went out later than that, held in the start-up ramp or delivered late, the moment
   * it went: silence is judged from the last word heard), a stuck sensor's first wrong report.
   */
  faultSince: number | null;
  /** A dead device: when its last message was handed to MQTT (the fleet's event clock), null before. */
  lastSentAt: number | null;
}

/** A faulty device as the fleet knows it (ground truth for detection delay, simulators/accuracy.ts). */
export interface DeviceFault {
  deviceId: string;
  kind: DeviceCredential['kind'];
  fault: 'dead' | 'stuck' | 'intermittent';
  /** When the fault first showed (event time); null: not yet (a dead device that had nothing more to say, a stuck sensor never contradicted). */
  since: Date | null;
  /** Whether any of its messages was ever published: a device whose every message was lost is one the platform never heard of. */
  heard: boolean;
}

export interface DevicesOptions {
  /** Every credential; those without a link (gateways in per-device mode) are left out. */
  credentials: readonly DeviceCredential[];
  /** The link each device publishes over. */
  linkOf: ReadonlyMap<string, number>;
  lots: readonly FleetLot[];
  faults: FleetFaults;
  /** The device stream (batteries, temperatures) and the two fault streams. */
  rng: { device: Rng; health: Rng; fault: Rng };
  /** Every device's first seq. */
  firstSeq: number;
  /** The simulated clock (a read's light and weather) and the seed of the weather. */
  simNow: () => Date;
  seed: number;
  /** Battery decline per heartbeat from faults.batteryDrainPerDay, volts. */
  drainPerBeat: number;
  /** Where a message that survived the faults goes; `sent` is called once it is handed to MQTT. */
  transmit: (dev: RampDevice, payload: string, kind: MessageKind, sent?: () => void) => void;
  /** Told when a held-back (late) message is finally sent, with its event time and bay if it has one: latency is measured from now. */
  onLateSent?: (eventTs: string, bay: string | undefined) => void;
  /**
   * Told of each message as the device says it (a stuck sensor's stuck word), before the network's
   * faults; what it returns is called when the message is handed to MQTT (report-log.ts: which
   * stays the fleet reported).
   */
  noteReport?: (deviceId: string, body: MessageBody, eventTime: Date) => (() => void) | undefined;
  /** Now on the devices' event clock (epoch ms; default the wall clock): when a held-back report showed its fault to the platform. */
  eventNow?: () => number;
}

/** What the faults did so far (see FleetStats). */
export interface DeviceCounts {
  /** Plate reads a camera got wrong (before the network's faults). */
  misreads: number;
  lost: number;
  duplicated: number;
  late: number;
  /** Late messages still held back at stop. */
  dropped: number;
  silenced: number;
  stuckReports: number;
  stuckDevices: number;
  deadDevices: number;
}

/** Air temperature in Zhengzhou at a local hour: a daily swing peaking mid-afternoon. */
const ambientAt = (t: Date) => 15 + 6 * Math.sin((2 * Math.PI * (shanghaiHour(t) - 9)) / 24);

export class Devices {
  /** Every device with a link, in credentials order (its index). */
  readonly all: readonly RampDevice[];
  private readonly list: DeviceRuntime[] = [];
  private readonly index = new Map<string, number>();
  private readonly tally: DeviceCounts = { misreads: 0, lost: 0, duplicated: 0, late: 0, dropped: 0, silenced: 0, stuckReports: 0, stuckDevices: 0, deadDevices: 0 };
  private readonly late = new EventQueue(); // held-back messages, by real due time
  /** Per bay, the newest event time (ms) of a published word that it is taken, and that it is free. */
  private readonly told = new Map<string, [number, number]>();
  private readonly lateSeconds: [number, number];
  private stopping = false;

  constructor(private readonly o: DevicesOptions) {
    this.lateSeconds = o.faults.lateSeconds ?? [1, 30];
    const lotKind = new Map(o.lots.map((l) => [l.id, l.kind]));
    const skewMs = (o.faults.clockSkewSeconds ?? 0) * SECOND;
    for (const cred of o.credentials) {
      const link = o.linkOf.get(cred.id);
      if (link === undefined) continue; // a gateway in per-device mode
      const dev = this.switchOn(cred, link, lotKind.get(cred.lotId) === 'garage', skewMs);
      this.index.set(cred.id, this.list.length);
      this.list.push(dev);
    }
    this.all = this.list;
  }

  get size(): number {
    return this.list.length;
  }

  /** Send `body` as `deviceId` observed it at `eventTime`, through the device's faults and the network's. */
  send(deviceId: string, body: MessageBody, eventTime: Date): void {
    const i = this.index.get(deviceId);
    if (i === undefined || this.stopping) return;
    const dev = this.list[i];
    if (dev.health === Health.Dead && dev.started) {
      this.tally.silenced += 1;
      // Silent past its heartbeat: from the first beat it did not send.
      if (body.type === 'heartbeat') dev.faultSince ??= Math.max(eventTime.getTime(), dev.lastSentAt ?? -Infinity);
      this.o.noteReport?.(deviceId, body, eventTime); // never to be sent
      return;
    }
    const faultBefore = dev.faultSince;
    const reported = this.asReported(dev, body, eventTime);
    // As the device says it: a stuck sensor's "taken" as a car leaves reports no exit.
    const hooks = [this.o.noteReport?.(deviceId, reported, eventTime), this.telling(dev, reported, eventTime)];
    // A stuck sensor's first wrong report shows its fault to the platform when it is published: held
    // in the start-up ramp or delivered late, that is later than its event time (as event-to-map
    // measures a late message from its publication). Lost, it stays at its event time.
    if (faultBefore === null && dev.faultSince !== null) hooks.push(() => { dev.faultSince = Math.max(dev.faultSince!, this.o.eventNow?.() ?? Date.now()); });
    if (!dev.heard) hooks.push(() => { dev.heard = true; });
    // A dead device's last word may go out after its first missed beat (held back): its silence counts from then.
    if (dev.health === Health.Dead) {
      hooks.push(() => {
        dev.lastSentAt = this.o.eventNow?.() ?? Date.now();
        if (dev.faultSince !== null) dev.faultSince = Math.max(dev.faultSince, dev.lastSentAt);
      });
    }
    dev.started = true;
    const due = hooks.filter((h) => h !== undefined);
    this.overTheAir(dev, reported, eventTime, due.length ? () => { for (const h of due) h(); } : undefined);
  }

  /** Device `i`'s heartbeat at simulated `simNow`: its battery, and a temperature that follows the day. */
  heartbeat(i: number, simNow: Date, stamp: (simMs: number) => Date): void {
    const dev = this.list[i];
    if (dev.battery !== undefined) this.drainBattery(dev, 0.0001 + this.o.drainPerBeat);
    const air = dev.indoor ? 18 : ambientAt(simNow);
    const temperature = Math.round((air + dev.warmth + 0.5 * normal(this.o.rng.device)) * 10) / 10;
    // A bay sensor's heartbeat repeats its reading, as field sensors' keep-alives do.
    const body: MessageBody = dev.battery !== undefined
      ? { type: 'heartbeat', battery: Math.round(dev.battery * 1000) / 1000, temperature, ...(dev.reading === null ? {} : { occupied: dev.reading }) }
      : { type: 'heartbeat', temperature };
    this.send(dev.id, body, stamp(simNow.getTime()));
  }

  /** Deliver the late messages due by real time `now`. */
  releaseLate(now: number): void {
    while (this.late.nextAt() <= now) this.late.runNext();
  }

  /** Send nothing more; late messages still held back are dropped (and counted). */
  stop(log: (m: string) => void): void {
    this.stopping = true;
    if (!this.late.size) return;
    log(`fleet: dropping ${this.late.size} late message(s) still held back`);
    this.tally.dropped += this.late.size;
    this.late.clear();
  }

  /** Marks each bay of `truth` whose sensor is stuck or dead, and lists those whose present state was never published (`unsent`). */
  markFaults(truth: Truth): Truth {
    truth.unsent = new Set();
    for (const [code, b] of truth.bays) {
      const i = b.sensor === undefined ? undefined : this.index.get(b.sensor);
      const h = i === undefined ? Health.Ok : this.list[i].health;
      if (h === Health.Stuck) b.sensorFault = 'stuck';
      else if (h === Health.Dead) b.sensorFault = 'dead';
      const told = this.told.get(code);
      if (!told || told[b.occupied ? 0 : 1] < b.since.getTime()) truth.unsent.add(code);
    }
    return truth;
  }

  /** Every faulty device: what is wrong with it and since when it showed. */
  faults(): DeviceFault[] {
    const out: DeviceFault[] = [];
    for (const d of this.list) {
      const since = d.faultSince === null ? null : new Date(d.faultSince);
      if (d.health !== Health.Ok) out.push({ deviceId: d.id, kind: d.kind, fault: d.health === Health.Dead ? 'dead' : 'stuck', since, heard: d.heard });
      else if (d.outageUntil !== null) out.push({ deviceId: d.id, kind: d.kind, fault: 'intermittent', since, heard: d.heard });
    }
    return out;
  }

  counts(): DeviceCounts {
    return { ...this.tally };
  }

  /** Bay-sensor batteries in volts (min, mean) and how many are low. */
  battery(): { min: number; mean: number; low: number } {
    let min = Infinity;
    let sum = 0;
    let n = 0;
    let low = 0;
    for (const d of this.list) {
      if (d.battery === undefined) continue;
      n += 1;
      sum += d.battery;
      if (d.battery < min) min = d.battery;
      if (d.battery < LOW_BATTERY_V) low += 1;
    }
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return n ? { min: r(min), mean: r(sum / n), low } : { min: 0, mean: 0, low: 0 };
  }

  /** A device's state as it is switched on: its health drawn first, then its battery, warmth and clock. */
  private switchOn(cred: DeviceCredential, link: number, inGarage: boolean, skewMs: number): DeviceRuntime {
    const { faults, rng } = this.o;
    const sensor = cred.kind === 'bay-sensor';
    const draw = rng.health();
    const health = cred.kind === 'gateway' ? Health.Ok
      : draw < (faults.dead ?? 0) ? Health.Dead
      : sensor && draw < (faults.dead ?? 0) + (faults.stuck ?? 0) ? Health.Stuck : Health.Ok;
    if (health === Health.Dead) this.tally.deadDevices += 1;
    if (health === Health.Stuck) this.tally.stuckDevices += 1;
    return {
      id: cred.id, kind: cred.kind, index: this.list.length, link, topic: eventsTopic(cred.id), bayCode: sensor ? cred.bayCode : undefined,
      // seq starts at the wall clock so a restarted simulator never reuses one.
      seq: this.o.firstSeq,
      // Most sensors are fairly new lithium cells; one in ten is nearing the end of its life.
      battery: sensor ? (rng.device() < 0.1 ? 2.6 + 0.4 * rng.device() : 3.3 + 0.35 * rng.device()) : undefined,
      warmth: (sensor ? 0 : 8) + 4 * (rng.device() - 0.5),
      indoor: inGarage && sensor,
      skewMs: skewMs ? Math.round((2 * rng.health() - 1) * skewMs) : 0,
      health, started: false, heard: false, stuckValue: null, reading: null, faultSince: null, lastSentAt: null,
      // Drawn only when the fault is on, so other runs keep their recorded streams.
      outageUntil: faults.flaky && sensor && rng.health() < faults.flaky ? 0 : null,
    };
  }

  /** What the device itself says: a stuck sensor its stuck value, a battery sensor its voltage. */
  private asReported(dev: DeviceRuntime, body: MessageBody, eventTime: Date): MessageBody {
    if (body.type !== 'occupancy') return body;
    let b = body;
    if (dev.health === Health.Stuck) {
      if (dev.stuckValue === null) dev.stuckValue = b.occupied;
      else if (dev.stuckValue !== b.occupied) {
        this.tally.stuckReports += 1;
        dev.faultSince ??= eventTime.getTime();
        b = { ...b, occupied: dev.stuckValue };
      }
    }
    dev.reading = b.occupied;
    if (dev.battery !== undefined) {
      this.drainBattery(dev, 0.00005); // each radio report costs a little charge
      b = { ...b, battery: Math.round(dev.battery * 1000) / 1000 };
    }
    return b;
  }

  /** On its way: the camera's read of the plate (a misread, its confidence), the device's clock in ts, then loss, late delivery or a duplicate. */
  private overTheAir(dev: DeviceRuntime, body: MessageBody, eventTime: Date, sent: (() => void) | undefined): void {
    const { faults, rng, transmit } = this.o;
    let b = body;
    if ((b.type === 'bay' || b.type === 'gate') && b.plate && faults.misread) {
      const r = readAs(b.plate, conditionsAt(this.o.simNow(), this.o.seed), faults.misread, rng.fault);
      if (r.misread) this.tally.misreads += 1;
      b = { ...b, plate: r.plate, confidence: r.confidence };
    }
    const ts = dev.skewMs ? new Date(eventTime.getTime() + dev.skewMs) : eventTime;
    const message = { ...b, seq: dev.seq++, ts: ts.toISOString() } as DeviceMessage;
    if (dev.outageUntil !== null && this.inOutage(dev, eventTime.getTime())) {
      this.tally.lost += 1;
      return;
    }
    if (rng.fault() < (faults.loss ?? 0)) {
      this.tally.lost += 1;
      return;
    }
    const payload = JSON.stringify(message);
    const kind: MessageKind = b.type === 'heartbeat' ? 'heartbeat' : 'event';
    if (rng.fault() < (faults.late ?? 0)) {
      this.tally.late += 1;
      const [lateMin, lateMax] = this.lateSeconds;
      this.late.push(Date.now() + (lateMin + (lateMax - lateMin) * rng.fault()) * SECOND, () => {
        this.o.onLateSent?.(message.ts, b.type === 'bay' ? b.bay : dev.bayCode);
        transmit(dev, payload, kind, sent);
      });
      return;
    }
    transmit(dev, payload, kind, sent);
    if (rng.fault() < (faults.duplicate ?? 0)) {
      this.tally.duplicated += 1;
      transmit(dev, payload, kind, sent);
    }
  }

  /**
   * What to do once `b` is handed to MQTT when it says whether a bay is taken (a sensor's report or
   * heartbeat, a bay camera's read): note that the bay's state was published as of `eventTime`.
   */
  private telling(dev: DeviceRuntime, b: MessageBody, eventTime: Date): (() => void) | undefined {
    const bay = b.type === 'bay' ? b.bay : b.type === 'occupancy' || b.type === 'heartbeat' ? dev.bayCode : undefined;
    const occupied = (b as { occupied?: boolean }).occupied;
    if (bay === undefined || occupied === undefined) return undefined;
    const at = eventTime.getTime();
    return () => {
      let w = this.told.get(bay);
      if (!w) this.told.set(bay, (w = [-Infinity, -Infinity]));
      const k = occupied ? 0 : 1;
      if (at > w[k]) w[k] = at;
    };
  }

  /** Intermittent radio: in an outage, or starting one now (exponential length, mean flakyOutageSeconds). */
  private inOutage(dev: DeviceRuntime, at: number): boolean {
    if (at < dev.outageUntil!) return true;
    if (this.o.rng.fault() >= FLAKY_OUTAGE_START) return false;
    dev.outageUntil = at - Math.log(1 - this.o.rng.fault()) * (this.o.faults.flakyOutageSeconds ?? 60) * SECOND;
    dev.faultSince ??= at;
    return true;
  }

  private drainBattery(dev: DeviceRuntime, volts: number): void {
    if (dev.battery === undefined) return;
    dev.battery = Math.max(2, dev.battery - volts);
    // Only when battery decline is switched on as a fault: the demo must not lose sensors overnight.
    if (this.o.faults.batteryDrainPerDay && dev.battery <= BATTERY_CUTOFF_V && dev.health !== Health.Dead) {
      if (dev.health === Health.Stuck) this.tally.stuckDevices -= 1;
      dev.health = Health.Dead;
      this.tally.deadDevices += 1;
    }
  }
}
