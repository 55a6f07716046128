// What ingest hands to the modules that build on device events (billing's sessions, …): the event
// as stored, and the hook that runs inside each group-commit transaction. Declared here, below
// ingest and billing both, so neither imports the other.
import type { PoolClient } from './db/index.ts';
import type { DeviceKind, DeviceMessage } from './protocol.ts';

export interface IngestEvent {
  deviceId: string;
  deviceKind: DeviceKind;
  seq: number;
  type: DeviceMessage['type'];
  eventTime: Date;
  receivedAt: Date;
  lotId: string | null;
  bayCode: string | null;
  payload: DeviceMessage;
  /**
   * The payload's JSON as the device sent it, when `payload` is that message unchanged (ingest
   * stores it as it came instead of serialising the parsed object again); null when a handler
   * stored a changed copy (a normalised plate, a rounded confidence). Handlers' events always carry
   * the field (baseEvent: one object shape).
   */
  payloadText?: string | null;
  /** A bay occupancy observation to apply to bay_state (sensors and high-mount cameras). */
  observation?: { bayCode: string; occupied: boolean };
  battery?: number;
}

/**
 * Runs inside the ingest transaction with the events that were new (not duplicates). It may return
 * a callback to run once the transaction has committed (notifications that must not announce
 * rolled-back work).
 *
 * A hook may also split its work so the database and this thread work at the same time: `load`
 * issues its reads at the start of the transaction (they go out with BEGIN and the batch's own
 * statement, one round trip), `plan` does the CPU work on what was read while the database stores
 * the batch's events, and the hook itself then gets that plan as `planned` — or undefined when some
 * events turned out to be repeats: the plan was made for all of them, so the hook must start over
 * with `events` (rare). `load` must not read what the batch statement writes (this batch's
 * device_events rows, bay_state, lot_availability, devices): its reads may run on either side of it.
 *
 * `concerns` says, without the database, whether a batch has anything for the hook; when no hook's
 * does (and nothing else needs one), the batch is stored by one statement, not a transaction of
 * three round trips. Without it, every batch concerns the hook.
 */
// `any` by default: the writer only hands a hook's own read and plan back to that same hook.
export interface BatchHook<Loaded = any, Planned = any> {
  /**
   * `lastIssued`, when given: call it once the hook has issued its last statement, before awaiting
   * their answers, and the writer sends COMMIT right behind them (one round trip less). A hook
   * that does not call it is committed once it has returned.
   */
  (client: PoolClient, events: IngestEvent[], planned?: Planned, lastIssued?: () => void, notes?: BatchNotes): Promise<void | (() => void)>;
  load?(client: PoolClient, events: IngestEvent[]): Promise<Loaded>;
  plan?(loaded: Loaded, events: IngestEvent[]): Planned;
  concerns?(events: IngestEvent[]): boolean;
  /**
   * Sent on the batch's connection right behind its COMMIT, before the next batch's statements: a
   * statement of its own (its failure is its own, never the batch's) that builds on what the batch
   * wrote without waiting for the shared connection behind the next batches. Called, whatever
   * `concerns` says, once COMMIT has gone for a batch whose hooks noted something; returns what to
   * do once the COMMIT has succeeded.
   */
  behindCommit?(client: PoolClient, notes: BatchNotes): (() => void) | undefined;
}

/** What a batch's hooks tell the writer and each other, inside the transaction. */
export interface BatchNotes {
  /**
   * Sessions whose invoices this transaction issues on a certain plate, closed (billing; known
   * before its statements' answers, so COMMIT need not wait for them).
   */
  invoicing: number[];
  /**
   * Of those, the ones payments records a contactless attempt for behind the COMMIT
   * (contactless-hook.ts): the 'invoices' hint after COMMIT says so (IssuedInvoice.chargeRecorded).
   */
  charging: Set<number>;
}
