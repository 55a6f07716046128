// What ingest knows about each device between database writes: its heartbeat cadence as observed
// (event time), when it counts as silent, and its open silent/stuck alerts. Kept in memory so the
// batch statement never works out a cadence or looks an alert up (the fusion in the database held
// the Zhengzhou preset at ~3,000 stored msg/s of the ~4,700 it needs, docs/performance.md); the
// cadence is written with last_seen at its minute resolution, for the minute's backstop
// (ingest/device-health.ts) and for a restart.
// Silence is judged on the device's own cadence, whatever speed its clock-maker or simulator runs
// at: a fleet at 30× beats every 20 real seconds, and a silent sensor must be flagged within two
// of its intervals (issue 13).
import type { Pool, PoolClient } from '../core/db/index.ts';
import type { IngestEvent } from '../core/ingest-events.ts';
import type { Fault } from './belief.ts';
import { defineColumns, NumberColumns, type Columned } from './number-columns.ts';
import { intern } from './intern.ts';

/**
 * Silent (devices.silent_after): nothing by its last heartbeat + SILENT_INTERVALS of its cadence
 * (10 % over 2, for a loaded device's jitter), and nothing for AFTER_WORD_INTERVALS after its last
 * word of any kind. One lost heartbeat is tolerated; a dead device is flagged 1.2–1.5 intervals
 * after its first missed beat. A device that never beat is held to NEVER_BEAT_INTERVALS of its
 * lot's cadence after its last word was heard: its beat's phase is unknown, and its first missed
 * beat falls within one interval of that, so this flags it within two. "Heard" is the ingest
 * clock at receipt: a device switching on behind others sends a report measured half a minute
 * earlier, and only then starts beating.
 * Why 1.9: a healthy device whose first beat is lost beats next 1–2 intervals after it was heard,
 * so every step towards 2 spares some of them (bench:city's demo fault run at 1.8: 11–14 false
 * "silent"s a run, 8–11 of them a first heartbeat lost or held back, seen as a gap in its seq); 2 would spare
 * them all but flag a device dead after its first word up to 2 intervals plus the check's latency
 * after its first missed beat. 1.9 leaves 0.1 of an interval for that latency (the check runs
 * every 0.5 s; 0.03 of the bench's 20 s interval, far less of a real sensor's 10 minutes).
 */
export const SILENT_INTERVALS = 2.2;
export const AFTER_WORD_INTERVALS = 1.5;
export const NEVER_BEAT_INTERVALS = 1.9;
/**
 * A device never heard at all (registered, or its first word lost, then dead) is silent once its
 * city has heard no device for the first time in this many of its intervals: while devices are
 * still switching on, its turn may not have come (bench:city's start-up ramp spreads a city's first
 * words over minutes; a rule counted from start-up alone flagged 903 healthy devices waiting in it).
 */
export const NEVER_HEARD_INTERVALS = 2;
// last_seen is for fleet health, minute resolution: a device talking every second costs one row
// update a minute, not one per message.
const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface DeviceRecord {
  id: string; kind: string; lotId: string | null; enabled: boolean;
  /** Configured heartbeat interval (s); seenS the observed one (a moving average), null until it beat twice. */
  intervalS: number; seenS: number | null;
  lastHeartbeat: number | null; lastSeen: number | null; lastHeard: number | null; silentAfter: number | null;
  battery: number | null;
  /**
   * What devices holds for it (last_seen, battery; writtenSeen null: not known): writes wait until
   * either moved enough to matter. Two fields, not an object of their own: one object less for each
   * of a city's ~250k devices to mark in every major collection.
   */
  writtenSeen: number | null; writtenBattery: number | null;
  /** The second of `due` it is filed under. */
  filed: number | null;
}
/** An open stuck alert: `bayCode`/`occupied` when its camera contradicted it (cleared when it changes its word). */
export interface Stuck { reason: string | null; bayCode: string | null; occupied: boolean | null }
/** A device's new state planned by a batch, and whether devices must be written. */
export interface Touch { record: DeviceRecord; write: boolean }

/** A device's numbers, in its book's columns (ingest/number-columns.ts): times in epoch ms are boxed numbers in a record. */
const NUMBERS = ['seenS', 'lastHeartbeat', 'lastSeen', 'lastHeard', 'silentAfter', 'battery', 'writtenSeen', 'writtenBattery', 'filed'] as const;

/** A device as the book keeps it: its own fields, and its numbers in the book's columns. */
class KeptDevice implements Columned {
  constructor(readonly cols: NumberColumns, readonly slot: number,
    public id: string, public kind: string, public lotId: string | null, public enabled: boolean, public intervalS: number) {}
}
defineColumns(KeptDevice.prototype, NUMBERS);

const COLUMNS = `id, kind, lot_id, enabled, heartbeat_interval_s, heartbeat_seen_s, last_heartbeat, last_seen, last_heard, silent_after, battery`;
const ms = (t: Date | string | null): number | null => (t === null ? null : new Date(t).getTime());

export class DeviceBook {
  private devices = new Map<string, DeviceRecord>();
  private cols = new NumberColumns(NUMBERS.length);
  private byLotKind = new Map<string, DeviceRecord[]>();
  readonly silent = new Set<string>();
  readonly stuck = new Map<string, Stuck>();
  /** Devices heard since the evidence check last looked. */
  readonly heard = new Set<string>();
  /**
   * Devices heard but with no cadence of their own yet (never beat twice): judged again on their
   * lot's cadence as it becomes known (a device dead after its first word is never heard again).
   */
  readonly uncadenced = new Set<string>();
  /** Kinds of which some device has a cadence: the evidence check's city-wide cadences are worked out again when one is new to them. */
  readonly cadencedKinds = new Set<string>();
  /** Devices never heard at all (last_heard null), and the ingest clock when one was last heard for the first time. */
  readonly unheard = new Set<string>();
  lastNewcomer: number | null = null;
  /** The shortest configured heartbeat interval (s) of any device: with the city's shortest cadence, how long the city must be quiet before never-heard devices are looked at. */
  minIntervalS = Infinity;
  /** Second of event time → devices whose silentAfter falls in it (checked lazily: it may have moved on). */
  readonly due = new Map<number, Set<string>>();
  /** The newest event time ingest has committed, never ahead of this machine's clock (epoch ms; null: none yet). */
  clock: number | null = null;
  private readonly lotCadences = new Map<string, { s: number | null; at: number }>();

  async load(pool: Pool): Promise<void> {
    const [{ rows }] = await Promise.all([pool.query(`SELECT ${COLUMNS} FROM devices`), this.loadFaults(pool)]);
    this.devices = new Map();
    this.cols = new NumberColumns(NUMBERS.length, rows.length + 1024);
    this.byLotKind = new Map();
    this.due.clear();
    this.unheard.clear();
    this.cadencedKinds.clear(); // add() notes them again; a stale kind would have the city's cadences worked out every pass
    this.minIntervalS = Infinity;
    for (const r of rows) this.add(toRecord(r));
  }

  /** The open silent/stuck alerts, as the database holds them. Returns the devices whose standing changed. */
  async loadFaults(db: Pool | PoolClient, ids?: string[]): Promise<Set<string>> {
    const { rows } = await db.query<{ device_id: string; kind: string; details: Record<string, unknown> | null }>(
      `SELECT device_id, kind, details FROM device_alerts WHERE resolved_at IS NULL AND kind IN ('silent', 'stuck')${ids ? ' AND device_id = ANY($1::text[])' : ''}`,
      ids ? [ids] : []);
    const silent = new Set<string>();
    const stuck = new Map<string, Stuck>();
    for (const r of rows) {
      if (r.kind === 'silent') silent.add(r.device_id);
      else stuck.set(r.device_id, { reason: (r.details?.reason as string) ?? null, bayCode: (r.details?.bayCode as string) ?? null, occupied: (r.details?.occupied as boolean) ?? null });
    }
    const changed = new Set<string>();
    const scope = ids ?? [...new Set([...this.silent, ...this.stuck.keys(), ...silent, ...stuck.keys()])];
    for (const id of scope) {
      if (this.fault(id) !== (silent.has(id) ? 'silent' : stuck.has(id) ? 'stuck' : null)) changed.add(id);
      if (silent.has(id)) this.silent.add(id); else this.silent.delete(id);
      const s = stuck.get(id);
      if (s) this.stuck.set(id, s); else this.stuck.delete(id);
    }
    return changed;
  }

  /** Devices created after the load (added by an operator at run time): fetched once, inside the batch. */
  async ensure(client: PoolClient, ids: string[]): Promise<void> {
    const missing = ids.filter((id) => !this.devices.has(id));
    if (!missing.length) return;
    const { rows } = await client.query(`SELECT ${COLUMNS} FROM devices WHERE id = ANY($1::text[])`, [missing]);
    for (const r of rows) this.add(toRecord(r));
  }

  get(id: string): DeviceRecord | undefined {
    return this.devices.get(id);
  }

  /** A device's word no longer counts for its bays: "silent" wins over "stuck" (it says nothing at all). */
  fault(id: string): Fault | null {
    return this.silent.has(id) ? 'silent' : this.stuck.has(id) ? 'stuck' : null;
  }

  /**
   * A device's cadence for inferring what it lost (ms): the lesser of its own and its lot's median
   * for its kind (refreshed each minute). Its own can be stretched by a lost beat when it had few
   * (its first gap, two intervals long); the median of a lot's devices cannot. Its lot's alone
   * before it has beaten twice: a garage sensor stuck on "taken" whose echo was lost between its
   * first two heartbeats went unflagged in a whole-city run, its own cadence unknown until the
   * second. Null: its lot's unknown.
   */
  cadenceMs(id: string): number | null {
    const r = this.devices.get(id);
    if (!r) return null;
    const lot = this.lotCadence(r.lotId, r.kind);
    return lot === null ? null : Math.min(r.seenS ?? lot, lot) * 1000;
  }

  /**
   * The median cadence (s) of a lot's devices of one kind (null: none has one yet), worked out again
   * once a minute, and as soon as one of them has a cadence while it is null (a lot switching on:
   * forget). Worked out on every evidence pass while null, it walked a city switching on once every
   * half second (docs/performance.md, twenty-ninth session). One cache for the writer (cadenceMs) and
   * the evidence check (devices that never beat twice).
   */
  lotCadence(lotId: string | null, kind: string): number | null {
    const key = `${lotId}|${kind}`;
    const now = Date.now();
    let lot = this.lotCadences.get(key);
    if (!lot || now - lot.at > 60_000) this.lotCadences.set(key, (lot = { s: medianCadence(this.peers(lotId, kind)), at: now }));
    return lot.s;
  }

  /** A device of this lot and kind has a cadence now: a lot's unknown cadence is worked out again. */
  private gainedCadence(r: DeviceRecord): void {
    const key = `${r.lotId}|${r.kind}`;
    if (this.lotCadences.get(key)?.s === null) this.lotCadences.delete(key);
    this.cadencedKinds.add(r.kind);
  }

  /** Devices of one kind in one lot (for the cadence of a device that never beat twice). */
  peers(lotId: string | null, kind: string): DeviceRecord[] {
    return this.byLotKind.get(`${lotId}|${kind}`) ?? [];
  }

  /** The devices by lot and kind, a list each (the same list for as long as the book holds its devices). */
  groups(): IterableIterator<readonly DeviceRecord[]> {
    return this.byLotKind.values();
  }

  all(): IterableIterator<DeviceRecord> {
    return this.devices.values();
  }

  /**
   * Per device of the batch its new cadence and silence time, planned, not applied (the batch may
   * roll back). Written when last_seen moved a minute or the battery changed, and, with `shared`,
   * on every heartbeat and report: other processes judge silence on what the database holds.
   */
  plan(events: IngestEvent[], clock: number, shared: boolean): Touch[] {
    const latest = new Map<string, { e: IngestEvent; beat: number | null; report: boolean }>();
    for (const e of events) {
      const cur = latest.get(e.deviceId);
      const beat = e.type === 'heartbeat' ? e.eventTime.getTime() : null;
      latest.set(e.deviceId, {
        e: !cur || e.eventTime > cur.e.eventTime ? e : cur.e,
        beat: beat !== null && (cur?.beat ?? -Infinity) < beat ? beat : cur?.beat ?? null,
        report: (cur?.report ?? false) || e.type === 'occupancy',
      });
    }
    const touches: Touch[] = [];
    for (const [id, { e, beat, report }] of latest) {
      const old = this.devices.get(id);
      if (!old) continue; // a device the database does not know cannot have sent a stored event
      const t = e.eventTime.getTime();
      const next = copy(old);
      next.lastSeen = Math.max(old.lastSeen ?? -Infinity, t);
      next.lastHeard = Math.max(old.lastHeard ?? -Infinity, t, clock);
      if (e.battery !== undefined) next.battery = e.battery;
      if (beat !== null) {
        next.seenS = cadence(old.seenS, old.lastHeartbeat, beat);
        next.lastHeartbeat = Math.max(old.lastHeartbeat ?? -Infinity, beat);
      }
      next.silentAfter = silentAfter(next);
      const write = (shared && (beat !== null || report)) || old.writtenSeen === null || t - old.writtenSeen >= LAST_SEEN_RESOLUTION_MS
        || (e.battery !== undefined && e.battery !== old.writtenBattery);
      touches.push({ record: next, write });
    }
    return touches;
  }

  /** After COMMIT. */
  apply(touches: Touch[], clock: number): void {
    for (const { record, write } of touches) {
      if (write) {
        record.writtenSeen = record.lastSeen;
        record.writtenBattery = record.battery;
      }
      if (this.unheard.has(record.id)) this.lastNewcomer = Math.max(this.lastNewcomer ?? -Infinity, clock);
      this.replace(record);
      this.heard.add(record.id);
    }
    this.clock = Math.max(this.clock ?? -Infinity, clock);
  }

  /** Files the device under the second its silentAfter falls in. */
  schedule(r: DeviceRecord, at = r.silentAfter): void {
    if (at === null) return;
    const key = Math.floor(at / 1000);
    if (key === r.filed) return;
    if (r.filed !== null) this.due.get(r.filed)?.delete(r.id);
    r.filed = key;
    let set = this.due.get(key);
    if (!set) this.due.set(key, (set = new Set()));
    set.add(r.id);
  }

  /** A write's outcome is unknown: forget what devices holds, so the next message writes again. */
  forgetWritten(): void {
    for (const r of this.devices.values()) r.writtenSeen = null;
  }

  private add(given: DeviceRecord): void {
    const r = new KeptDevice(this.cols, this.cols.slot(), given.id, given.kind, given.lotId, given.enabled, given.intervalS) as KeptDevice & DeviceRecord;
    for (const n of NUMBERS) r[n] = given[n];
    this.devices.set(r.id, r);
    this.file(r);
    this.minIntervalS = Math.min(this.minIntervalS, r.intervalS);
    const key = `${r.lotId}|${r.kind}`;
    const list = this.byLotKind.get(key);
    if (list) list.push(r); else this.byLotKind.set(key, [r]);
    this.schedule(r);
    if (r.seenS !== null) this.gainedCadence(r);
  }

  private file(r: DeviceRecord): void {
    if (r.seenS === null && r.lastHeard !== null) this.uncadenced.add(r.id);
    else this.uncadenced.delete(r.id);
    if (r.lastHeard === null) this.unheard.add(r.id);
    else this.unheard.delete(r.id);
  }

  private replace(r: DeviceRecord): void {
    const old = this.devices.get(r.id);
    if (!old) return this.add(r);
    // Kept as one object (the lot's list holds it): copy the new state in.
    const filed = old.filed;
    if (old.seenS === null && r.seenS !== null) this.gainedCadence(r);
    Object.assign(old, r);
    old.filed = filed;
    this.file(old);
    this.schedule(old);
  }
}

/**
 * The cadence: a moving average of the gaps between heartbeats, leaving out gaps over 1.5 of it
 * (lost beats): one short gap (a device that beat late after a stall, then on time) moves it by a
 * fifth, not all the way. Gaps under a second are repeats, not a cadence.
 */
export function cadence(seenS: number | null, lastBeat: number | null, beat: number): number | null {
  if (lastBeat === null || beat - lastBeat < 1000) return seenS;
  const gap = (beat - lastBeat) / 1000;
  if (seenS === null) return gap;
  return gap > 1.5 * seenS ? seenS : seenS + 0.2 * (gap - seenS);
}

/** The median cadence (s) of these devices; null: none has one yet. */
export function medianCadence(list: DeviceRecord[]): number | null {
  const s = list.flatMap((d) => (d.seenS === null ? [] : [d.seenS])).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
}

/** When the device counts as silent (epoch ms), on its configured interval until it has a cadence of its own. */
export function silentAfter(r: Pick<DeviceRecord, 'intervalS' | 'seenS' | 'lastHeartbeat' | 'lastSeen' | 'lastHeard'>): number | null {
  if (r.lastSeen === null) return null;
  if (r.lastHeartbeat === null || r.seenS === null) return r.lastSeen + SILENT_INTERVALS * r.intervalS * 1000;
  const s = Math.min(r.intervalS, r.seenS) * 1000;
  return Math.max(r.lastHeartbeat + SILENT_INTERVALS * s, Math.max(r.lastSeen, r.lastHeard ?? -Infinity) + AFTER_WORD_INTERVALS * s);
}

function toRecord(r: Record<string, any>): DeviceRecord {
  const lastSeen = ms(r.last_seen);
  return {
    id: r.id, kind: intern(r.kind), lotId: intern(r.lot_id), enabled: r.enabled, intervalS: Number(r.heartbeat_interval_s),
    seenS: r.heartbeat_seen_s === null ? null : Number(r.heartbeat_seen_s),
    lastHeartbeat: ms(r.last_heartbeat), lastSeen, lastHeard: ms(r.last_heard), silentAfter: ms(r.silent_after),
    battery: r.battery === null ? null : Number(r.battery),
    writtenSeen: lastSeen, writtenBattery: r.battery === null ? null : Number(r.battery), filed: null,
  };
}

/** A record with every field, in toRecord's order: one shape for every device (a spread made others). */
function copy(r: DeviceRecord): DeviceRecord {
  return {
    id: r.id, kind: r.kind, lotId: r.lotId, enabled: r.enabled, intervalS: r.intervalS, seenS: r.seenS,
    lastHeartbeat: r.lastHeartbeat, lastSeen: r.lastSeen, lastHeard: r.lastHeard, silentAfter: r.silentAfter,
    battery: r.battery, writtenSeen: r.writtenSeen, writtenBattery: r.writtenBattery, filed: r.filed,
  };
}
