// Group commit: messages from all devices wait a few milliseconds together and are written in one
// transaction; each publisher's PUBACK is released only when that transaction has committed.
// One flush at a time: while one commits, the next batch gathers, so batches grow with load.
import type { Pool, PoolClient } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ChangeFeed, LotCounts, BayChange } from '../core/changes.ts';
import type { BatchHook, IngestEvent } from '../core/ingest-events.ts';
import { RETRY_TRANSACTION, outcomeUnknown } from '../core/db/sqlstate.ts';
import type { RejectCode } from '../core/protocol.ts';
import { countGates, gateCounts, lotCounts, mergeLots } from './lot-counts.ts';

/** `code`: core/protocol.ts REJECT_CODES, which the console words; `reason` says it in English with the specifics. */
export interface DeadLetter { deviceId: string | null; topic: string; code: RejectCode | null; reason: string; payload: string }

/** A bay whose evidence changed standing (a device fell silent, was flagged stuck, or a camera is overdue): decided again. */
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
  /** Called after every commit (or failed one): the broker's read gate resumes reading on it. */
  onCommitted?: () => void;
  /**
   * Other processes write to this database too (processes by role: README, "Roles"): each batch
   * locks the lots it touches, so the hooks (sessions) read what the lock protects, and its
   * availability change is relayed to the other processes in its own transaction. The bays
   * themselves are decided in the database by every writer (BATCH_SQL, migrations/024).
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
  private readonly lastSeenWritten: LastSeenWritten = new Map();
  private touchedStale = false;

  constructor(private readonly pool: Pool, private readonly opts: WriterOptions) {
    this.hooks = [...(opts.hooks ?? [])];
  }

  /** Kept for the broker's start-up order; the bays are decided in the database (migrations/024). */
  async start(): Promise<void> {}

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
   * Resolves once these bays are decided again from their evidence (and the lot counts and the
   * map with them): a device fell silent or was flagged stuck, so its word no longer counts, and
   * the bay follows the other evidence or goes unknown — never "free" on a silent sensor's word.
   * Through the writer, in its batch statement, so one statement alone changes bay_state.
   */
  markUnknown(silences: Silence[]): Promise<void> {
    return this.recheck(silences.map((s) => s.bayCode));
  }

  /** Resolves once these bays are decided again from their evidence (see markUnknown). */
  recheck(bayCodes: Iterable<string>): Promise<void> {
    const codes = [...new Set(bayCodes)];
    return Promise.all(codes.map((bayCode) => this.enqueue((done) => ({ kind: 'silence', silence: { bayCode, deviceId: '', at: new Date() }, done })))).then(() => {});
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
      // transaction), forget what we think last_seen holds. Bays are decided in the database, so a
      // resent message is judged against what it really holds. An SQL error rolled everything back.
      if (outcomeUnknown(err)) this.touchedStale = true;
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
   * Another process may have changed these lots' sessions since we last looked: lock the lots
   * (every writer takes them in one order, so none waits on another in a circle), then read. The
   * hooks read after the lock, so they see what it protects. Resolves with what they read. Issued
   * together (pipelined: one round trip): the server runs them in order, and each read's snapshot
   * is taken when it starts, after the lock is held. Bays need no lock of their own: the batch
   * statement reads them FOR UPDATE and decides in the database (migrations/024).
   */
  private async beginShared(client: PoolClient, recheck: Set<string>, events: IngestEvent[]): Promise<unknown[]> {
    const lots = await lotsOf(client, events, recheck);
    const [, , ...loaded] = await Promise.all([
      client.query('BEGIN'), lockLots(client, lots),
      ...this.hooks.map((h) => h.load?.(client, events)),
    ]);
    return loaded;
  }

  private async commit(batch: Item[]): Promise<{ lots: LotCounts[]; bays: BayChange[] }> {
    // Repeats inside one batch collapse here; repeats of committed events hit the unique key.
    const seen = new Set<string>();
    const events: IngestEvent[] = [];
    const dead: DeadLetter[] = [];
    const recheck = new Set<string>();
    let inBatchDuplicates = 0;
    for (const item of batch) {
      if (item.kind === 'dead') { dead.push(item.dead); continue; }
      if (item.kind === 'silence') { recheck.add(item.silence.bayCode); continue; }
      const e = item.event;
      const key = `${e.deviceId}\u0000${e.seq}\u0000${e.eventTime.getTime()}`;
      if (seen.has(key)) { inBatchDuplicates++; continue; }
      seen.add(key);
      events.push(e);
    }

    if (this.touchedStale) {
      this.lastSeenWritten.clear();
      this.touchedStale = false;
    }
    const client = await this.pool.connect();
    // Without hooks the batch is ONE statement (atomic on its own): every round trip to the
    // embedded database is time the whole pipeline waits.
    const shared = this.opts.shared === true;
    const transaction = this.hooks.length > 0 || shared;
    try {
      let loaded: unknown[] = [];
      if (shared) {
        loaded = await this.beginShared(client, recheck, events);
      } else if (transaction) {
        // BEGIN and the hooks' reads go out together (pipelined: one round trip). The reads cannot
        // depend on this batch's events, which are not stored yet.
        const begun = client.query('BEGIN');
        [, ...loaded] = await Promise.all([begun, ...this.hooks.map((h) => h.load?.(client, events))]);
      }
      const observed = planObservations(events, recheck);
      const touched = planTouch(events, this.lastSeenWritten);
      const stored = client.query(BATCH_SQL, [
        JSON.stringify(events.map((e) => ({ t: e.eventTime, r: e.receivedAt, d: e.deviceId, s: e.seq, y: e.type, l: e.lotId, b: e.bayCode, p: e.payload }))),
        JSON.stringify(dead.map((d) => ({ d: d.deviceId, t: d.topic, c: d.code, r: d.reason, p: d.payload }))),
        JSON.stringify(observed),
        `${CONFIRM_WITHIN_S} seconds`,
        JSON.stringify(touched.map((e) => ({ i: e.deviceId, t: e.eventTime, b: e.battery ?? null, h: e.heartbeat }))),
      ]);
      // Sent: while the database stores the events, the hooks plan on what they read. Only once the
      // statement has left this process: a large batch does not fit the socket buffer, and its tail
      // would wait for the end of a synchronous plan while the database sat idle.
      if (this.hooks.some((h) => h.plan)) await flushed(client);
      // A plan that throws is dropped, not raised here (the insert is in flight): the hook then
      // starts over on its own and raises the error where it can be handled.
      const planned = this.hooks.map((h, i) => {
        try {
          return h.plan && loaded[i] !== undefined ? h.plan(loaded[i], events) : undefined;
        } catch {
          return undefined;
        }
      });
      const { rows } = await stored;
      const inserted = Number(rows[0].inserted);
      this.opts.metrics.mqttLate.inc(Number(rows[0].late ?? 0));
      let lots: LotCounts[] = (rows[0].lots ?? []).map(lotCounts);
      const changes: BayChange[] = (rows[0].bays ?? []).map((b: { c: string; l: string; o: boolean | null; s: string | null }) => (
        { code: b.c, lotId: b.l, occupied: b.o, since: b.s ? new Date(b.s).toISOString() : null }));
      // A bay update never needs to know which events were repeats (a repeat is never newer than
      // what the bay holds), but hooks, gate counts and metrics do; asking costs a query only when repeats exist.
      let fresh = events;
      const afterCommit: Array<() => void> = [];
      if (transaction) {
        if (inserted < events.length) fresh = await freshOnly(client, events);
        const gates = gateCounts(fresh);
        if (gates.length) lots = mergeLots(lots, await countGates(client, gates));
        for (const [i, hook] of this.hooks.entries()) {
          const then = await hook(client, fresh, fresh === events ? planned[i] : undefined);
          if (then) afterCommit.push(then);
        }
        if (shared && (lots.length || changes.length)) await this.opts.changes.relayIn(client, 'availability', { lots, bays: changes });
        await client.query('COMMIT');
      }
      for (const e of touched) this.lastSeenWritten.set(e.deviceId, { seen: e.eventTime.getTime(), battery: e.battery ?? this.lastSeenWritten.get(e.deviceId)?.battery });
      for (const then of afterCommit) setImmediate(then);
      this.opts.metrics.mqttStored.inc(inserted);
      this.opts.metrics.mqttDuplicates.inc(events.length - inserted + inBatchDuplicates);
      return { lots, bays: changes };
    } catch (err) {
      if (transaction) await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
}

/**
 * How long a camera may take to confirm a sensor's "free" before the bay turns unknown
 * (migrations/024 bay_belief): it reads 2–10 s after the sensor, and a report may come up to
 * half a minute late over a poor link.
 */
export const CONFIRM_WITHIN_S = 45;
/**
 * Silent (migrations/024 devices.silent_after): two heartbeats missed — nothing by its last
 * heartbeat + SILENT_INTERVALS of its cadence (10% over 2, for a loaded device's jitter), and
 * nothing for AFTER_WORD_INTERVALS after its last word of any kind. One lost heartbeat is
 * tolerated; a dead device is flagged 1.2–1.5 intervals after its first missed beat. A device that never beat is held to
 * NEVER_BEAT_INTERVALS of its lot's cadence after its last word was heard: its beat's phase is
 * unknown, and its first missed beat falls within one interval of that, so this flags it within two.
 * "Heard" is the ingest clock at receipt: a device switching on behind others sends a report
 * measured half a minute earlier, and only then starts beating.
 */
export const SILENT_INTERVALS = 2.2;
export const AFTER_WORD_INTERVALS = 1.5;
export const NEVER_BEAT_INTERVALS = 1.8;

const bucketed = (o: string) => `coalesce((${o} = false)::int, 0) AS f, coalesce(${o}::int, 0) AS o, (${o} IS NULL)::int AS u`;
const doubtful = (o: string, d: string) => `(${o} IS NOT NULL AND ${d} IS NOT NULL AND ${d} <> 'camera-pending')::int`;

// One statement per batch: raw events, dead letters, bay evidence and the state decided from it
// (migrations/024 bay_belief), lot counts (by delta), occupancy samples and device last-seen, as
// data-modifying CTEs. The bays are read FOR UPDATE and decided in the database, so two ingest
// processes cannot both plan from a stale copy. JSON documents instead of many text arrays:
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
), clock AS (
  INSERT INTO ingest_clock AS k (id, event_time)
  SELECT true, least(max(t), now()) FROM json_to_recordset($1::json) AS x(t timestamptz) HAVING max(t) IS NOT NULL
  ON CONFLICT (id) DO UPDATE SET event_time = greatest(k.event_time, EXCLUDED.event_time)
  RETURNING event_time
), speaking AS (
  SELECT DISTINCT d FROM json_to_recordset($1::json) AS x(d text)
), obs AS (
  SELECT * FROM json_to_recordset($3::json) AS x(c text, k text, o bool, t timestamptz, d text, q bigint)
), cur AS MATERIALIZED (
  SELECT b.* FROM bay_state b WHERE b.bay_code IN (SELECT c FROM obs) FOR UPDATE
), merged AS (
  SELECT cur.bay_code, cur.lot_id, cur.occupied AS was, cur.doubt AS was_doubt, cur.since AS was_since,
         (s.t <= cur.sensor_time)::int + (c.t <= cur.camera_time)::int AS late,
         s.t > coalesce(cur.sensor_time, '-infinity') AS s_new, c.t > coalesce(cur.camera_time, '-infinity') AS c_new,
         CASE WHEN s.t > coalesce(cur.sensor_time, '-infinity') THEN s.d ELSE cur.sensor_id END AS sensor_id,
         CASE WHEN s.t > coalesce(cur.sensor_time, '-infinity') THEN s.o ELSE cur.sensor_occupied END AS s_occ,
         greatest(cur.sensor_time, s.t) AS s_time,
         CASE WHEN s.t > coalesce(cur.sensor_time, '-infinity') AND s.o IS DISTINCT FROM cur.sensor_occupied THEN s.t ELSE cur.sensor_since END AS s_since,
         CASE WHEN c.t > coalesce(cur.camera_time, '-infinity') THEN c.d ELSE cur.camera_id END AS camera_id,
         CASE WHEN c.t > coalesce(cur.camera_time, '-infinity') THEN c.o ELSE cur.camera_occupied END AS c_occ,
         greatest(cur.camera_time, c.t) AS c_time,
         coalesce(CASE WHEN s.t > coalesce(cur.sensor_time, '-infinity') THEN s.q END, CASE WHEN c.t > coalesce(cur.camera_time, '-infinity') THEN c.q END, cur.seq) AS seq
    FROM cur LEFT JOIN obs s ON s.c = cur.bay_code AND s.k = 's' LEFT JOIN obs c ON c.c = cur.bay_code AND c.k = 'c'
), judged AS (
  -- A device's open alert makes its word doubtful; "silent" not for a device speaking in this batch.
  SELECT m.*, greatest((SELECT event_time FROM clock), (SELECT event_time FROM ingest_clock), m.s_time, m.c_time) AS clk,
         (SELECT min(a.kind) FROM device_alerts a WHERE a.device_id = m.sensor_id AND a.resolved_at IS NULL AND a.kind IN ('silent', 'stuck')
             AND NOT (a.kind = 'silent' AND m.sensor_id IN (SELECT d FROM speaking))) AS s_fault,
         (SELECT min(a.kind) FROM device_alerts a WHERE a.device_id = m.camera_id AND a.resolved_at IS NULL AND a.kind = 'silent'
             AND m.camera_id NOT IN (SELECT d FROM speaking)) AS c_fault
    FROM merged m
), fused AS (
  SELECT j.*, (bay_belief(j.s_occ, j.s_since, j.s_fault, j.c_occ, j.c_time, j.c_fault, j.clk, $4::interval)).* FROM judged j
), bays AS (
  UPDATE bay_state b SET
      occupied = f.occupied, doubt = f.doubt, basis = f.basis, believed_at = f.clk,
      since = CASE WHEN f.occupied IS NOT DISTINCT FROM f.was THEN b.since
                   WHEN f.basis = 'camera' THEN f.c_time WHEN f.basis LIKE 'sensor%' THEN f.s_since ELSE f.clk END,
      event_time = greatest(f.s_time, f.c_time), seq = f.seq,
      device_id = CASE WHEN coalesce(f.c_time, '-infinity') > coalesce(f.s_time, '-infinity') THEN f.camera_id ELSE f.sensor_id END,
      sensor_id = f.sensor_id, sensor_occupied = f.s_occ, sensor_time = f.s_time, sensor_since = f.s_since,
      camera_id = f.camera_id, camera_occupied = f.c_occ, camera_time = f.c_time
    FROM fused f
   WHERE b.bay_code = f.bay_code
     AND (f.s_new OR f.c_new OR f.occupied IS DISTINCT FROM f.was OR f.doubt IS DISTINCT FROM f.was_doubt)
  RETURNING b.bay_code, b.lot_id, b.occupied, b.since, b.doubt, f.was, f.was_doubt
), deltas AS (
  SELECT lot_id, sum(n.f - o.f) AS f, sum(n.o - o.o) AS o, sum(n.u - o.u) AS u,
         sum(${doubtful('x.occupied', 'x.doubt')} - ${doubtful('x.was', 'x.was_doubt')}) AS q
    FROM bays x, LATERAL (SELECT ${bucketed('x.occupied')}) n, LATERAL (SELECT ${bucketed('x.was')}) o
   GROUP BY lot_id
), lots AS (
  UPDATE lot_availability a
     SET free = a.free + x.f, occupied = a.occupied + x.o, unknown = a.unknown + x.u, doubtful = a.doubtful + x.q, updated_at = now()
    FROM deltas x
   WHERE a.lot_id = x.lot_id AND (x.f <> 0 OR x.o <> 0 OR x.u <> 0 OR x.q <> 0)
  RETURNING a.lot_id, a.free, a.occupied, a.unknown, a.doubtful, a.gate_inside, a.updated_at
), samples AS (
  INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
  SELECT now(), lot_id, free, occupied, unknown FROM lots
), seen AS (
  UPDATE devices d SET last_seen = GREATEST(d.last_seen, x.t), battery = COALESCE(x.b, d.battery),
         last_heartbeat = GREATEST(d.last_heartbeat, x.h), last_heard = GREATEST(d.last_heard, x.t, (SELECT event_time FROM clock)),
         heartbeat_seen_s = c.seen_s,
         silent_after = CASE WHEN GREATEST(d.last_heartbeat, x.h) IS NULL OR c.seen_s IS NULL
             THEN GREATEST(d.last_seen, x.t) + make_interval(secs => ${SILENT_INTERVALS} * d.heartbeat_interval_s)
             ELSE GREATEST(GREATEST(d.last_heartbeat, x.h) + make_interval(secs => ${SILENT_INTERVALS} * least(d.heartbeat_interval_s, c.seen_s)),
                           GREATEST(d.last_seen, x.t, (SELECT event_time FROM clock)) + make_interval(secs => ${AFTER_WORD_INTERVALS} * least(d.heartbeat_interval_s, c.seen_s))) END
    FROM json_to_recordset($5::json) AS x(i text, t timestamptz, b real, h timestamptz),
         devices o, LATERAL (
           -- The cadence: a moving average of the gaps between heartbeats, leaving out gaps over
           -- 1.5 of it (lost beats): one short gap (a device that beat late after a stall, then on
           -- time) moves it by a fifth, not all the way.
           SELECT CASE WHEN x.h - o.last_heartbeat >= interval '1 second' THEN
                    CASE WHEN o.heartbeat_seen_s IS NULL THEN extract(epoch FROM x.h - o.last_heartbeat)
                         WHEN extract(epoch FROM x.h - o.last_heartbeat) > 1.5 * o.heartbeat_seen_s THEN o.heartbeat_seen_s
                         ELSE o.heartbeat_seen_s + 0.2 * (extract(epoch FROM x.h - o.last_heartbeat) - o.heartbeat_seen_s) END
                  ELSE o.heartbeat_seen_s END AS seen_s
         ) c
   WHERE d.id = x.i AND o.id = x.i
)
SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT json_agg(lots) FROM lots) AS lots,
       (SELECT coalesce(sum(late), 0) FROM merged) AS late,
       (SELECT json_agg(json_build_object('c', bay_code, 'l', lot_id, 'o', occupied, 's', since)) FROM bays WHERE occupied IS DISTINCT FROM was) AS bays`;

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

/** Every lot a batch touches: its events' (a bay's lot is its device's) and the lots of the bays it decides again. */
async function lotsOf(client: PoolClient, events: IngestEvent[], recheck: Set<string>): Promise<string[]> {
  const lots = new Set<string>();
  for (const e of events) if (e.lotId) lots.add(e.lotId);
  if (recheck.size) {
    const { rows } = await client.query<{ lot_id: string }>('SELECT DISTINCT lot_id FROM bays WHERE code = ANY($1::text[])', [[...recheck]]);
    for (const r of rows) lots.add(r.lot_id);
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

/** One source's newest word on one bay in a batch: 's' sensor, 'c' camera, 'r' decide again only. */
export interface Observation { c: string; k: 's' | 'c' | 'r'; o: boolean | null; t: Date | null; d: string | null; q: number | null }

/**
 * Per bay and source the newest report of the batch (a late one is stored with the events but
 * never rolls a source back: the statement keeps each source's newest), plus the bays to decide
 * again. Pure; exported for its tests.
 */
export function planObservations(events: IngestEvent[], recheck: Iterable<string> = []): Observation[] {
  const newest = new Map<string, Observation>();
  for (const e of events) {
    if (!e.observation) continue;
    const k = e.deviceKind === 'bay-camera' ? 'c' : 's';
    const key = `${k}\u0000${e.observation.bayCode}`;
    const cur = newest.get(key);
    if (!cur || e.eventTime > cur.t! || (+e.eventTime === +cur.t! && e.seq > cur.q!)) {
      newest.set(key, { c: e.observation.bayCode, k, o: e.observation.occupied, t: e.eventTime, d: e.deviceId, q: e.seq });
    }
  }
  const out = [...newest.values()];
  const has = new Set(out.map((o) => o.c));
  for (const c of recheck) if (!has.has(c)) { out.push({ c, k: 'r', o: null, t: null, d: null, q: null }); has.add(c); }
  return out;
}


// What we last wrote to devices.last_seen/battery, so a device talking every second costs one
// row update a minute, not one per message (last_seen is for fleet health, minute resolution).
const LAST_SEEN_RESOLUTION_MS = 60_000;
type LastSeenWritten = Map<string, { seen: number; battery: number | undefined }>;

type Touch = IngestEvent & { heartbeat: Date | null };

/**
 * last_seen and battery: the newest message per device, when either moved enough to matter, and
 * every heartbeat (at most one a device interval) and sensor report: silence is judged on the
 * device's cadence (migrations/024), seconds at a fleet's 30×, not on a minute's resolution.
 */
function planTouch(events: IngestEvent[], written: LastSeenWritten): Touch[] {
  const latest = new Map<string, Touch>();
  for (const e of events) {
    const cur = latest.get(e.deviceId);
    const beat = e.type === 'heartbeat' ? e.eventTime : null;
    const heartbeat = beat && (!cur?.heartbeat || beat > cur.heartbeat) ? beat : cur?.heartbeat ?? null;
    latest.set(e.deviceId, { ...(!cur || e.eventTime > cur.eventTime ? e : cur), heartbeat });
  }
  return [...latest.values()].filter((e) => {
    // A sensor's report is rare (a change of state) and may be the first word after a silence.
    if (e.heartbeat || e.type === 'occupancy') return true;
    const w = written.get(e.deviceId);
    // Recorded in `written` by the caller once committed (a rolled-back batch wrote nothing).
    return !(w && e.eventTime.getTime() - w.seen < LAST_SEEN_RESOLUTION_MS && (e.battery === undefined || e.battery === w.battery));
  });
}
