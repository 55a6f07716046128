// The broker stops reading device sockets while too much is waiting to be committed, and resumes
// once the writer has caught up: a stalled or slow database then costs memory for at most
// `high` messages plus one socket read per connection, and the devices' own TCP windows fill and
// hold the rest (a device at QoS 1 keeps what it has not seen acknowledged and resends it).
//
// Why this is needed (measured, `npm run chaos -- --scenario stall`): aedes reads a socket's next
// chunk when the previous chunk's packets are done, but every 'readable' event of the socket also
// counts as one packet done (lib/client.js, nextBatch), so a device that keeps sending is read on,
// and a stalled database let the writer's queue grow with everything devices sent: the whole
// stall's traffic, without bound. And when a device's packets are committed, aedes reads its next
// chunk straight away: after a stall, each commit of 2,000 let in up to a socket read (64 KiB,
// ~500 messages) per device (full chaos run: backlog 65,000 with the gate on 'readable' alone).
// The gate takes over both ways aedes reads a socket: while closed, a read waits (parked).
import type { Duplex } from 'node:stream';

export interface ReadGateOptions {
  /** Stop reading sockets when this many messages are read and uncommitted. */
  high: number;
  /** Read again when the backlog is down to this many. */
  low: number;
  /** Messages read and not yet committed (the writer's backlog). */
  backlog: () => number;
  /** Told when reading stops (true) and resumes (false). */
  onPause?: (paused: boolean) => void;
}

export class ReadGate {
  private paused = false;
  private readonly parked = new Map<Duplex, () => void>();
  /** While paused, the backlog is also looked at every 250 ms: a resume never waits for a commit that is not coming. */
  private watch: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ReadGateOptions) {}

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Put the gate in front of the socket's reads. Call right after aedes.handle(socket). aedes reads
   * a socket in one function, nextBatch: its 'readable' listener and the callback each packet calls
   * when done (client._nextBatch, looked up for every packet). Both go through the gate; while it is
   * closed each call is counted and owed, and paid in full on resume, so aedes' own count of packets
   * in flight is never off. If aedes no longer looks as expected, the socket is left as it is.
   */
  attach(socket: Duplex): boolean {
    const listeners = socket.listeners('readable') as Array<() => void>;
    const client = (socket as unknown as { client?: { _nextBatch?: (err?: Error) => void } }).client;
    const next = client?._nextBatch;
    if (listeners.length !== 1 || listeners[0] !== next || !client || !next) return false;
    let owed = 0;
    // Paid through the gate: each owed call may read and parse a whole socket chunk (hundreds of
    // messages), so once the backlog is back at the mark the rest stays owed and the socket parked.
    // Paid all at once, 1,000 parked devices read ~75,000 messages the moment a stall ended.
    const pay = () => {
      while (owed > 0) {
        if (!this.paused && this.opts.backlog() >= this.opts.high) this.setPaused(true);
        if (this.paused) { this.parked.set(socket, pay); return; }
        owed--;
        next();
      }
    };
    const gated = (err?: Error) => {
      if (err) return next(err);
      if (!this.paused && this.opts.backlog() >= this.opts.high) this.setPaused(true);
      if (!this.paused) return next();
      owed++;
      this.parked.set(socket, pay);
    };
    client._nextBatch = gated;
    socket.removeListener('readable', next);
    socket.on('readable', () => gated());
    socket.once('close', () => this.parked.delete(socket));
    return true;
  }

  /** After each commit: resume reading once the backlog is down to `low`. */
  committed(): void {
    if (!this.paused || this.opts.backlog() > this.opts.low) return;
    this.setPaused(false);
    const waiting = [...this.parked.values()];
    this.parked.clear();
    // A socket whose reads fill the backlog again closes the gate; the rest park themselves again.
    for (const read of waiting) read();
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    clearInterval(this.watch);
    if (paused) {
      this.watch = setInterval(() => this.committed(), 250);
      this.watch.unref();
    }
    this.opts.onPause?.(paused);
  }

  /** Stop watching (the broker is closing). */
  close(): void {
    clearInterval(this.watch);
  }
}
