// The start-up report: a fleet switching on reports every bay's state (and a gate "in" for each car
// already parked in a garage). While the city is populated those messages are held per device, in
// order, and each gets a turn in a shuffled city-wide order; the turns are released evenly over
// the ramp, as a city's devices switching on do not all speak in the same second.
import { shuffle, type Rng } from './demand.ts';
import type { Links, MessageKind } from './transport.ts';

const SECOND = 1000;
// The start-up report's default pace: below the 5–7k msg/s the embedded platform stores on
// 2 cores, so the live city and heartbeats still get through while it is sent.
const STARTUP_REPORTS_PER_SECOND = 4_000;
const MAX_AUTO_RAMP_SECONDS = 300;
// …and never more of the fleet's messages queued or in flight than this while it is sent (~2 s of
// what the platform stores), so the report waits for the platform instead of bloating its queues.
const STARTUP_MAX_OUTSTANDING = 10_000;

/** A message held for the ramp; `sent` is called once it is handed to MQTT. */
export interface HeldMessage { payload: string; kind: MessageKind; turn: boolean; sent?: () => void }

/** A device as the ramp sees it: its place in the fleet, where its messages go, and what it holds back. */
export interface RampDevice {
  /** Its position in the fleet's device list. */
  index: number;
  /** Index of the link (connection) it publishes over. */
  link: number;
  /** Its events topic, built once. */
  topic: string;
  /** The bay a sensor watches. */
  bayCode?: string;
  /**
   * Messages held until this device's turns in the start-up ramp: its start-up report (turn: true)
   * first, then anything it said meanwhile (sent with its last turn, so its seqs stay in order).
   */
  ramp?: HeldMessage[];
}

/** The start-up report as sent: its messages, those still waiting for their turn, the ramp's length, and messages held behind them. */
export interface StartupStats { messages: number; rampSeconds: number; pending: number; heldBehind: number }

export class StartupRamp {
  private capturing = false;
  private readonly turns: number[] = []; // device index per held message
  private released = 0; // turns taken
  private left = 0; // start-up report messages not yet sent
  private heldLive = 0; // messages devices sent before their start-up report went
  private start = 0;
  private ms = 0;
  private readonly summary = { messages: 0, rampSeconds: 0 };
  private stopping = false;
  /** Messages never sent: handed over after stop, or still held at stop. */
  dropped = 0;

  /** `onHeldSent` is told of each held message as it goes (its device and payload): it waited for the device's turn, so its latency runs from now. */
  constructor(private readonly links: Links, private readonly devices: readonly RampDevice[], private readonly log: (m: string) => void,
    private readonly onHeldSent?: (dev: RampDevice, payload: string) => void) {}

  /** Hand a device's message to its link, or hold it while the start-up report is captured or the device waits for its turn. */
  transmit(dev: RampDevice, payload: string, kind: MessageKind, sent?: () => void): void {
    if (this.stopping) this.dropped += 1;
    else if (this.capturing) {
      (dev.ramp ??= []).push({ payload, kind, turn: true, sent });
      this.turns.push(dev.index);
      this.left += 1;
    } else if (dev.ramp) {
      // A device whose start-up report has not gone yet waits for its turn (switched on later).
      dev.ramp.push({ payload, kind, turn: false, sent });
      this.heldLive += 1;
    } else this.links.send(dev.link, dev.topic, payload, kind, sent);
  }

  /**
   * Run `report` (the city reporting every bay) with what it sends held for the ramp, shuffle the
   * turns with `rng`, and start releasing them over `seconds` (default: STARTUP_REPORTS_PER_SECOND,
   * at most MAX_AUTO_RAMP_SECONDS).
   */
  begin(report: () => void, seconds: number | undefined, rng: Rng): void {
    this.capturing = true;
    try { report(); } finally { this.capturing = false; }
    shuffle(this.turns, rng);
    this.ms = (seconds ?? Math.min(MAX_AUTO_RAMP_SECONDS, this.turns.length / STARTUP_REPORTS_PER_SECOND)) * SECOND;
    this.start = Date.now();
    this.summary.messages = this.turns.length;
    this.summary.rampSeconds = this.ms / SECOND;
    this.log(`fleet: start-up report of ${this.turns.length} message(s) spread over ${this.summary.rampSeconds.toFixed(1)} s`);
    this.release(this.start);
  }

  /** Turns are still to be released. */
  get releasing(): boolean {
    return this.turns.length > 0;
  }

  /** Device `index` has not been switched on yet: its start-up report still waits for its turn. */
  holds(index: number): boolean {
    return !!this.devices[index].ramp;
  }

  /** Send the turns due by `now`, as far as the platform's acknowledgements leave room. */
  release(now: number): void {
    const due = this.ms > 0 ? Math.min(this.turns.length, Math.floor((this.turns.length * (now - this.start)) / this.ms)) : this.turns.length;
    // The ramp is a pace, not a promise: if the platform acknowledges more slowly, the report waits
    // here rather than in every link's queue, where live events would wait behind it.
    let room = STARTUP_MAX_OUTSTANDING - this.links.queued() - this.links.inFlight();
    while (this.released < due && room > 0) {
      const dev = this.devices[this.turns[this.released++]];
      const held = dev.ramp!;
      const first = held.shift()!; // turns come first, and each device has one turn per report message
      this.left -= 1;
      room -= 1;
      this.links.send(dev.link, dev.topic, first.payload, first.kind, first.sent);
      this.onHeldSent?.(dev, first.payload);
      if (held.length && held[0].turn) continue;
      // Its last turn: what it said meanwhile follows, in order.
      for (const h of held) {
        this.links.send(dev.link, dev.topic, h.payload, h.kind, h.sent);
        this.onHeldSent?.(dev, h.payload);
      }
      this.heldLive -= held.length;
      room -= held.length;
      dev.ramp = undefined;
    }
    if (this.released === this.turns.length && this.turns.length) this.turns.length = 0;
  }

  /** Send nothing more; what still waits for its turn is dropped (and counted). */
  stop(): void {
    this.stopping = true;
    if (!this.left) return;
    this.log(`fleet: dropping ${this.left} start-up report message(s) whose turn had not come, and ${this.heldLive} held behind them`);
    this.dropped += this.left + this.heldLive;
    for (const d of this.devices) d.ramp = undefined;
    this.left = this.heldLive = 0;
    this.turns.length = 0;
  }

  stats(): StartupStats {
    return { ...this.summary, pending: this.left, heldBehind: this.heldLive };
  }
}
