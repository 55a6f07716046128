// The city model: cars arriving, parking and leaving, and what the bay sensors, kerb cameras and
// garage gates see of it. Pure: time moves only through advanceTo, randomness comes from `rng`,
// and every observation leaves through `emit` — no clocks, timers or sockets. The fleet
// (fleet.ts) drives it in real time and sends what it emits over MQTT.
import type { DeviceMessage } from '../core/protocol.ts';
import type { CityDevice } from '../seed/demo-city.ts';
import { randomPlate, type SimPlate } from '../seed/plates.ts';
import { BASE_TURNOVER, demandCurve, dwellMinutes, poisson, remainingDwellMinutes, shuffle, type LotKind, type Rng } from './demand.ts';
import { EventQueue } from './schedulers.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

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
/**
 * `unsent` (the fleet's, not the model's): bays whose present state no device published a word of
 * since it began — the report was lost, or still held back, queued or waiting in the start-up ramp
 * when asked — so no platform could show it (simulators/devices.ts).
 */
export interface Truth { bays: Map<string, BayTruth>; unsent?: Set<string> }
/**
 * One completed stay: which car really parked where and when (event times as the devices stamp
 * them). `unreported`: the fleet never published its entry, or any report of its exit (a fault
 * lost or silenced it, or it still waited in the start-up ramp, a backlog or a late hold-back when
 * the fleet stopped: simulators/report-log.ts), so no platform could have billed it.
 */
export interface TrueStay { plate: string; lotId: string; lotKind: LotKind; bayCode: string; entry: Date; exit: Date; unreported?: true }

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
  /** The car in the bay a sensor watches (also while it pulls out), or null. */
  carAtSensor(sensorId: string): string | null;
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
  return new City(o);
}

/** The lots and their bays as the devices watch them: a bay exists where a sensor or camera does. */
function layOut(fleetLots: FleetLot[], devices: CityDevice[], stampNow: () => Date): { lots: SimLot[]; bays: Map<string, SimBay> } {
  const bays = new Map<string, SimBay>();
  const lots: SimLot[] = [];
  const lotById = new Map<string, SimLot>();
  for (const l of fleetLots) {
    const lot: SimLot = { ...l, bays: [], gates: [] };
    lots.push(lot);
    lotById.set(l.id, lot);
  }
  const bayOf = (code: string, lotId: string): SimBay | undefined => {
    let bay = bays.get(code);
    const lot = lotById.get(lotId);
    if (!bay && lot) {
      bay = { code, lotId, state: 'free', car: null, since: stampNow(), entry: stampNow() };
      bays.set(code, bay);
      lot.bays.push(bay);
    }
    return bay;
  };
  for (const d of devices) {
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
  return { lots, bays };
}

/**
 * Arrivals are drawn for the whole city at once and spread over lots by weight (capacity ×
 * demand × turnover), so a step costs O(arrivals · log lots), not O(lots).
 */
class ArrivalWeights {
  /** The lots cars can arrive at: those with bays. */
  readonly lots: SimLot[];
  /** Arrivals per hour at a demand of 1, over all those lots. */
  readonly perHour: number;
  private readonly cumulative: number[] = [];

  constructor(lots: SimLot[]) {
    this.lots = lots.filter((l) => l.bays.length > 0);
    let sum = 0;
    for (const l of this.lots) this.cumulative.push((sum += l.capacity * l.demand * BASE_TURNOVER[l.kind]));
    this.perHour = sum;
  }

  /** A lot drawn in proportion to its weight (binary search of the cumulative weights). */
  pick(rng: Rng): SimLot {
    const x = rng() * this.perHour;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.lots[lo];
  }
}

class City implements CitySim {
  private clock: number;
  private readonly rng: Rng;
  private readonly queue = new EventQueue();
  private readonly tally = { arrivals: 0, departures: 0, turnedAway: 0, occupied: 0 };
  private readonly maxStays: number;
  private completed: TrueStay[] = [];
  private readonly parked = new Set<string>(); // plates in the city now, so two cars never share one
  private readonly lots: SimLot[];
  private readonly bays: Map<string, SimBay>;
  private readonly weights: ArrivalWeights;
  private readonly bayOfSensor = new Map<string, SimBay>();

  constructor(private readonly o: CitySimOptions) {
    this.rng = o.rng;
    this.clock = o.start.getTime();
    this.maxStays = o.maxStays ?? 200_000;
    ({ lots: this.lots, bays: this.bays } = layOut(o.lots, o.devices, () => o.stamp(this.clock)));
    for (const b of this.bays.values()) if (b.sensor) this.bayOfSensor.set(b.sensor, b);
    this.weights = new ArrivalWeights(this.lots);
  }

  carAtSensor(sensorId: string): string | null {
    return this.bayOfSensor.get(sensorId)?.car?.plate ?? null;
  }

  advanceTo(simMs: number): void {
    const dt = simMs - this.clock;
    if (!(dt > 0)) return;
    if (this.weights.lots.length) {
      const n = Math.min(MAX_ARRIVALS_PER_STEP, poisson((demandCurve(new Date(this.clock)) * this.weights.perHour * dt) / HOUR, this.rng));
      for (let i = 0; i < n; i++) {
        const lot = this.weights.pick(this.rng);
        this.queue.push(this.clock + this.rng() * dt, (t) => this.arrive(lot, t));
      }
    }
    for (let budget = MAX_EVENTS_PER_STEP; budget > 0 && this.queue.nextAt() <= simMs; budget--) this.queue.runNext();
    this.clock = simMs;
  }

  populate(fraction: number): void {
    const f = Math.min(1, Math.max(0, fraction));
    for (const lot of this.lots) {
      const order = shuffle(lot.bays.filter((b) => b.state === 'free'), this.rng);
      const take = Math.round(order.length * f);
      order.forEach((bay, i) => {
        if (i >= take) return this.sensorReport(bay, false, this.clock);
        const remaining = remainingDwellMinutes(lot.kind, this.rng) * MINUTE;
        if (lot.kind === 'street') this.parkStreet(lot, bay, this.newCar(), this.clock, remaining);
        else this.parkGarage(lot, bay, this.newCar(), this.clock, remaining, true);
      });
    }
  }

  truth(): Truth {
    const out = new Map<string, BayTruth>();
    for (const b of this.bays.values()) {
      const occupied = b.state === 'occupied';
      const t: BayTruth = { occupied, plate: occupied && b.car ? b.car.plate : null, since: b.since, lotId: b.lotId };
      if (b.sensor) t.sensor = b.sensor;
      out.set(b.code, t);
    }
    return { bays: out };
  }

  stays(): TrueStay[] {
    return this.completed.length > this.maxStays ? this.completed.slice(this.completed.length - this.maxStays) : [...this.completed];
  }

  counts(): { arrivals: number; departures: number; turnedAway: number; occupied: number } {
    return { ...this.tally };
  }

  now(): Date {
    return new Date(this.clock);
  }

  private arrive(lot: SimLot, at: number): void {
    const free = lot.bays.filter((b) => b.state === 'free');
    if (!free.length) {
      this.tally.turnedAway += 1; // a full garage's barrier stays down; a full street is driven past
      return;
    }
    this.tally.arrivals += 1;
    const bay = free[Math.floor(this.rng() * free.length)];
    const dwellMs = dwellMinutes(lot.kind, this.rng) * MINUTE;
    if (lot.kind === 'street') this.parkStreet(lot, bay, this.newCar(), at, dwellMs);
    else this.parkGarage(lot, bay, this.newCar(), at, dwellMs, false);
  }

  // Street: the sensor trips as the car stops, the camera reads the plate a moment later. The bay
  // is not offered to the next car until the camera has reported it free, so reports never cross.
  private parkStreet(lot: SimLot, bay: SimBay, car: SimPlate, at: number, dwellMs: number): void {
    bay.state = 'occupied';
    bay.car = car;
    bay.entry = this.o.stamp(at); // stamped now: with wall-clock stamps it is the time of this call
    this.tally.occupied += 1;
    this.sensorReport(bay, true, at);
    this.queue.push(at + this.between(CAMERA_LAG_MS), (t) => this.cameraReport(bay, true, car, t));
    this.queue.push(at + dwellMs, (t) => {
      this.vacate(bay, t);
      this.queue.push(t + this.between(CAMERA_LAG_MS), (t2) => {
        this.cameraReport(bay, false, car, t2);
        this.remember(bay, lot, car, t2);
        this.release(bay, car);
      });
    });
  }

  // Garage: gate in, drive to the bay (reserved meanwhile), park; then leave the bay, drive, gate out.
  private parkGarage(lot: SimLot, bay: SimBay, car: SimPlate, at: number, dwellMs: number, initial: boolean): void {
    bay.car = car;
    bay.entry = this.o.stamp(at); // stamped now: with wall-clock stamps it is the time of this call
    this.gateReport(lot, 'in', car, at, bay.entry); // the same instant, not a second reading of the clock
    const park = (t: number) => this.parkInGarageBay(lot, bay, car, t, dwellMs);
    if (initial) park(at);
    else {
      bay.state = 'arriving';
      this.queue.push(at + this.between(GARAGE_DRIVE_MS), park);
    }
  }

  private parkInGarageBay(lot: SimLot, bay: SimBay, car: SimPlate, at: number, dwellMs: number): void {
    bay.state = 'occupied';
    this.tally.occupied += 1;
    this.sensorReport(bay, true, at);
    this.queue.push(at + dwellMs, (t) => {
      this.vacate(bay, t);
      this.queue.push(t + this.between(GARAGE_DRIVE_MS), (t2) => {
        const exit = this.o.stamp(t2);
        this.gateReport(lot, 'out', car, t2, exit);
        this.remember(bay, lot, car, t2, exit);
        this.release(bay, car);
      });
    });
  }

  /** The car pulls out: its sensor reports the bay free (the bay is offered again on release). */
  private vacate(bay: SimBay, at: number): void {
    bay.state = 'leaving';
    this.tally.departures += 1;
    this.tally.occupied -= 1;
    this.sensorReport(bay, false, at);
  }

  private release(bay: SimBay, car: SimPlate): void {
    bay.state = 'free';
    bay.car = null;
    this.parked.delete(car.plate);
  }

  private remember(bay: SimBay, lot: SimLot, car: SimPlate, exitAt: number, exit = this.o.stamp(exitAt)): void {
    this.completed.push({ plate: car.plate, lotId: lot.id, lotKind: lot.kind, bayCode: bay.code, entry: bay.entry, exit });
    // Amortised O(1): trim in chunks once the log is half again over its bound.
    if (this.completed.length > this.maxStays * 1.5) this.completed = this.completed.slice(this.completed.length - this.maxStays);
  }

  private newCar(): SimPlate {
    let car = randomPlate(this.rng);
    // Bounded: ~10^9 plates and a few thousand parked, so a second draw almost never repeats.
    for (let i = 0; i < 20 && this.parked.has(car.plate); i++) car = randomPlate(this.rng);
    this.parked.add(car.plate);
    return car;
  }

  private sensorReport(bay: SimBay, occupied: boolean, at: number): void {
    bay.since = this.o.stamp(at);
    if (bay.sensor) this.o.emit(bay.sensor, { type: 'occupancy', occupied }, bay.since);
  }

  private cameraReport(bay: SimBay, occupied: boolean, car: SimPlate, at: number): void {
    if (bay.camera) this.o.emit(bay.camera, { type: 'bay', bay: bay.code, occupied, plate: car.plate, plateColor: car.color, confidence: this.confidence() }, this.o.stamp(at));
  }

  private gateReport(lot: SimLot, direction: 'in' | 'out', car: SimPlate, at: number, ts = this.o.stamp(at)): void {
    if (!lot.gates.length) return;
    const gate = lot.gates[Math.floor(this.rng() * lot.gates.length)];
    this.o.emit(gate, { type: 'gate', direction, plate: car.plate, plateColor: car.color, confidence: this.confidence() }, ts);
  }

  private between([lo, hi]: [number, number]): number {
    return lo + (hi - lo) * this.rng();
  }

  private confidence(): number {
    return Math.round(this.between([0.85, 0.99]) * 100) / 100;
  }
}
