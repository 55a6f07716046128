// The feed of committed changes: ingest publishes availability after each commit (the API's SSE
// stream and caches subscribe; only what changed travels), billing publishes the invoices it issued
// (payments charges the contactless ones at once), operators publish the lots, devices and tariffs
// they changed (the API reloads its lot cache; ingest forgets a device's cached identity and closes
// its live connection; billing reloads its tariffs). Modules meet here instead of importing each other.
//
// In one process that is all: an EventEmitter. Processes by role (README, "Roles") share it through
// a relay (core/change-relay.ts, PostgreSQL LISTEN/NOTIFY): every emit also goes to the other
// processes, and what they emit arrives here as if emitted locally.
import { EventEmitter } from 'node:events';

/** dataQuality: share of the lot's bays on fresh, consistent evidence (core/data-quality.ts); absent: unchanged. */
export interface LotCounts { id: string; free: number; occupied: number; unknown: number; dataQuality?: number | null; updatedAt: string }
export interface BayChange { code: string; lotId: string; occupied: boolean | null; since: string | null }
export interface AvailabilityChange { lots: LotCounts[]; bays: BayChange[] }

/** An invoice a committed ingest batch issued. A hint only: the payments worker also scans the database. */
export interface IssuedInvoice {
  invoiceId: number;
  sessionId: number;
  lotId: string;
  plate: string;
  amountFen: number;
  /** false when the session is in review: never charge it automatically. */
  autoCharge: boolean;
  /** Its contactless attempt is recorded right behind the COMMIT that issued it (payments/contactless-hook.ts): nothing to hint. */
  chargeRecorded?: boolean;
  exitDevice: string;
  exitSeq: number;
}

/** Lots an operator created, edited, published, retired, or whose bays changed: public views reload them. */
export interface LotsChanged { lotIds: string[] }

/**
 * A device an operator changed. rotated/disabled: its old secret or its right to connect is gone, so
 * a live connection must close now; updated: what it watches changed, so its cached identity is stale.
 */
export interface DeviceChange { deviceId: string; action: 'rotated' | 'disabled' | 'updated' }

/**
 * A driver guidance sent elsewhere because the lot nearest their destination was full: an arrival
 * that lot turned away (analytics counts them per lot and hour, migrations/030).
 */
export interface TurnedAway { lotId: string; at: string }

/** Tariffs or passes changed (an operator's write): whoever prices stays reloads them. lotIds: those lots; empty: any. */
export interface TariffsChanged { lotIds: string[] }

/**
 * Device sign-ins an ingest process judged since its last report, [device id, address] each, so the
 * others count wrong secrets together (ingest/connect-sharing.ts). `from` names the reporting process.
 */
export interface ConnectOutcomes { from: string; failed: Array<[string, string]>; succeeded: Array<[string, string]> }

/** The events other processes see too (core/change-relay.ts). */
export interface SharedChanges {
  availability: [AvailabilityChange];
  invoices: [IssuedInvoice[]];
  lots: [LotsChanged];
  devices: [DeviceChange];
  tariffs: [TariffsChanged];
  connects: [ConnectOutcomes];
}
export type SharedChange = keyof SharedChanges;
export const SHARED_CHANGES: readonly SharedChange[] = ['availability', 'invoices', 'lots', 'devices', 'tariffs', 'connects'];

/** Sends a change to the other processes; `client`: inside that transaction, delivered at its commit. */
export type ChangeOutbox = <K extends SharedChange>(name: K, change: SharedChanges[K][0], client?: { query(text: string, values?: unknown[]): Promise<unknown> }) => Promise<void>;

interface FeedEvents extends SharedChanges {
  /** Guidance's turned-away arrivals: counted by the process that gave the guidance, so not relayed. */
  turnedAway: [TurnedAway];
  /** Changes from other processes may have been missed (the relay reconnected): reload what is cached. */
  resync: [];
}

export class ChangeFeed extends EventEmitter<FeedEvents> {
  private outbox: ChangeOutbox | undefined;
  private relayFailed: (err: unknown) => void = () => {};

  constructor() {
    super();
    // One listener per open SSE stream: thousands of map viewers are normal.
    this.setMaxListeners(0);
  }

  /** Connect this feed to other processes (core/change-relay.ts); undefined disconnects it. */
  relayTo(outbox: ChangeOutbox | undefined, onError: (err: unknown) => void = () => {}): void {
    this.outbox = outbox;
    this.relayFailed = onError;
  }

  /** Whether emits reach other processes. */
  get relayed(): boolean { return this.outbox !== undefined; }

  // Every change goes to this process's listeners; the shared ones to the relay too.
  override emit<K extends keyof FeedEvents>(name: K, ...args: FeedEvents[K]): boolean {
    const had = (super.emit as (n: K, ...a: FeedEvents[K]) => boolean)(name, ...args);
    if (this.outbox && (SHARED_CHANGES as readonly string[]).includes(name)) this.outbox(name as SharedChange, args[0] as never).catch(this.relayFailed);
    return had;
  }

  /** A change another process made, or one already relayed: this process's listeners only. */
  emitLocal<K extends SharedChange>(name: K, change: SharedChanges[K][0]): void {
    (super.emit as (n: K, c: SharedChanges[K][0]) => boolean)(name, change);
  }

  /**
   * Sends the change to the other processes inside the caller's transaction, so it is delivered at
   * its commit, in commit order, and never when it rolls back. Emit it locally with emitLocal after
   * the commit. Without a relay nothing is sent.
   */
  async relayIn<K extends SharedChange>(client: { query(text: string, values?: unknown[]): Promise<unknown> }, name: K, change: SharedChanges[K][0]): Promise<void> {
    await this.outbox?.(name, change, client);
  }
}
