// Group commit: messages from all devices wait a few milliseconds together and are written in one
// transaction; each publisher's PUBACK is released only when that transaction has committed.
// Two batches in flight at most: the next goes out on the same connection as soon as the one before
// has sent its last statement, planned on that one's outcome, so the database runs it while this
// thread answers the devices of the first; meanwhile the batch after gathers, so batches grow with load.
import type { Pool, PoolClient } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ChangeFeed, LotCounts, BayChange } from '../core/changes.ts';
import type { BatchHook, BatchNotes, IngestEvent } from '../core/ingest-events.ts';
import { BayMirror, type BayUpdate } from './bay-mirror.ts';
import { planBays, type BayPlan } from './bay-plan.ts';
import { DeviceBook, type Touch } from './device-book.ts';
import { RETRY_TRANSACTION, BATCH_OUT_OF_ORDER, outcomeUnknown } from '../core/db/sqlstate.ts';
import { preparedQuery } from '../core/db/prepared.ts';
import { ConnectionShare } from './connection-share.ts';
import { RecentKeys } from './recent-keys.ts';
import { countGates, gateCounts, lotCounts, mergeLots } from './lot-counts.ts';
import { GateBalance } from './gate-balance.ts';
import { gateStates, readGates, saveGates } from './gate-store.ts';
import { BATCH_SQL, batchParams, eventRow, type DeadLetter } from './batch-statement.ts';
import { lockLots, lotsOf } from './lot-locks.ts';

export type { DeadLetter } from './batch-statement.ts';


/** A bay whose reporting device fell silent (ingest/device-health.ts): decided again without its word. */
export interface Silence { bayCode: string; deviceId: string; at: Date }

type Item = { kind: 'event'; event: IngestEvent; row: string; done: Done } | { kind: 'dead'; dead: DeadLetter; done: Done }
  | { kind: 'recheck'; bayCode: string; done: Done };
/** Called once with null when the item is committed, or with the error that kept it from being. */
export type Done = (err: Error | null) => void;

/** A promise for what settles a Done. */
const promised = (start: (done: Done) => void) => new Promise<void>((resolve, reject) => start((err) => (err ? reject(err) : resolve())));

export interface WriterOptions {
  batchMax: number;
  batchWaitMs: number;
  metrics: Metrics;
  changes: ChangeFeed;
  log: { error(obj: unknown, msg?: string): void };
  hooks?: BatchHook[];
  /** How many committed event keys to remember, to answer a device's resend without the database (ingest/recent-keys.ts). Default 65,536. */
  recentKeys?: number;
  /** Called after every commit (or failed one): the broker's read gate resumes reading on it. */
  onCommitted?: () => void;
  /**
   * Other processes write to this database too (processes by role: README, "Roles"): each batch
   * locks the lots it touches and reads their bays (and their devices' open alerts) from the
   * database, so the database decides what an event changes, not this process's mirror; and its
   * availability change is relayed to the other processes in its own transaction.
   */
  shared?: boolean;
}

const MAX_DEAD_PAYLOAD = 8192;

/**
 * Text PostgreSQL can store: a dead letter quotes what the device sent (its payload, its "type" in
 * the reason), and a NUL or an unpaired surrogate there made the whole group commit fail, so no
 * device in the batch got its PUBACK (found by `npm run fuzz`). Both become U+FFFD.
 */
const storable = (s: string) => (s.replaceAll('\u0000', '\ufffd') as string & { toWellFormed(): string }).toWellFormed();

export class EventWriter {
  private queue: Item[] = [];
  private flushing = false;
  /** Batches sent and not yet settled, oldest first: two at most (see send). */
  private runs: Run[] = [];
  /** Who else gets the connection between batches (the embedded database has one). */
  private readonly share: ConnectionShare;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly hooks: BatchHook[];
  /** Each bay's evidence and each device's cadence and faults (read by ingest/evidence-check.ts). */
  readonly bays = new BayMirror();
  readonly devices = new DeviceBook();
  /** Cars the garages' gates let in that no sensor saw park (shared: as the database holds them, ingest/gate-store.ts). */
  readonly gates = new GateBalance();
  private mirrorStale = false;
  private readonly recent: RecentKeys;
  /** The session setting in which this writer's batches record themselves on their connection (migration 033). */
  private readonly orderSetting = `onelot.ingest_batch_${++writerSerial}`;
  private batchSerial = 0;

  constructor(private readonly pool: Pool, private readonly opts: WriterOptions) {
    this.hooks = [...(opts.hooks ?? [])];
    this.share = new ConnectionShare(pool, opts.shared === true);
    this.recent = new RecentKeys(opts.recentKeys ?? 65_536);
  }

  /** Load what the database holds about every bay and device; call once before the first write. */
  async start(): Promise<void> {
    await Promise.all([this.bays.load(this.pool), this.devices.load(this.pool)]);
  }

  /** Messages read from devices and not yet committed: waiting, or in the commit under way. */
  get backlog(): number {
    let n = this.queue.length;
    for (const r of this.runs) n += r.batch.length;
    return n;
  }

  /** Resolves once the event is durably committed (or was a duplicate of a committed one). */
  write(event: IngestEvent): Promise<void> {
    return promised((done) => this.writeThen(event, done));
  }

  /** write() for the devices' path, `done` for a promise: one item where a promise, its resolvers and reactions were ~10 objects the young generation copied. */
  writeThen(event: IngestEvent, done: Done): void {
    // Its row of the batch document is written now, while the database works on the batch before:
    // at commit time this thread would hold the database up (~30 µs an event).
    this.push({ kind: 'event', event, row: eventRow(event), done });
  }

  /** Resolves once the rejected message and its reason are durably stored. */
  deadLetter(dead: DeadLetter): Promise<void> {
    return promised((done) => this.deadLetterThen(dead, done));
  }

  /** deadLetter() with `done` instead of a promise (see writeThen). */
  deadLetterThen(dead: DeadLetter, done: Done): void {
    const safe = { ...dead, reason: storable(dead.reason), topic: storable(dead.topic), payload: storable(dead.payload.slice(0, MAX_DEAD_PAYLOAD)) };
    this.push({ kind: 'dead', dead: safe, done });
  }

  /**
   * Resolves once these bays are decided again without the silent device's word (and the lot
   * counts and the map with them): they follow the other source or go unknown, never "free" on a
   * silent sensor's word. Through the writer, not beside it: it alone keeps bay_state and its
   * mirror in step. A device heard since counts again in the batch that decides.
   */
  markUnknown(silences: Silence[]): Promise<void> {
    for (const s of silences) this.devices.silent.add(s.deviceId);
    return this.recheck(silences.map((s) => s.bayCode));
  }

  /** Resolves once these bays are decided again from their evidence (a device flagged or cleared, a camera overdue). */
  recheck(bayCodes: Iterable<string>): Promise<void> {
    return Promise.all([...new Set(bayCodes)].map((bayCode) => promised((done) => this.push({ kind: 'recheck', bayCode, done })))).then(() => {});
  }

  private push(item: Item): void {
    if (this.closed) return item.done(new Error('ingest is shutting down; the device should retry'));
    this.queue.push(item);
    this.opts.metrics.ingestBacklog.set(this.backlog);
    this.schedule();
  }

  private schedule(): void {
    if (this.flushing) return;
    if (this.queue.length >= this.opts.batchMax) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.opts.batchWaitMs);
    }
  }

  /** Wait for everything queued so far to be committed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      if (!this.flushing) await this.flush();
      else await new Promise((r) => setTimeout(r, 2));
    }
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    clearTimeout(this.timer);
  }

  /**
   * Sends batches on one connection until none is in flight: the first now, each next one behind
   * the one before (send), and settles them in order.
   */
  private async flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    try {
      let client: PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        this.settle(this.queue.splice(0, this.opts.batchMax), process.hrtime.bigint(), { err: err as Error });
        return;
      }
      this.share.held();
      try {
        this.send(client, undefined);
        while (this.runs.length) {
          const run = this.runs[0];
          const outcome = await run.result;
          this.runs.shift();
          // The batch after the next goes out before this one's devices are answered (settle).
          this.sendNext(client);
          this.settle(run.batch, run.started, outcome);
          // None in flight: short work's turn, then on unless others have waited in the pool.
          if (!this.runs.length && await this.share.between(client) && this.queue.length) this.send(client, undefined);
        }
      } finally {
        this.share.released();
        client.release();
      }
    } finally {
      this.flushing = false;
      this.opts.metrics.ingestBacklog.set(this.backlog);
      if (this.queue.length) {
        clearTimeout(this.timer);
        this.timer = undefined;
        void this.flush();
      }
    }
  }

  /** A batch from the queue, sent now on `client` behind `after` (a batch still in flight there, whose last statement has gone). */
  private send(client: PoolClient, after: Run | undefined): void {
    const run: Run = {
      batch: this.queue.splice(0, this.opts.batchMax), token: `${++this.batchSerial}`, after: after?.token ?? null,
      lastSent: false, keys: new Set(), started: process.hrtime.bigint(), result: undefined!,
    };
    this.runs.push(run);
    run.result = this.commitRetrying(run, client).then((change) => ({ change }), (err: Error) => ({ err }));
  }

  /**
   * The next batch behind the last one in flight, once that one has sent its last statement: its
   * plan goes into the mirror now, before its COMMIT, and the next is planned on it. If it then
   * fails, the next fails too (the database checks the order: migration 033) and goes back to the
   * queue, to be planned again on the mirror re-read from the database. Not when shared (each batch
   * reads its bays under its lots' locks), not while the mirror is being re-read, and not once
   * others have waited a while for the connection or short work waits (ingest/connection-share.ts): they get it between batches.
   */
  private sendNext(client: PoolClient): void {
    if (!this.queue.length || this.runs.length >= 2 || this.opts.shared || this.mirrorStale || !this.share.mayFollow()) return;
    const last = this.runs.at(-1);
    if (last && (!last.lastSent || !last.planned)) return;
    if (last) this.applyPlan(last.planned!);
    this.send(client, last);
  }

  /** Its last statement is on its way: the next batch may follow it. */
  private sent(run: Run, client: PoolClient): void {
    run.lastSent = true;
    this.sendNext(client);
  }

  /** A batch's outcome: its devices answered (after the batch that went out behind it), or its items failed or requeued. */
  private settle(batch: Item[], started: bigint, outcome: { change?: Change; err?: Error }): void {
    const { change, err } = outcome;
    if (change) {
      this.opts.metrics.commitBatchSize.observe(batch.length);
      this.opts.metrics.commitSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      // Shared: the batch's transaction relayed it to the other processes already.
      if (change.lots.length || change.bays.length) {
        if (this.opts.shared) this.opts.changes.emitLocal('availability', change);
        else this.opts.changes.emit('availability', change);
      }
      setImmediate(() => this.answer(batch, null));
    } else if ((err as { code?: string }).code === BATCH_OUT_OF_ORDER) {
      // The batch before it failed, so the database refused it: back to the queue, nothing lost.
      this.queue.unshift(...batch);
    } else {
      // Nothing in this batch was acknowledged: devices keep their messages and resend (QoS 1).
      // When whether it committed is unknown (the connection broke, or a lost answer outside a
      // transaction), re-read the bay states before the next batch, so a resent message is judged
      // against what the database really holds. An SQL error rolled everything back: nothing to
      // re-read, unless the mirror already held this batch's plan (see sendNext).
      if (outcomeUnknown(err)) this.mirrorStale = true;
      this.opts.log.error({ err, batch: batch.length }, 'ingest commit failed');
      this.answer(batch, err!);
    }
    this.opts.metrics.ingestBacklog.set(this.backlog);
    this.opts.onCommitted?.();
  }

  /** Each item's `done`: one that throws is logged, and the rest of the batch still answered. */
  private answer(batch: Item[], err: Error | null): void {
    for (const item of batch) {
      try { item.done(err); } catch (thrown) { this.opts.log.error({ err: thrown }, 'ingest: answering a committed message threw'); }
    }
  }

  /** Gate reports and sensors' changes of word in gated garages, to the gate balance. Returns the garages whose balance moved. */
  private balanceGates(events: IngestEvent[], updates: BayUpdate[]): Set<string> {
    return this.gates.fold(events, updates, (lotId) => this.devices.peers(lotId, 'gate-camera').length > 0);
  }

  /**
   * A transaction the database asks to retry (SQLSTATE 40001, e.g. the embedded database lost an
   * answer and rolled back) is retried here, twice at most, so devices keep their connections and
   * only see a later PUBACK; not once a batch has gone out behind it (it would overtake that one).
   */
  private async commitRetrying(run: Run, client: PoolClient): Promise<Change> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commit(run, client);
      } catch (err) {
        if ((err as { code?: string }).code !== RETRY_TRANSACTION || attempt >= 3 || this.runs.at(-1) !== run) throw err;
        this.opts.log.error({ err, batch: run.batch.length, attempt }, 'ingest commit rolled back by the database; retrying the batch');
        run.lastSent = false;
      }
    }
  }

  /**
   * Another process may have changed these lots' bays and sessions since we last looked: lock the
   * lots (every writer takes them in one order, so none waits on another in a circle), then read.
   * The hooks read after the lock, so they see what it protects. Resolves with what they read.
   * Issued together (pipelined: one round trip): the server runs them in order, and each read's
   * snapshot is taken when it starts, after the lock is held.
   */
  private async beginShared(client: PoolClient, codes: string[], events: IngestEvent[], hooks: BatchHook[]): Promise<unknown[]> {
    const lots = await lotsOf(client, events, codes, this.bays);
    // The faults of the devices these bays rest on now, as far as this process knows them: another
    // process may have flagged or cleared them.
    const ids = new Set(events.flatMap((e) => (e.observation ? [e.deviceId] : [])));
    for (const code of codes) {
      const r = this.bays.get(code);
      if (r?.sensorId) ids.add(r.sensorId);
      if (r?.cameraId) ids.add(r.cameraId);
    }
    // Sent in this order (each call issues its statement), so the hooks' reads come after the lock.
    const [, loaded] = await Promise.all([
      Promise.all([client.query('BEGIN'), lockLots(client, lots), this.bays.refresh(client, codes), this.devices.loadFaults(client, [...ids]), readGates(client, this.gates, lots)]),
      Promise.all(hooks.map((h) => h.load?.(client, events))),
    ]);
    return loaded;
  }

  /**
   * A batch's items by kind. Repeats inside one batch collapse here, and repeats of events this
   * writer committed lately (a resend after a lost PUBACK) or is committing now are answered from
   * memory; older repeats hit the unique key.
   */
  private sort(batch: Item[]): Sorted {
    const seen = new Set<string>();
    const keys: string[] = [];
    const events: IngestEvent[] = [];
    const rows: string[] = [];
    const dead: DeadLetter[] = [];
    const recheck = new Set<string>();
    let inBatchDuplicates = 0;
    for (const item of batch) {
      if (item.kind === 'dead') { dead.push(item.dead); continue; }
      if (item.kind === 'recheck') { recheck.add(item.bayCode); continue; }
      const e = item.event;
      const key = `${e.deviceId}\u0000${e.seq}\u0000${e.eventTime.getTime()}`;
      if (seen.has(key) || this.recent.has(key) || this.inFlight(key)) { inBatchDuplicates++; continue; }
      seen.add(key);
      keys.push(key);
      events.push(e);
      rows.push(item.row);
    }
    return { keys, events, rows, dead, recheck, inBatchDuplicates, codes: bayCodes(events, recheck) };
  }

  /** A key of a batch in the database now: a resend of it is a repeat too. */
  private inFlight(key: string): boolean {
    for (const r of this.runs) if (r.keys.has(key)) return true;
    return false;
  }

  /**
   * What a batch does to bays and devices, decided in memory from the mirror; with the batch
   * statement's parameters. The mirror must hold every bay and device of the batch (ensure).
   */
  private plan(s: Sorted, shared: boolean, run: Run): Planned {
    // The clock the batch is judged at: its newest event time, never ahead of this machine's.
    let newest = -Infinity;
    for (const e of s.events) newest = Math.max(newest, e.eventTime.getTime());
    const clock = Math.max(this.devices.clock ?? -Infinity, Math.min(Date.now(), newest));
    const observed = planBays(s.events, s.recheck, this.bays, (id) => this.devices.fault(id), clock,
      (code) => this.gates.doubted(code, this.bays.get(code)!.lotId), (id) => this.devices.cadenceMs(id));
    const touched = this.devices.plan(s.events, clock, shared);
    // Several processes: each reads its bays from the database, so every word is stored there.
    const params = batchParams(s.rows, s.dead, shared ? observed.updates : observed.updates.filter((u) => u.store), observed.deltas, touched);
    params.push(this.orderSetting, run.after, run.token);
    return { clock, observed, touched, params, applied: false };
  }

  /** The plan into the mirror and the device book: after COMMIT, or before it to plan the next batch on it (sendNext). */
  private applyPlan(p: Planned): void {
    if (p.applied) return;
    p.applied = true;
    this.bays.apply(p.observed.updates);
    this.devices.apply(p.touched, p.clock);
  }

  private async commit(run: Run, client: PoolClient): Promise<Change> {
    if (this.mirrorStale) {
      // Read behind whatever is in flight on this connection (sendNext sends nothing more while the
      // mirror is stale), so it sees what that batch left.
      await this.bays.load(client);
      this.devices.forgetWritten();
      this.mirrorStale = false;
    }
    run.keys.clear(); // a retry's own keys are not repeats of itself
    const s = this.sort(run.batch);
    run.keys = new Set(s.keys);
    const { keys, events, codes, inBatchDuplicates } = s;

    // Without hooks the batch is ONE statement (atomic on its own): every round trip to the
    // embedded database is time the whole pipeline waits.
    const shared = this.opts.shared === true;
    // The hooks build on events: a batch of repeats, dead letters or rechecks only has none for them,
    // nor one whose events no hook is concerned with (a garage's sensors, say, for billing). Gate
    // counts are kept in the transaction too.
    const hooks = events.length ? this.hooks.filter((h) => h.concerns?.(events) ?? true) : [];
    const eventGates = gateCounts(events);
    const transaction = hooks.length > 0 || shared || eventGates.length > 0;
    let p: Planned | undefined;
    try {
      let loaded: unknown[] = [];
      let loading: Promise<unknown[]> | undefined;
      if (shared) {
        loaded = await this.beginShared(client, codes, events, hooks);
      } else if (transaction) {
        // BEGIN and the hooks' reads go out together (pipelined: one round trip), and this thread
        // plans the bays while the database runs them. The reads cannot depend on this batch's
        // events, which are not stored yet.
        loading = Promise.all([client.query('BEGIN'), ...hooks.map((h) => h.load?.(client, events))]).then(([, ...l]) => l);
        loading.catch(() => {}); // awaited below; a failure there must not count as unhandled first
      }
      await Promise.all([this.bays.ensure(client, codes), this.devices.ensure(client, [...new Set(events.map((e) => e.deviceId))])]);
      p = run.planned = this.plan(s, shared, run);
      const { observed } = p;
      this.opts.metrics.mqttLate.inc(observed.late);
      // Right behind BEGIN and the hooks' reads, before their answers: the database goes from one to
      // the other without waiting for this thread, which may be reading a thousand device sockets
      // before it gets to the answers (a round trip there was ~10 ms of the database idle).
      const stored = preparedQuery(client, BATCH_SQL, p.params);
      stored.catch(() => {}); // awaited below; a failed read before it must not leave it unhandled
      if (loading) loaded = await loading;
      // Sent: while the database stores the events, the hooks plan on what they read, or the next
      // batch goes out behind this one. Only once the statement has left this process: a large batch
      // does not fit the socket buffer, and its tail would wait for the end of a synchronous plan
      // while the database sat idle.
      await flushed(client);
      if (!transaction) this.sent(run, client);
      // A plan that throws is dropped, not raised here (the insert is in flight): the hook then
      // starts over on its own and raises the error where it can be handled.
      const planned = hooks.map((h, i) => {
        try {
          return h.plan && loaded[i] !== undefined ? h.plan(loaded[i], events) : undefined;
        } catch {
          return undefined;
        }
      });
      const [result] = (await stored).rows;
      const inserted = Number(result.inserted);
      let lots: LotCounts[] = (result.lots ?? []).map(lotCounts);
      // A bay update never needs to know which events were repeats (a repeat is never newer than
      // the mirror), but hooks, gate counts and metrics do; asking costs a query only when repeats
      // the writer did not know of itself exist (ingest/recent-keys.ts).
      let fresh = events;
      let afterCommit: Array<() => void> = [];
      if (transaction) ({ fresh, lots, afterCommit } = await this.finish(client, run, { events, eventGates, inserted, lots, observed, hooks, planned }));
      this.applyPlan(p);
      for (const key of keys) this.recent.add(key);
      if (!shared) this.balanceGates(fresh, observed.updates);
      for (const then of afterCommit) setImmediate(then);
      this.opts.metrics.mqttStored.inc(inserted);
      this.opts.metrics.mqttDuplicates.inc(events.length - inserted + inBatchDuplicates);
      return { lots, bays: observed.changes };
    } catch (err) {
      // The mirror held this plan for the batch behind it: read it again from the database.
      if (p?.applied) this.mirrorStale = true;
      // Not once COMMIT has gone: a ROLLBACK now would reach the transaction of the batch behind.
      if (transaction && !run.lastSent) await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /**
   * A transaction's end: the gate counts, the hooks' writes and COMMIT go out back to back (each
   * round trip waits for this thread's turn with the database idle). A statement that fails aborts
   * the transaction, and the COMMIT behind it then rolls back (checked here).
   */
  private async finish(client: PoolClient, run: Run, b: {
    events: IngestEvent[]; eventGates: Array<{ l: string; d: number }>; inserted: number; lots: LotCounts[];
    observed: { changes: BayChange[]; updates: BayUpdate[] }; hooks: BatchHook[]; planned: unknown[];
  }): Promise<{ fresh: IngestEvent[]; lots: LotCounts[]; afterCommit: Array<() => void> }> {
    const shared = this.opts.shared === true;
    let { lots } = b;
    const fresh = b.inserted < b.events.length ? await freshOnly(client, b.events) : b.events;
    const gates = fresh === b.events ? b.eventGates : gateCounts(fresh);
    const counted = gates.length ? countGates(client, gates) : undefined;
    counted?.catch(() => {}); // awaited below, after the hooks
    // Shared: the garages' balances, read under their locks (beginShared), go back with the batch.
    const balanced = shared ? this.balanceGates(fresh, b.observed.updates) : undefined;
    const gatesSaved = balanced?.size ? saveGates(client, gateStates(this.gates, balanced)) : undefined;
    gatesSaved?.catch(() => {}); // awaited below, after the hooks
    let committed: Promise<{ command: string }> | undefined;
    const notes: BatchNotes = { invoicing: [], charging: new Set() };
    const behind: Array<() => void> = [];
    const commitNow = () => {
      if (committed) return;
      committed = client.query('COMMIT');
      committed.catch(() => {}); // awaited below; a hook's own failure comes first
      // Before the next batch may go out on this connection (this.sent).
      if (notes.invoicing.length) for (const h of this.hooks) { const then = h.behindCommit?.(client, notes); if (then) behind.push(then); }
      this.sent(run, client);
    };
    // The last hook may have COMMIT sent right behind its last statement (not when shared: the relay comes after).
    const last = shared ? -1 : b.hooks.length - 1;
    const afterCommit: Array<() => void> = [];
    for (const [i, hook] of b.hooks.entries()) {
      const then = await hook(client, fresh, fresh === b.events ? b.planned[i] : undefined, i === last ? commitNow : undefined, notes);
      if (then) afterCommit.push(then);
    }
    if (counted) lots = mergeLots(lots, await counted);
    await gatesSaved;
    if (shared && (lots.length || b.observed.changes.length)) await this.opts.changes.relayIn(client, 'availability', { lots, bays: b.observed.changes });
    commitNow();
    const { command } = await committed!;
    if (command !== 'COMMIT') throw new Error(`the ingest transaction ended in ${command}, not COMMIT: nothing of the batch is stored`);
    return { fresh, lots, afterCommit: [...afterCommit, ...behind] };
  }
}

/** What a batch changed, for the map and the lots' figures. */
type Change = { lots: LotCounts[]; bays: BayChange[] };

/**
 * A batch sent to the database (EventWriter.send), from its first statement until it is settled.
 * `token` names it in the database's order check (migration 033), `after` the batch it went out
 * behind, which must have committed for it to be stored.
 */
interface Run {
  batch: Item[];
  token: string;
  after: string | null;
  /** Its last statement has gone out: the next batch may follow it. */
  lastSent: boolean;
  /** Its events' keys: a resend of one while it is in flight is a repeat. */
  keys: Set<string>;
  planned?: Planned;
  started: bigint;
  /** Settles once its COMMIT has answered; never rejects. */
  result: Promise<{ change?: Change; err?: Error }>;
}

let writerSerial = 0;

/** A batch's items by kind (EventWriter.sort), and the bays they name. */
interface Sorted { keys: string[]; events: IngestEvent[]; rows: string[]; dead: DeadLetter[]; recheck: Set<string>; inBatchDuplicates: number; codes: string[] }

/** A batch planned in memory (EventWriter.plan): what it does to bays and devices, and BATCH_SQL's parameters. */
interface Planned {
  clock: number; observed: BayPlan; touched: Touch[]; params: Array<string | null>;
  /** The mirror and the device book hold it already (before its COMMIT when the next batch was planned on it). */
  applied: boolean;
}

/**
 * Resolves when everything written to the client's socket has gone to the kernel. pg does not expose
 * its socket; `connection.stream` is the net.Socket it writes to (a missing one counts as flushed).
 */
async function flushed(client: PoolClient): Promise<void> {
  const stream = (client as unknown as { connection?: { stream?: { writableLength?: number } } }).connection?.stream;
  while ((stream?.writableLength ?? 0) > 0) await new Promise((resolve) => setImmediate(resolve));
}

function bayCodes(events: IngestEvent[], recheck: Set<string>): string[] {
  const codes = new Set(recheck);
  for (const e of events) if (e.observation) codes.add(e.observation.bayCode);
  return [...codes];
}

/**
 * The events whose stored row is the one this batch wrote (a repeat finds an older received_at).
 * Only what the hooks and gate counts read is looked up: heartbeats move neither, and at city scale
 * they are ~98 % of a batch and nearly every batch with billing in it held a repeat the writer did
 * not know of (15 ms a batch to look up ~1,900 events). Repeated heartbeats alone leave the batch
 * as it is (the same array: the hooks' plans made before the insert still hold).
 */
async function freshOnly(client: PoolClient, events: IngestEvent[]): Promise<IngestEvent[]> {
  const read = events.filter((e) => e.type !== 'heartbeat');
  if (!read.length) return events;
  const { rows } = await client.query(
    `SELECT d.device_id, d.seq, d.event_time, d.received_at
       FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS k(device_id, seq, event_time)
       JOIN device_events d ON d.device_id = k.device_id AND d.seq = k.seq AND d.event_time = k.event_time`,
    [read.map((e) => e.deviceId), read.map((e) => e.seq), read.map((e) => e.eventTime.toISOString())],
  );
  const key = (device: string, seq: number, t: Date) => `${device}\u0000${seq}\u0000${t.getTime()}`;
  const storedAt = new Map(rows.map((r) => [key(r.device_id, r.seq, new Date(r.event_time)), new Date(r.received_at).getTime()]));
  const repeats = new Set(read.filter((e) => storedAt.get(key(e.deviceId, e.seq, e.eventTime)) !== e.receivedAt.getTime()));
  return repeats.size ? events.filter((e) => !repeats.has(e)) : events;
}
