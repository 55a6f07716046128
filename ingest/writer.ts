// Group commit: messages from all devices wait a few milliseconds together and are written in one
// transaction; each publisher's PUBACK is released only when that transaction has committed.
// One flush at a time: while one commits, the next batch gathers, so batches grow with load.
import type { Pool, PoolClient } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ChangeFeed, LotCounts, BayChange } from '../core/changes.ts';
import type { BatchHook, IngestEvent } from '../core/ingest-events.ts';
import { BayMirror, type BayUpdate } from './bay-mirror.ts';
import { RETRY_TRANSACTION, outcomeUnknown } from '../core/db/sqlstate.ts';
import type { RejectCode } from '../core/protocol.ts';
import { RecentKeys } from './recent-keys.ts';

/** `code`: core/protocol.ts REJECT_CODES, which the console words; `reason` says it in English with the specifics. */
export interface DeadLetter { deviceId: string | null; topic: string; code: RejectCode | null; reason: string; payload: string }

/** A bay whose reporting device fell silent: shown unknown from `at` until the device reports again. */
export interface Silence { bayCode: string; deviceId: string; at: Date }

type Item = { kind: 'event'; event: IngestEvent; done: Deferred } | { kind: 'dead'; dead: DeadLetter; done: Deferred }
  | { kind: 'silence'; silence: Silence; done: Deferred };
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
   * locks the lots it touches and reads their bays from the database, so the database decides
   * what an event changes, not this process's mirror; and its availability change is relayed to
   * the other processes in its own transaction.
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
  private readonly mirror = new BayMirror();
  private readonly lastSeenWritten: LastSeenWritten = new Map();
  private mirrorStale = false;
  private readonly recent: RecentKeys;

  constructor(private readonly pool: Pool, private readonly opts: WriterOptions) {
    this.hooks = [...(opts.hooks ?? [])];
    this.recent = new RecentKeys(opts.recentKeys ?? 65_536);
  }

  /** Load what the database holds about every bay; call once before the first write. */
  async start(): Promise<void> {
    await this.mirror.load(this.pool);
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
   * Resolves once these bays are stored as unknown (and the lot counts and the map with them).
   * Through the writer, not beside it: it alone keeps bay_state and its mirror in step. A bay a
   * report newer than `at` has reached, or that is unknown already, is left as it is.
   */
  markUnknown(silences: Silence[]): Promise<void> {
    return Promise.all(silences.map((silence) => this.enqueue((done) => ({ kind: 'silence', silence, done })))).then(() => {});
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
  private async beginShared(client: PoolClient, observations: Observed[], events: IngestEvent[], hooks: BatchHook[]): Promise<unknown[]> {
    const lots = await lotsOf(client, observations, this.mirror);
    const [, , , ...loaded] = await Promise.all([
      client.query('BEGIN'), lockLots(client, lots), this.mirror.refresh(client, bayCodes(observations)),
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
    const silenced: Observed[] = [];
    let inBatchDuplicates = 0;
    for (const item of batch) {
      if (item.kind === 'dead') { dead.push(item.dead); continue; }
      if (item.kind === 'silence') { silenced.push(silenceAsObservation(item.silence)); continue; }
      const e = item.event;
      const key = `${e.deviceId}\u0000${e.seq}\u0000${e.eventTime.getTime()}`;
      if (seen.has(key) || this.recent.has(key)) { inBatchDuplicates++; continue; }
      seen.add(key);
      keys.push(key);
      events.push(e);
    }
    return { keys, events, dead, silenced, inBatchDuplicates };
  }

  private async commit(batch: Item[]): Promise<{ lots: LotCounts[]; bays: BayChange[] }> {
    const { keys, events, dead, silenced, inBatchDuplicates } = this.sort(batch);

    if (this.mirrorStale) {
      await this.mirror.load(this.pool);
      this.lastSeenWritten.clear();
      this.mirrorStale = false;
    }
    const client = await this.pool.connect();
    // Without hooks the batch is ONE statement (atomic on its own): every round trip to the
    // embedded database is time the whole pipeline waits.
    const shared = this.opts.shared === true;
    // The hooks build on events: a batch of repeats, dead letters or silences only has none for them.
    const hooks = events.length ? this.hooks : [];
    const transaction = hooks.length > 0 || shared;
    const observations = silenced.length ? [...events, ...silenced] : events;
    try {
      let loaded: unknown[] = [];
      if (shared) {
        loaded = await this.beginShared(client, observations, events, hooks);
      } else if (transaction) {
        // BEGIN and the hooks' reads go out together (pipelined: one round trip). The reads cannot
        // depend on this batch's events, which are not stored yet.
        const begun = client.query('BEGIN');
        [, ...loaded] = await Promise.all([begun, ...hooks.map((h) => h.load?.(client, events))]);
      }
      const observed = await planObservations(client, observations, this.mirror);
      this.opts.metrics.mqttLate.inc(observed.late);
      const touched = planTouch(events, this.lastSeenWritten);
      const stored = client.query(BATCH_SQL, [
        JSON.stringify(events.map((e) => ({ t: e.eventTime, r: e.receivedAt, d: e.deviceId, s: e.seq, y: e.type, l: e.lotId, b: e.bayCode, p: e.payload }))),
        JSON.stringify(dead.map((d) => ({ d: d.deviceId, t: d.topic, c: d.code, r: d.reason, p: d.payload }))),
        JSON.stringify(observed.updates.map((u) => ({ c: u.code, o: u.occupied, s: new Date(u.since), t: new Date(u.eventTime), d: u.deviceId, q: u.seq }))),
        JSON.stringify([...observed.deltas].map(([id, d]) => ({ l: id, f: d.free, o: d.occupied, u: d.unknown }))),
        JSON.stringify(touched.map((e) => ({ i: e.deviceId, t: e.eventTime, b: e.battery ?? null }))),
      ]);
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
      const lots: LotCounts[] = (rows[0].lots ?? []).map((c: { lot_id: string; free: number; occupied: number; unknown: number; updated_at: string }) => (
        { id: c.lot_id, free: c.free, occupied: c.occupied, unknown: c.unknown, updatedAt: new Date(c.updated_at).toISOString() }));
      // A bay update never needs to know which events were repeats (a repeat is never newer than
      // the mirror), but hooks and metrics do; asking costs a query only when repeats exist.
      let fresh = events;
      const afterCommit: Array<() => void> = [];
      if (transaction) {
        if (inserted < events.length) fresh = await freshOnly(client, events);
        for (const [i, hook] of hooks.entries()) {
          const then = await hook(client, fresh, fresh === events ? planned[i] : undefined);
          if (then) afterCommit.push(then);
        }
        if (shared && (lots.length || observed.changes.length)) await this.opts.changes.relayIn(client, 'availability', { lots, bays: observed.changes });
        await client.query('COMMIT');
      }
      this.mirror.apply(observed.updates);
      for (const key of keys) this.recent.add(key);
      for (const e of touched) this.lastSeenWritten.set(e.deviceId, { seen: e.eventTime.getTime(), battery: e.battery ?? this.lastSeenWritten.get(e.deviceId)?.battery });
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

// One statement per batch: raw events, dead letters, bay states, lot counts (by delta), occupancy
// samples and device last-seen, as data-modifying CTEs. JSON documents instead of many text arrays:
// Postgres parses one JSON ~15% faster. No RETURNING on the event insert (it cost ~30% of it).
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
  UPDATE bay_state b SET occupied = x.o, since = x.s, event_time = x.t, device_id = x.d, seq = x.q
    FROM json_to_recordset($3::json) AS x(c text, o bool, s timestamptz, t timestamptz, d text, q bigint)
   WHERE b.bay_code = x.c
), lots AS (
  UPDATE lot_availability a
     SET free = a.free + x.f, occupied = a.occupied + x.o, unknown = a.unknown + x.u, updated_at = now()
    FROM json_to_recordset($4::json) AS x(l text, f int, o int, u int)
   WHERE a.lot_id = x.l
  RETURNING a.lot_id, a.free, a.occupied, a.unknown, a.updated_at
), samples AS (
  INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
  SELECT now(), lot_id, free, occupied, unknown FROM lots
), seen AS (
  UPDATE devices d SET last_seen = GREATEST(d.last_seen, x.t), battery = COALESCE(x.b, d.battery)
    FROM json_to_recordset($5::json) AS x(i text, t timestamptz, b real)
   WHERE d.id = x.i
)
SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT json_agg(lots) FROM lots) AS lots`;

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

function bayCodes(observed: Observed[]): string[] {
  return [...new Set(observed.flatMap((e) => (e.observation ? [e.observation.bayCode] : [])))];
}

/** Every lot a batch touches: its events' and its observed bays' (a silence names only a bay). */
async function lotsOf(client: PoolClient, observed: Array<Observed & { lotId?: string | null }>, mirror: BayMirror): Promise<string[]> {
  const codes = bayCodes(observed);
  await mirror.ensure(client, codes);
  const lots = new Set<string>();
  for (const e of observed) if (e.lotId) lots.add(e.lotId);
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

type Counts = { free: number; occupied: number; unknown: number };

/** What planning a bay's state needs of a report: a device event's, or a silence's ("unknown"). */
type Observed = Pick<IngestEvent, 'deviceId' | 'seq' | 'eventTime'> & { observation?: { bayCode: string; occupied: boolean | null } };

/** A silence planned like a report of "unknown" at its time; never stored as a device event. */
function silenceAsObservation(s: Silence): Observed {
  return { deviceId: s.deviceId, seq: -1, eventTime: s.at, observation: { bayCode: s.bayCode, occupied: null } };
}

/**
 * What a batch does to bays: per bay the newest event of the batch, and only if it is newer than
 * the state we hold (a late message is stored but never rolls a bay back; a repeat is never newer).
 * Lot counts move by deltas, so a commit costs O(changes), not O(bays in the lot).
 * Exported for its tests (ingest/bay-mirror.test.ts); the writer is its only caller.
 */
export async function planObservations(client: PoolClient, events: Observed[], mirror: BayMirror): Promise<{ updates: BayUpdate[]; changes: BayChange[]; deltas: Map<string, Counts>; late: number }> {
  const newest = new Map<string, Observed>();
  for (const e of events) {
    if (!e.observation) continue;
    const cur = newest.get(e.observation.bayCode);
    if (!cur || e.eventTime > cur.eventTime || (+e.eventTime === +cur.eventTime && e.seq > cur.seq)) newest.set(e.observation.bayCode, e);
  }
  const updates: BayUpdate[] = [];
  const changes: BayChange[] = [];
  const deltas = new Map<string, Counts>();
  let late = 0;
  if (newest.size === 0) return { updates, changes, deltas, late };
  await mirror.ensure(client, [...newest.keys()]);
  const bucket = (v: boolean | null) => (v === null ? 'unknown' : v ? 'occupied' : 'free');
  for (const [code, e] of newest) {
    const cur = mirror.get(code);
    if (!cur) continue; // no such bay: handlers only pass bays the device is assigned to
    const t = e.eventTime.getTime();
    // A silence changes only a known bay no report has reached since; it is never "late".
    if (e.observation!.occupied === null && (cur.occupied === null || (cur.eventTime !== null && t <= cur.eventTime))) continue;
    if (cur.eventTime !== null && t <= cur.eventTime) { late++; continue; }
    const occupied = e.observation!.occupied;
    const since = cur.occupied === occupied && cur.since !== null ? cur.since : t;
    updates.push({ code, lotId: cur.lotId, occupied, since, eventTime: t, deviceId: e.deviceId, seq: e.seq, was: cur.occupied });
    if (cur.occupied === occupied) continue;
    changes.push({ code, lotId: cur.lotId, occupied, since: new Date(since).toISOString() });
    const d = deltas.get(cur.lotId) ?? { free: 0, occupied: 0, unknown: 0 };
    d[bucket(cur.occupied)] -= 1;
    d[bucket(occupied)] += 1;
    deltas.set(cur.lotId, d);
  }
  return { updates, changes, deltas, late };
}

// What we last wrote to devices.last_seen/battery, so a device talking every second costs one
// row update a minute, not one per message (last_seen is for fleet health, minute resolution).
const LAST_SEEN_RESOLUTION_MS = 60_000;
type LastSeenWritten = Map<string, { seen: number; battery: number | undefined }>;

/** last_seen and battery: the newest message per device, when either moved enough to matter. */
function planTouch(events: IngestEvent[], written: LastSeenWritten): IngestEvent[] {
  const latest = new Map<string, IngestEvent>();
  for (const e of events) {
    const cur = latest.get(e.deviceId);
    if (!cur || e.eventTime > cur.eventTime) latest.set(e.deviceId, e);
  }
  return [...latest.values()].filter((e) => {
    const w = written.get(e.deviceId);
    // Recorded in `written` by the caller once committed (a rolled-back batch wrote nothing).
    return !(w && e.eventTime.getTime() - w.seen < LAST_SEEN_RESOLUTION_MS && (e.battery === undefined || e.battery === w.battery));
  });
}
