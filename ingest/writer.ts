// Group commit: messages from all devices wait a few milliseconds together and are written in one
// transaction; each publisher's PUBACK is released only when that transaction has committed.
// One flush at a time: while one commits, the next batch gathers, so batches grow with load.
import type { Pool, PoolClient } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ChangeFeed, LotCounts, BayChange } from '../core/changes.ts';
import type { BatchHook, IngestEvent } from '../core/ingest-events.ts';
import { BayMirror, type BayUpdate } from './bay-mirror.ts';
import { planBays, type BayPlan, type Counts } from './bay-plan.ts';
import { DeviceBook, type Touch } from './device-book.ts';
import { RETRY_TRANSACTION, outcomeUnknown } from '../core/db/sqlstate.ts';
import { preparedQuery } from '../core/db/prepared.ts';
import type { RejectCode } from '../core/protocol.ts';
import { RecentKeys } from './recent-keys.ts';
import { countGates, gateCounts, lotCounts, mergeLots } from './lot-counts.ts';
import { GateBalance } from './gate-balance.ts';

/** `code`: core/protocol.ts REJECT_CODES, which the console words; `reason` says it in English with the specifics. */
export interface DeadLetter { deviceId: string | null; topic: string; code: RejectCode | null; reason: string; payload: string }

/** A bay whose reporting device fell silent (ingest/device-health.ts): decided again without its word. */
export interface Silence { bayCode: string; deviceId: string; at: Date }

type Item = { kind: 'event'; event: IngestEvent; row: string; done: Deferred } | { kind: 'dead'; dead: DeadLetter; done: Deferred }
  | { kind: 'recheck'; bayCode: string; done: Deferred };
interface Deferred { resolve(): void; reject(err: Error): void }

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
  /** Messages of the batch being committed now (the backlog gauge counts them with the queue). */
  private committing = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly hooks: BatchHook[];
  /** Each bay's evidence and each device's cadence and faults (read by ingest/evidence-check.ts). */
  readonly bays = new BayMirror();
  readonly devices = new DeviceBook();
  /** Cars the garages' gates let in that no sensor saw park (off when shared: ingest/gate-balance.ts). */
  readonly gates = new GateBalance();
  private mirrorStale = false;
  private readonly recent: RecentKeys;
  /** The next batch, planned while the one before it is in the database (prefetch). */
  private next: { batch: Item[]; planned: Planned } | undefined;
  /** The keys of the batch in the database while the next is sorted: a resend of one is a repeat too. */
  private inFlight: Set<string> | undefined;

  constructor(private readonly pool: Pool, private readonly opts: WriterOptions) {
    this.hooks = [...(opts.hooks ?? [])];
    this.recent = new RecentKeys(opts.recentKeys ?? 65_536);
  }

  /** Load what the database holds about every bay and device; call once before the first write. */
  async start(): Promise<void> {
    await Promise.all([this.bays.load(this.pool), this.devices.load(this.pool)]);
  }

  /** Messages read from devices and not yet committed: waiting, or in the commit under way. */
  get backlog(): number {
    return this.queue.length + this.committing + (this.next?.batch.length ?? 0);
  }

  /** Resolves once the event is durably committed (or was a duplicate of a committed one). */
  write(event: IngestEvent): Promise<void> {
    // Its row of the batch document is written now, while the database works on the batch before:
    // at commit time this thread would hold the database up (~30 µs an event).
    const row = eventRow(event);
    return this.enqueue((done) => ({ kind: 'event', event, row, done }));
  }

  /** Resolves once the rejected message and its reason are durably stored. */
  deadLetter(dead: DeadLetter): Promise<void> {
    const safe = { ...dead, reason: storable(dead.reason), topic: storable(dead.topic), payload: storable(dead.payload.slice(0, MAX_DEAD_PAYLOAD)) };
    return this.enqueue((done) => ({ kind: 'dead', dead: safe, done }));
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
    return Promise.all([...new Set(bayCodes)].map((bayCode) => this.enqueue((done) => ({ kind: 'recheck', bayCode, done })))).then(() => {});
  }

  private enqueue(make: (d: Deferred) => Item): Promise<void> {
    if (this.closed) return Promise.reject(new Error('ingest is shutting down; the device should retry'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push(make({ resolve, reject }));
      this.opts.metrics.ingestBacklog.set(this.backlog);
      this.schedule();
    });
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
    while (this.queue.length > 0 || this.flushing || this.next) {
      if (!this.flushing) await this.flush();
      else await new Promise((r) => setTimeout(r, 2));
    }
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async flush(): Promise<void> {
    if (this.flushing || (this.queue.length === 0 && !this.next)) return;
    this.flushing = true;
    // A batch planned while the one before was in the database (prefetch) goes first, as planned.
    const ready = this.next?.planned;
    const batch = this.next?.batch ?? this.queue.splice(0, this.opts.batchMax);
    this.next = undefined;
    this.committing = batch.length;
    const started = process.hrtime.bigint();
    let committed = false;
    try {
      const change = await this.commitRetrying(batch, ready);
      committed = true;
      this.opts.metrics.commitBatchSize.observe(batch.length);
      this.opts.metrics.commitSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      // Shared: the batch's transaction relayed it to the other processes already.
      if (change.lots.length || change.bays.length) {
        if (this.opts.shared) this.opts.changes.emitLocal('availability', change);
        else this.opts.changes.emit('availability', change);
      }
    } catch (err) {
      // Nothing in this batch was acknowledged: devices keep their messages and resend (QoS 1).
      // When whether it committed is unknown (the connection broke, or a lost answer outside a
      // transaction), re-read the bay states before the next batch, so a resent message is judged
      // against what the database really holds. An SQL error rolled everything back: nothing to
      // re-read, unless the mirror already held this batch's plan (see prefetch).
      if (outcomeUnknown(err)) this.mirrorStale = true;
      this.opts.log.error({ err, batch: batch.length }, 'ingest commit failed');
      for (const item of batch) item.done.reject(err as Error);
    } finally {
      this.flushing = false;
      this.committing = 0;
      this.opts.metrics.ingestBacklog.set(this.backlog);
      this.opts.onCommitted?.();
      // What arrived during this commit is the next group: its first statements go to the database
      // straight away, and this batch's PUBACKs are written while the database runs them (a
      // thousand socket writes would otherwise keep the database idle).
      if (this.queue.length || this.next) {
        clearTimeout(this.timer);
        this.timer = undefined;
        void this.flush();
      }
      if (committed) setImmediate(() => { for (const item of batch) item.done.resolve(); });
    }
  }

  /** Gate reports and sensors' changes of word in gated garages, to the gate balance. */
  private balanceGates(events: IngestEvent[], updates: BayUpdate[]): void {
    for (const e of events) {
      const direction = (e.payload as { direction?: string }).direction;
      if (e.type === 'gate' && e.lotId && (direction === 'in' || direction === 'out')) this.gates.gate(e.lotId, direction, e.eventTime.getTime());
    }
    for (const { record: r, was } of updates) {
      if (r.sensorOccupied === null || r.sensorOccupied === was.sensorOccupied || r.sensorTime === was.sensorTime) continue;
      if (this.devices.peers(r.lotId, 'gate-camera').length) this.gates.sensor(r.lotId, r.sensorOccupied, r.sensorTime!);
    }
  }

  /**
   * A transaction the database asks to retry (SQLSTATE 40001, e.g. the embedded database lost an
   * answer and rolled back) is retried here, twice at most, so devices keep their connections and
   * only see a later PUBACK.
   */
  private async commitRetrying(batch: Item[], ready?: Planned): Promise<{ lots: LotCounts[]; bays: BayChange[] }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commit(batch, attempt === 1 ? ready : undefined);
      } catch (err) {
        if ((err as { code?: string }).code !== RETRY_TRANSACTION || attempt >= 3) throw err;
        this.opts.log.error({ err, batch: batch.length, attempt }, 'ingest commit rolled back by the database; retrying the batch');
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
    const [, , , , ...loaded] = await Promise.all([
      client.query('BEGIN'), lockLots(client, lots), this.bays.refresh(client, codes), this.devices.loadFaults(client, [...ids]),
      ...hooks.map((h) => h.load?.(client, events)),
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
      if (seen.has(key) || this.recent.has(key) || this.inFlight?.has(key)) { inBatchDuplicates++; continue; }
      seen.add(key);
      keys.push(key);
      events.push(e);
      rows.push(item.row);
    }
    return { keys, events, rows, dead, recheck, inBatchDuplicates, codes: bayCodes(events, recheck) };
  }

  /**
   * What a batch does to bays and devices, decided in memory from the mirror; with the batch
   * statement's parameters. The mirror must hold every bay and device of the batch (ensure).
   */
  private plan(s: Sorted, shared: boolean): Planned {
    // The clock the batch is judged at: its newest event time, never ahead of this machine's.
    let newest = -Infinity;
    for (const e of s.events) newest = Math.max(newest, e.eventTime.getTime());
    const clock = Math.max(this.devices.clock ?? -Infinity, Math.min(Date.now(), newest));
    const observed = planBays(s.events, s.recheck, this.bays, (id) => this.devices.fault(id), clock,
      (code) => this.gates.doubted(code, this.bays.get(code)!.lotId), (id) => this.devices.cadenceMs(id));
    const touched = this.devices.plan(s.events, clock, shared);
    // Several processes: each reads its bays from the database, so every word is stored there.
    const params = batchParams(s.rows, s.dead, shared ? observed.updates : observed.updates.filter((u) => u.store), observed.deltas, touched);
    return { sorted: s, clock, observed, touched, params, applied: false };
  }

  /** The plan into the mirror and the device book: after COMMIT, or before it to plan the next batch on it (prefetch). */
  private applyPlan(p: Planned): void {
    if (p.applied) return;
    p.applied = true;
    this.bays.apply(p.observed.updates);
    this.devices.apply(p.touched, p.clock);
  }

  /**
   * While the database runs this batch, plan the next from what has arrived, so the database does
   * not wait for this thread between batches: the mirror takes this batch's plan now, before its
   * COMMIT, and the next is planned on it. If this batch then fails, the next goes back to the
   * queue and the mirror is read again from the database (mirrorStale) before anything else is
   * planned. Not when shared (every batch reads its bays under its lots' locks), nor when the next
   * batch names a bay or device the mirror has not loaded yet (that needs a query).
   */
  private prefetch(current: Planned): void {
    if (this.opts.shared || this.next || !this.queue.length || this.closed) return;
    const batch = this.queue.splice(0, this.opts.batchMax);
    this.inFlight = new Set(current.sorted.keys);
    const s = this.sort(batch);
    this.inFlight = undefined;
    const known = s.codes.every((c) => this.bays.get(c)) && s.events.every((e) => this.devices.get(e.deviceId));
    if (!known) {
      this.queue.unshift(...batch);
      return;
    }
    this.applyPlan(current);
    this.next = { batch, planned: this.plan(s, false) };
  }

  /** A prefetched batch whose predecessor failed: back to the front of the queue, to be planned again on a fresh mirror. */
  private unprefetch(current: Planned | undefined): void {
    if (current?.applied) this.mirrorStale = true;
    if (this.next) this.queue.unshift(...this.next.batch);
    this.next = undefined;
  }

  private async commit(batch: Item[], ready?: Planned): Promise<{ lots: LotCounts[]; bays: BayChange[] }> {
    if (this.mirrorStale) {
      await this.bays.load(this.pool);
      this.devices.forgetWritten();
      this.mirrorStale = false;
      ready = undefined; // planned on what the mirror held: plan again
    }
    const s = ready?.sorted ?? this.sort(batch);
    const { keys, events, codes, inBatchDuplicates } = s;

    const client = await this.pool.connect();
    // Without hooks the batch is ONE statement (atomic on its own): every round trip to the
    // embedded database is time the whole pipeline waits.
    const shared = this.opts.shared === true;
    // The hooks build on events: a batch of repeats, dead letters or rechecks only has none for them,
    // nor one whose events no hook is concerned with (a garage's sensors, say, for billing). Gate
    // counts are kept in the transaction too.
    const hooks = events.length ? this.hooks.filter((h) => h.concerns?.(events) ?? true) : [];
    const eventGates = gateCounts(events);
    const transaction = hooks.length > 0 || shared || eventGates.length > 0;
    let p = ready;
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
      if (!p) {
        await Promise.all([this.bays.ensure(client, codes), this.devices.ensure(client, [...new Set(events.map((e) => e.deviceId))])]);
        p = this.plan(s, shared);
      }
      const { observed } = p;
      this.opts.metrics.mqttLate.inc(observed.late);
      // Right behind BEGIN and the hooks' reads, before their answers: the database goes from one to
      // the other without waiting for this thread, which may be reading a thousand device sockets
      // before it gets to the answers (a round trip there was ~10 ms of the database idle).
      const stored = preparedQuery(client, BATCH_SQL, p.params);
      stored.catch(() => {}); // awaited below; a failed read before it must not leave it unhandled
      if (loading) loaded = await loading;
      // Sent: while the database stores the events, the hooks plan on what they read and the next
      // batch is planned. Only once the statement has left this process: a large batch does not fit
      // the socket buffer, and its tail would wait for the end of a synchronous plan while the
      // database sat idle.
      await flushed(client);
      // A plan that throws is dropped, not raised here (the insert is in flight): the hook then
      // starts over on its own and raises the error where it can be handled.
      const planned = hooks.map((h, i) => {
        try {
          return h.plan && loaded[i] !== undefined ? h.plan(loaded[i], events) : undefined;
        } catch {
          return undefined;
        }
      });
      this.prefetch(p);
      const [result] = (await stored).rows;
      const inserted = Number(result.inserted);
      let lots: LotCounts[] = (result.lots ?? []).map(lotCounts);
      // A bay update never needs to know which events were repeats (a repeat is never newer than
      // the mirror), but hooks, gate counts and metrics do; asking costs a query only when repeats
      // the writer did not know of itself exist (ingest/recent-keys.ts).
      let fresh = events;
      const afterCommit: Array<() => void> = [];
      if (transaction) {
        if (inserted < events.length) fresh = await freshOnly(client, events);
        const gates = fresh === events ? eventGates : gateCounts(fresh);
        if (gates.length) lots = mergeLots(lots, await countGates(client, gates));
        for (const [i, hook] of hooks.entries()) {
          const then = await hook(client, fresh, fresh === events ? planned[i] : undefined);
          if (then) afterCommit.push(then);
        }
        if (shared && (lots.length || observed.changes.length)) await this.opts.changes.relayIn(client, 'availability', { lots, bays: observed.changes });
        await client.query('COMMIT');
      }
      this.applyPlan(p);
      for (const key of keys) this.recent.add(key);
      if (!shared) this.balanceGates(fresh, observed.updates);
      for (const then of afterCommit) setImmediate(then);
      this.opts.metrics.mqttStored.inc(inserted);
      this.opts.metrics.mqttDuplicates.inc(events.length - inserted + inBatchDuplicates);
      return { lots, bays: observed.changes };
    } catch (err) {
      this.unprefetch(p);
      if (transaction) await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
}

/** A batch's items by kind (EventWriter.sort), and the bays they name. */
interface Sorted { keys: string[]; events: IngestEvent[]; rows: string[]; dead: DeadLetter[]; recheck: Set<string>; inBatchDuplicates: number; codes: string[] }

/** A batch planned in memory (EventWriter.plan): what it does to bays and devices, and BATCH_SQL's parameters. */
interface Planned {
  sorted: Sorted; clock: number; observed: BayPlan; touched: Touch[]; params: string[];
  /** The mirror and the device book hold it already (before its COMMIT when the next batch was planned on it). */
  applied: boolean;
}

// One statement per batch: raw events, dead letters, bay states and their evidence (decided in
// memory, ingest/bay-plan.ts), lot counts (by delta), occupancy samples and device last-seen with
// its cadence, as data-modifying CTEs. JSON documents instead of many text arrays: Postgres parses
// one JSON ~15% faster. No RETURNING on the event insert (it cost ~30% of it). Times as epoch
// milliseconds (ms()), not ISO text: parsing 4,000 timestamps was a fifth of the statement.
const BATCH_SQL = `
WITH ins AS (
  INSERT INTO device_events (event_time, received_at, device_id, seq, type, lot_id, bay_code, payload)
  SELECT ms(t), ms(r), d, s, y, l, b, p FROM json_to_recordset($1::json)
      AS x(t float8, r float8, d text, s bigint, y text, l text, b text, p jsonb)
  ON CONFLICT DO NOTHING
  RETURNING 1
), dead AS (
  INSERT INTO dead_letters (device_id, topic, code, reason, payload)
  SELECT d, t, c, r, p FROM json_to_recordset($2::json) AS x(d text, t text, c text, r text, p text)
), bays AS (
  UPDATE bay_state b SET occupied = x.o, since = ms(x.s), event_time = ms(x.t), device_id = x.d, seq = x.q,
         basis = x.ba, doubt = x.db, believed_at = ms(x.ba_t),
         sensor_id = x.si, sensor_occupied = x.so, sensor_time = ms(x.st), sensor_since = ms(x.ss),
         camera_id = x.ci, camera_occupied = x.co, camera_time = ms(x.ct)
    FROM json_to_recordset($3::json) AS x(c text, o bool, s float8, t float8, d text, q bigint, ba text, db text, ba_t float8,
                                          si text, so bool, st float8, ss float8, ci text, co bool, ct float8)
   WHERE b.bay_code = x.c
), lots AS (
  UPDATE lot_availability a
     SET free = a.free + x.f, occupied = a.occupied + x.o, unknown = a.unknown + x.u, doubtful = a.doubtful + x.q, updated_at = now()
    FROM json_to_recordset($4::json) AS x(l text, f int, o int, u int, q int)
   WHERE a.lot_id = x.l
  RETURNING a.lot_id, a.free, a.occupied, a.unknown, a.doubtful, a.gate_inside, a.updated_at
), samples AS (
  INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
  SELECT now(), lot_id, free, occupied, unknown FROM lots
), seen AS (
  UPDATE devices d SET last_seen = GREATEST(d.last_seen, ms(x.t)), battery = COALESCE(x.b, d.battery),
         last_heartbeat = GREATEST(d.last_heartbeat, ms(x.h)), last_heard = GREATEST(d.last_heard, ms(x.n)),
         heartbeat_seen_s = COALESCE(x.c, d.heartbeat_seen_s), silent_after = COALESCE(ms(x.a), d.silent_after)
    FROM json_to_recordset($5::json) AS x(i text, t float8, b real, h float8, n float8, c real, a float8)
   WHERE d.id = x.i
)
SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT json_agg(lots) FROM lots) AS lots`.replace(/ms\(([^)]+)\)/g, 'to_timestamp($1 / 1000.0)');


/** An event's object in BATCH_SQL's first document. */
function eventRow(e: IngestEvent): string {
  return JSON.stringify({ t: e.eventTime.getTime(), r: e.receivedAt.getTime(), d: e.deviceId, s: e.seq, y: e.type, l: e.lotId, b: e.bayCode, p: e.payload });
}

/** BATCH_SQL's five JSON documents; the events' rows are made as they arrive (eventRow). */
function batchParams(rows: string[], dead: DeadLetter[], updates: BayUpdate[], deltas: Map<string, Counts>, touched: Touch[]): string[] {
  return [
    `[${rows.join(',')}]`,
    JSON.stringify(dead.map((d) => ({ d: d.deviceId, t: d.topic, c: d.code, r: d.reason, p: d.payload }))),
    JSON.stringify(updates.map(({ code, record: r }) => ({
      c: code, o: r.occupied, s: r.since, t: r.eventTime, d: r.deviceId, q: r.seq, ba: r.basis, db: r.doubt, ba_t: r.believedAt,
      si: r.sensorId, so: r.sensorOccupied, st: r.sensorTime, ss: r.sensorSince, ci: r.cameraId, co: r.cameraOccupied, ct: r.cameraTime,
    }))),
    JSON.stringify([...deltas].map(([id, d]) => ({ l: id, f: d.free, o: d.occupied, u: d.unknown, q: d.doubtful }))),
    JSON.stringify(touched.filter((t) => t.write).map(({ record: r }) => ({
      i: r.id, t: r.lastSeen, b: r.battery, h: r.lastHeartbeat, n: r.lastHeard, c: r.seenS, a: r.silentAfter,
    }))),
  ];
}

/**
 * Resolves when everything written to the client's socket has gone to the kernel. pg does not expose
 * its socket; `connection.stream` is the net.Socket it writes to (a missing one counts as flushed).
 */
async function flushed(client: PoolClient): Promise<void> {
  const stream = (client as unknown as { connection?: { stream?: { writableLength?: number } } }).connection?.stream;
  while ((stream?.writableLength ?? 0) > 0) await new Promise((resolve) => setImmediate(resolve));
}

/** Advisory locks per lot, a namespace of their own (core/leader.ts uses another). */
const LOT_LOCK_NAMESPACE = 0x0e1f;

/**
 * Transaction locks on these lots, taken in the order of their hashes: every writer takes them in
 * that one order, so two writers never each hold a lot the other waits for (two ids of one hash
 * are one lock, which the order also keeps acyclic).
 */
async function lockLots(client: PoolClient, lotIds: string[]): Promise<void> {
  if (!lotIds.length) return;
  await client.query(
    `SELECT pg_advisory_xact_lock(${LOT_LOCK_NAMESPACE}, h) FROM (SELECT DISTINCT hashtext(id) AS h FROM unnest($1::text[]) AS id ORDER BY 1) AS s`,
    [lotIds],
  );
}

function bayCodes(events: IngestEvent[], recheck: Set<string>): string[] {
  const codes = new Set(recheck);
  for (const e of events) if (e.observation) codes.add(e.observation.bayCode);
  return [...codes];
}

/** Every lot a batch touches: its events' and its bays' (a recheck names only a bay). */
async function lotsOf(client: PoolClient, events: IngestEvent[], codes: string[], mirror: BayMirror): Promise<string[]> {
  await mirror.ensure(client, codes);
  const lots = new Set<string>();
  for (const e of events) if (e.lotId) lots.add(e.lotId);
  for (const code of codes) {
    const lotId = mirror.get(code)?.lotId;
    if (lotId) lots.add(lotId);
  }
  return [...lots];
}

/** The events whose stored row is the one this batch wrote (a repeat finds an older received_at). */
async function freshOnly(client: PoolClient, events: IngestEvent[]): Promise<IngestEvent[]> {
  const { rows } = await client.query(
    `SELECT d.device_id, d.seq, d.event_time, d.received_at
       FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS k(device_id, seq, event_time)
       JOIN device_events d ON d.device_id = k.device_id AND d.seq = k.seq AND d.event_time = k.event_time`,
    [events.map((e) => e.deviceId), events.map((e) => e.seq), events.map((e) => e.eventTime.toISOString())],
  );
  const key = (device: string, seq: number, t: Date) => `${device}\u0000${seq}\u0000${t.getTime()}`;
  const storedAt = new Map(rows.map((r) => [key(r.device_id, r.seq, new Date(r.event_time)), new Date(r.received_at).getTime()]));
  return events.filter((e) => storedAt.get(key(e.deviceId, e.seq, e.eventTime)) === e.receivedAt.getTime());
}
