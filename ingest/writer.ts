// Group commit: messages from all devices wait a few milliseconds together and are written in one
// transaction; each publisher's PUBACK is released only when that transaction has committed.
// One flush at a time: while one commits, the next batch gathers, so batches grow with load.
import type { Pool, PoolClient } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ChangeFeed, LotCounts, BayChange } from '../core/changes.ts';
import type { BatchHook, IngestEvent } from '../core/ingest-events.ts';
import { BayMirror, iso, type BayUpdate } from './bay-mirror.ts';
import { planBays, type Counts } from './bay-plan.ts';
import { DeviceBook, type Touch } from './device-book.ts';
import { RETRY_TRANSACTION, outcomeUnknown } from '../core/db/sqlstate.ts';
import type { RejectCode } from '../core/protocol.ts';
import { RecentKeys } from './recent-keys.ts';
import { countGates, gateCounts, lotCounts, mergeLots } from './lot-counts.ts';
import { GateBalance } from './gate-balance.ts';

/** `code`: core/protocol.ts REJECT_CODES, which the console words; `reason` says it in English with the specifics. */
export interface DeadLetter { deviceId: string | null; topic: string; code: RejectCode | null; reason: string; payload: string }

/** A bay whose reporting device fell silent (ingest/device-health.ts): decided again without its word. */
export interface Silence { bayCode: string; deviceId: string; at: Date }

type Item = { kind: 'event'; event: IngestEvent; done: Deferred } | { kind: 'dead'; dead: DeadLetter; done: Deferred }
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
    return this.queue.length + this.committing;
  }

  /** Resolves once the event is durably committed (or was a duplicate of a committed one). */
  write(event: IngestEvent): Promise<void> {
    return this.enqueue((done) => ({ kind: 'event', event, done }));
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
      this.opts.metrics.ingestBacklog.set(this.queue.length + this.committing);
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

  private async flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue.splice(0, this.opts.batchMax);
    this.committing = batch.length;
    const started = process.hrtime.bigint();
    try {
      const change = await this.commitRetrying(batch);
      this.opts.metrics.commitBatchSize.observe(batch.length);
      this.opts.metrics.commitSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      for (const item of batch) item.done.resolve();
      // Shared: the batch's transaction relayed it to the other processes already.
      if (change.lots.length || change.bays.length) {
        if (this.opts.shared) this.opts.changes.emitLocal('availability', change);
        else this.opts.changes.emit('availability', change);
      }
    } catch (err) {
      // Nothing in this batch was acknowledged: devices keep their messages and resend (QoS 1).
      // When whether it committed is unknown (the connection broke, or a lost answer outside a
      // transaction), re-read the bay states before the next batch, so a resent message is judged
      // against what the database really holds. An SQL error rolled everything back: nothing to re-read.
      if (outcomeUnknown(err)) this.mirrorStale = true;
      this.opts.log.error({ err, batch: batch.length }, 'ingest commit failed');
      for (const item of batch) item.done.reject(err as Error);
    } finally {
      this.flushing = false;
      this.committing = 0;
      this.opts.metrics.ingestBacklog.set(this.queue.length);
      this.opts.onCommitted?.();
      // What arrived during this commit is the next group: commit it straight away (after pending
      // socket reads, so it also takes what has already arrived), not after another wait.
      if (this.queue.length) {
        clearTimeout(this.timer);
        this.timer = undefined;
        setImmediate(() => void this.flush());
      }
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
  private async commitRetrying(batch: Item[]): Promise<{ lots: LotCounts[]; bays: BayChange[] }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commit(batch);
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
   * writer committed lately (a resend after a lost PUBACK) are answered from memory; older repeats
   * hit the unique key.
   */
  private sort(batch: Item[]) {
    const seen = new Set<string>();
    const keys: string[] = [];
    const events: IngestEvent[] = [];
    const dead: DeadLetter[] = [];
    const recheck = new Set<string>();
    let inBatchDuplicates = 0;
    for (const item of batch) {
      if (item.kind === 'dead') { dead.push(item.dead); continue; }
      if (item.kind === 'recheck') { recheck.add(item.bayCode); continue; }
      const e = item.event;
      const key = `${e.deviceId}\u0000${e.seq}\u0000${e.eventTime.getTime()}`;
      if (seen.has(key) || this.recent.has(key)) { inBatchDuplicates++; continue; }
      seen.add(key);
      keys.push(key);
      events.push(e);
    }
    return { keys, events, dead, recheck, inBatchDuplicates };
  }

  private async commit(batch: Item[]): Promise<{ lots: LotCounts[]; bays: BayChange[] }> {
    const { keys, events, dead, recheck, inBatchDuplicates } = this.sort(batch);

    if (this.mirrorStale) {
      await this.bays.load(this.pool);
      this.devices.forgetWritten();
      this.mirrorStale = false;
    }
    const client = await this.pool.connect();
    // Without hooks the batch is ONE statement (atomic on its own): every round trip to the
    // embedded database is time the whole pipeline waits.
    const shared = this.opts.shared === true;
    // The hooks build on events: a batch of repeats, dead letters or rechecks only has none for them.
    const hooks = events.length ? this.hooks : [];
    const transaction = hooks.length > 0 || shared;
    const codes = bayCodes(events, recheck);
    try {
      let loaded: unknown[] = [];
      if (shared) {
        loaded = await this.beginShared(client, codes, events, hooks);
      } else if (transaction) {
        // BEGIN and the hooks' reads go out together (pipelined: one round trip). The reads cannot
        // depend on this batch's events, which are not stored yet.
        const begun = client.query('BEGIN');
        [, ...loaded] = await Promise.all([begun, ...hooks.map((h) => h.load?.(client, events))]);
      }
      // The clock the batch is judged at: its newest event time, never ahead of this machine's.
      let newest = -Infinity;
      for (const e of events) newest = Math.max(newest, e.eventTime.getTime());
      const clock = Math.max(this.devices.clock ?? -Infinity, Math.min(Date.now(), newest));
      await Promise.all([this.bays.ensure(client, codes), this.devices.ensure(client, [...new Set(events.map((e) => e.deviceId))])]);
      const observed = planBays(events, recheck, this.bays, (id) => this.devices.fault(id), clock,
        (code) => this.gates.doubted(code, this.bays.get(code)!.lotId));
      this.opts.metrics.mqttLate.inc(observed.late);
      const touched = this.devices.plan(events, clock, shared);
      const stored = client.query(BATCH_SQL, batchParams(events, dead, observed.updates, observed.deltas, touched));
      // Sent: while the database stores the events, the hooks plan on what they read. Only once the
      // statement has left this process: a large batch does not fit the socket buffer, and its tail
      // would wait for the end of a synchronous plan while the database sat idle.
      if (hooks.some((h) => h.plan)) await flushed(client);
      // A plan that throws is dropped, not raised here (the insert is in flight): the hook then
      // starts over on its own and raises the error where it can be handled.
      const planned = hooks.map((h, i) => {
        try {
          return h.plan && loaded[i] !== undefined ? h.plan(loaded[i], events) : undefined;
        } catch {
          return undefined;
        }
      });
      const { rows } = await stored;
      const inserted = Number(rows[0].inserted);
      let lots: LotCounts[] = (rows[0].lots ?? []).map(lotCounts);
      // A bay update never needs to know which events were repeats (a repeat is never newer than
      // the mirror), but hooks, gate counts and metrics do; asking costs a query only when repeats
      // the writer did not know of itself exist (ingest/recent-keys.ts).
      let fresh = events;
      const afterCommit: Array<() => void> = [];
      if (transaction) {
        if (inserted < events.length) fresh = await freshOnly(client, events);
        const gates = gateCounts(fresh);
        if (gates.length) lots = mergeLots(lots, await countGates(client, gates));
        for (const [i, hook] of hooks.entries()) {
          const then = await hook(client, fresh, fresh === events ? planned[i] : undefined);
          if (then) afterCommit.push(then);
        }
        if (shared && (lots.length || observed.changes.length)) await this.opts.changes.relayIn(client, 'availability', { lots, bays: observed.changes });
        await client.query('COMMIT');
      }
      this.bays.apply(observed.updates);
      for (const key of keys) this.recent.add(key);
      this.devices.apply(touched, clock);
      if (!shared) this.balanceGates(fresh, observed.updates);
      for (const then of afterCommit) setImmediate(then);
      this.opts.metrics.mqttStored.inc(inserted);
      this.opts.metrics.mqttDuplicates.inc(events.length - inserted + inBatchDuplicates);
      return { lots, bays: observed.changes };
    } catch (err) {
      if (transaction) await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
}

// One statement per batch: raw events, dead letters, bay states and their evidence (decided in
// memory, ingest/bay-plan.ts), lot counts (by delta), occupancy samples and device last-seen with
// its cadence, as data-modifying CTEs. JSON documents instead of many text arrays: Postgres parses
// one JSON ~15% faster. No RETURNING on the event insert (it cost ~30% of it).
const BATCH_SQL = `
WITH ins AS (
  INSERT INTO device_events (event_time, received_at, device_id, seq, type, lot_id, bay_code, payload)
  SELECT t, r, d, s, y, l, b, p FROM json_to_recordset($1::json)
      AS x(t timestamptz, r timestamptz, d text, s bigint, y text, l text, b text, p jsonb)
  ON CONFLICT DO NOTHING
  RETURNING 1
), dead AS (
  INSERT INTO dead_letters (device_id, topic, code, reason, payload)
  SELECT d, t, c, r, p FROM json_to_recordset($2::json) AS x(d text, t text, c text, r text, p text)
), bays AS (
  UPDATE bay_state b SET occupied = x.o, since = x.s, event_time = x.t, device_id = x.d, seq = x.q,
         basis = x.ba, doubt = x.db, believed_at = x.ba_t,
         sensor_id = x.si, sensor_occupied = x.so, sensor_time = x.st, sensor_since = x.ss,
         camera_id = x.ci, camera_occupied = x.co, camera_time = x.ct
    FROM json_to_recordset($3::json) AS x(c text, o bool, s timestamptz, t timestamptz, d text, q bigint, ba text, db text, ba_t timestamptz,
                                          si text, so bool, st timestamptz, ss timestamptz, ci text, co bool, ct timestamptz)
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
  UPDATE devices d SET last_seen = GREATEST(d.last_seen, x.t), battery = COALESCE(x.b, d.battery),
         last_heartbeat = GREATEST(d.last_heartbeat, x.h), last_heard = GREATEST(d.last_heard, x.n),
         heartbeat_seen_s = COALESCE(x.c, d.heartbeat_seen_s), silent_after = COALESCE(x.a, d.silent_after)
    FROM json_to_recordset($5::json) AS x(i text, t timestamptz, b real, h timestamptz, n timestamptz, c real, a timestamptz)
   WHERE d.id = x.i
)
SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT json_agg(lots) FROM lots) AS lots`;


/** BATCH_SQL's five JSON documents. */
function batchParams(events: IngestEvent[], dead: DeadLetter[], updates: BayUpdate[], deltas: Map<string, Counts>, touched: Touch[]): string[] {
  return [
    JSON.stringify(events.map((e) => ({ t: e.eventTime, r: e.receivedAt, d: e.deviceId, s: e.seq, y: e.type, l: e.lotId, b: e.bayCode, p: e.payload }))),
    JSON.stringify(dead.map((d) => ({ d: d.deviceId, t: d.topic, c: d.code, r: d.reason, p: d.payload }))),
    JSON.stringify(updates.map(({ code, record: r }) => ({
      c: code, o: r.occupied, s: iso(r.since), t: iso(r.eventTime), d: r.deviceId, q: r.seq, ba: r.basis, db: r.doubt, ba_t: iso(r.believedAt),
      si: r.sensorId, so: r.sensorOccupied, st: iso(r.sensorTime), ss: iso(r.sensorSince), ci: r.cameraId, co: r.cameraOccupied, ct: iso(r.cameraTime),
    }))),
    JSON.stringify([...deltas].map(([id, d]) => ({ l: id, f: d.free, o: d.occupied, u: d.unknown, q: d.doubtful }))),
    JSON.stringify(touched.filter((t) => t.write).map(({ record: r }) => ({
      i: r.id, t: iso(r.lastSeen), b: r.battery, h: iso(r.lastHeartbeat), n: iso(r.lastHeard), c: r.seenS, a: iso(r.silentAfter),
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
