// Faulty devices, found at the pace of the devices' own clocks: a check that ingest runs after its
// commits (at most once per `everyMs`), judged on the event time ingest has committed, not on a
// once-a-minute job — a fleet at 30× beats every 20 real seconds, and a silent sensor must be
// flagged within two of its intervals (issue 13). It reads the writer's memory (ingest/device-book.ts,
// ingest/bay-mirror.ts), never scans the city: only devices heard since the last pass, devices
// whose silence falls due (filed by second), open faults and the few bays in doubt. The database
// is written only when an alert opens or clears.
// - silent: two heartbeats missed by the device's own cadence (device-book.ts SILENT_INTERVALS),
//   or by its lot's devices' of its kind when it never beat twice (it died after its first word);
//   never heard at all, once the city has stopped switching on (device-book.ts NEVER_HEARD_INTERVALS);
// - stuck: a sensor whose word a newer camera reading has contradicted for one heartbeat interval
//   (a sensor under a snow crust or stuck after a parked truck keeps saying what it said);
//   cleared when the sensor changes its word;
// - bays whose camera has not confirmed a sensor's "free" within CONFIRM_WITHIN_MS.
// The bays of every device flagged or cleared are decided again through the writer (recheck).
// With `shared` (several ingest processes) a device may be heard by another process: a silence is
// confirmed against devices.last_seen, which shared writers keep current on every heartbeat and
// report (not against devices.silent_after: the database's is reckoned on the device's configured
// interval when it never beat twice, where this check goes by its lot's cadence). A sensor's echoes
// count in shared mode too, and the gates' balance is read from the database, where every writer
// keeps its garages' (ingest/gate-store.ts): a garage's gates may be heard by another process.
import type { Pool } from '../core/db/index.ts';
import { iso, type BayMirror } from './bay-mirror.ts';
import { CONFIRM_WITHIN_MS } from './belief.ts';
import { GateBalance } from './gate-balance.ts';
import { chooseSharedDoubts, syncGates } from './gate-store.ts';
import { AFTER_WORD_INTERVALS, NEVER_BEAT_INTERVALS, NEVER_HEARD_INTERVALS, SILENT_INTERVALS, medianCadence, type DeviceBook, type DeviceRecord } from './device-book.ts';

export interface EvidenceReport { silentOpened: number; silentCleared: number; stuckOpened: number; stuckCleared: number; rechecked: number }

const HOUR_MS = 3_600_000;
/** Real ms between full passes over the devices with no cadence of their own (judgeUncadenced). */
const UNCADENCED_SWEEP_MS = 2_000;
/**
 * A never-heard device is judged only in a lot whose devices of its kind have mostly been heard:
 * one where most never spoke has not switched on (not installed or not connected yet: a test's
 * seeded city, a district being commissioned), and the minute's backstop flags those on the wall
 * clock. At most MAX_NEVER_HEARD_PER_SWEEP are filed a sweep.
 */
const NEVER_HEARD_LIVE_SHARE = 0.5;
const MAX_NEVER_HEARD_PER_SWEEP = 5_000;
/** Real ms between re-reads of the open alerts (an operator resolved one; the minute's backstop opened one). */
const FAULTS_RELOAD_MS = 60_000;

/** What one pass reads and writes. */
export interface EvidenceState { pool: Pool; bays: BayMirror; devices: DeviceBook; gates?: GateBalance; shared?: boolean }

/**
 * Median cadence (s) of a kind's devices that have one: per lot (DeviceBook.lotCadence: kept a
 * minute, worked out again as soon as a lot without one gains one), city-wide once a minute and
 * as soon as a kind the city's figures lack gains one (DeviceBook.cadencedKinds).
 */
export class Cadences {
  private city = new Map<string, number>();
  private cityPass = -1;
  /** When the city's figures were last worked out (Date.now()). */
  private cityAt = 0;
  /** When judgeUncadenced last went through every device without a cadence, and judgeNeverHeard through those never heard (Date.now()). */
  sweptAt = 0;
  unheardSweptAt = 0;
  /** Per lot and kind (DeviceBook.groups), the cadence its devices without one were last judged on (judgeUncadenced). */
  readonly judgedOn = new WeakMap<readonly DeviceRecord[], number | null>();
  private pass = 0;
  constructor(private readonly devices: DeviceBook) {}

  nextPass(): void {
    this.pass += 1;
  }

  of(r: DeviceRecord): number | null {
    const lot = this.devices.lotCadence(r.lotId, r.kind);
    if (lot !== null) return lot;
    // Once a minute, and at once (at most once a pass) when some device of the kind has a cadence
    // the figures lack: worked out for every device of a pass, it walked the whole city once per
    // device (the Zhengzhou preset's 254,778 devices: the main thread never came back). When a kind
    // new to it waited for the minute, a garage gate dead after its start-up word, whose lot's other
    // gate was still sending its own start-up report, waited for the city's gate cadence, and was
    // flagged 2.9 heartbeats after it died. A city none of whose devices has a
    // cadence yet is not walked again each pass: DeviceBook.cadencedKinds says when one has.
    if (this.cityPass !== this.pass && (Date.now() - this.cityAt > 60_000 || this.newKind(r.kind))) {
      this.cityPass = this.pass;
      this.refreshCity();
    }
    return this.city.get(r.kind) ?? null;
  }

  /** Whether some device of `kind` (any kind: undefined) has a cadence the city's figures do not know of yet. */
  private newKind(kind?: string): boolean {
    if (kind !== undefined) return !this.city.has(kind) && this.devices.cadencedKinds.has(kind);
    for (const k of this.devices.cadencedKinds) if (!this.city.has(k)) return true;
    return false;
  }

  /** The shortest of the city's cadences by kind (s; null: none known yet): worked out again once a minute, and within a sweep of a kind new to it. */
  shortest(): number | null {
    if (Date.now() - this.cityAt >= (this.newKind() ? UNCADENCED_SWEEP_MS : 60_000)) this.refreshCity();
    let min: number | null = null;
    for (const s of this.city.values()) if (min === null || s < min) min = s;
    return min;
  }

  private refreshCity(): void {
    this.cityAt = Date.now();
    const by = new Map<string, DeviceRecord[]>();
    for (const d of this.devices.all()) if (d.seenS !== null) (by.get(d.kind) ?? by.set(d.kind, []).get(d.kind)!).push(d);
    this.city = new Map([...by].map(([k, list]) => [k, medianCadence(list)!]));
  }
}

/**
 * A device with no cadence of its own is held to its lot's devices of its kind, once they have
 * one, else to the city's of its kind: two beats missed after its one heartbeat (its phase is
 * known, so one lost beat is tolerated), or NEVER_BEAT_INTERVALS after it was last heard when it
 * never beat. Only ever earlier than what its configured interval gives.
 */
export function judgeUncadenced(devices: DeviceBook, cadences: Cadences, clock: number, heard: Iterable<string>): void {
  cadences.nextPass();
  const judge = (r: DeviceRecord | undefined) => {
    if (!r || r.seenS !== null || r.lastHeard === null || !devices.uncadenced.has(r.id)) return;
    // Silent for over an hour: the minute's backstop has it; no need to look every second.
    if (r.silentAfter !== null && r.silentAfter <= clock - HOUR_MS) { devices.uncadenced.delete(r.id); return; }
    const s = Math.min(r.intervalS, cadences.of(r) ?? r.intervalS) * 1000;
    const due = r.lastHeartbeat === null ? r.lastHeard + NEVER_BEAT_INTERVALS * s
      : Math.max(r.lastHeartbeat + SILENT_INTERVALS * s, r.lastHeard + AFTER_WORD_INTERVALS * s);
    if (r.silentAfter === null || due < r.silentAfter) {
      r.silentAfter = due;
      devices.schedule(r);
    }
  };
  // Those just heard, every pass; and once every UNCADENCED_SWEEP_MS the devices of each lot and
  // kind whose cadence has moved since they were last judged on it (it became known, or the
  // minute's median moved). Judging all of a city switching on every 2 s (254,778 devices, none
  // with a cadence yet) took 0.4 s of the main thread a sweep (docs/performance.md, twenty-ninth session).
  for (const id of heard) judge(devices.get(id));
  if (Date.now() - cadences.sweptAt < UNCADENCED_SWEEP_MS) return;
  cadences.sweptAt = Date.now();
  for (const group of devices.groups()) {
    const cadence = group.length ? cadences.of(group[0]) : null;
    if (cadences.judgedOn.get(group) === cadence) continue; // undefined: never judged
    cadences.judgedOn.set(group, cadence);
    for (const r of group) judge(r);
  }
}

/**
 * A device never heard at all, in a lot that has switched on (NEVER_HEARD_LIVE_SHARE), is due
 * NEVER_HEARD_INTERVALS of its kind's observed cadence (its lot's, else the city's, else its
 * configured interval) after the city last heard a device for the first time, or after `upSince`
 * if later; its silence is filed for dueSilent. The observed cadence,
 * not the lesser with the configured one as for a heard device: the quiet must outlast a healthy
 * device's first word lost and its next one a beat later. Looked at only once the city has been
 * quiet that long by the shortest cadence (the city's of any kind, or any configured interval), and
 * at most once per UNCADENCED_SWEEP_MS (a city switching on has every device here). Exported for its tests.
 */
export function judgeNeverHeard(devices: DeviceBook, clock: number, upSince: number, cadences = new Cadences(devices)): void {
  const quietFrom = Math.max(upSince, devices.lastNewcomer ?? upSince);
  // Cheap refusals first: a city switching on hears a newcomer nearly every batch.
  if (!devices.unheard.size || clock - quietFrom < NEVER_HEARD_INTERVALS * 1000) return;
  if (Date.now() - cadences.unheardSweptAt < UNCADENCED_SWEEP_MS) return;
  cadences.unheardSweptAt = Date.now();
  if (clock - quietFrom < NEVER_HEARD_INTERVALS * Math.min(devices.minIntervalS, cadences.shortest() ?? Infinity) * 1000) return;
  const live = new Map<string, boolean>();
  let filed = 0;
  for (const id of devices.unheard) {
    const r = devices.get(id)!;
    if (r.silentAfter !== null || !r.enabled || devices.silent.has(id)) continue;
    const key = `${r.lotId}|${r.kind}`;
    let isLive = live.get(key);
    if (isLive === undefined) {
      const peers = devices.peers(r.lotId, r.kind);
      live.set(key, isLive = peers.filter((d) => d.lastHeard !== null).length >= NEVER_HEARD_LIVE_SHARE * peers.length);
    }
    if (!isLive) continue;
    const due = quietFrom + NEVER_HEARD_INTERVALS * (cadences.of(r) ?? r.intervalS) * 1000;
    if (due > clock) continue;
    r.silentAfter = due;
    devices.schedule(r);
    if (++filed >= MAX_NEVER_HEARD_PER_SWEEP) break; // the rest on the next sweeps: alerts and rechecks in bounded batches
  }
}

/** Devices whose silence fell due by `clock`, counted from `upSince` if later (while down, no device could reach us). Exported for its tests. */
export function dueSilent(devices: DeviceBook, clock: number, upSince: number): DeviceRecord[] {
  const found: DeviceRecord[] = [];
  // The seconds due, taken first: a device not due yet goes back, maybe into the same second.
  const seconds = [...devices.due.keys()].filter((second) => second * 1000 <= clock);
  for (const second of seconds) {
    const ids = devices.due.get(second)!;
    devices.due.delete(second);
    for (const id of ids) {
      const r = devices.get(id);
      if (!r) continue;
      r.filed = null;
      if (r.silentAfter === null || r.silentAfter <= clock - HOUR_MS) continue; // the minute's backstop has those
      const from = upSince + (r.silentAfter - (r.lastSeen ?? r.silentAfter));
      if (r.silentAfter > clock || from > clock) { devices.schedule(r, Math.max(r.silentAfter, from)); continue; }
      if (r.enabled && !devices.silent.has(id)) found.push(r);
    }
  }
  return found;
}

/**
 * Per garage, as many of its "free" bays as cars are missing (gate-balance.ts) go unknown: those on
 * a sound sensor's word alone, longest unchanged first (a sensor stuck on "free" has not changed
 * since it stuck). Returns the bays whose standing changed.
 */
function chooseGateDoubts({ bays, devices }: EvidenceState, gates: GateBalance, clock: number, lotIds: Iterable<string> = gates.lotIds()): string[] {
  const changed: string[] = [];
  for (const lotId of lotIds) {
    let k = gates.missing(lotId, clock);
    const candidates = k <= 0 ? [] : [...bays.baysIn(lotId)].flatMap((code) => {
      const b = bays.get(code)!;
      if (b.sensorOccupied !== false || b.cameraId !== null || b.sensorId === null) return [];
      // A sensor flagged stuck on "free" shows its bay unknown already: one missing car accounted for.
      if (devices.stuck.has(b.sensorId)) k--;
      return devices.fault(b.sensorId) === null ? [{ code, since: b.sensorSince }] : [];
    });
    changed.push(...gates.choose(lotId, GateBalance.pick(k, candidates)));
  }
  return changed;
}

/**
 * Stuck, from the sensor's own reports: one that reported "no change" (an echo, bay-mirror.ts) when
 * its garage's gates saw a car that could have just parked there (it echoed "free") or just left
 * (it echoed "taken"), or a car is missing; or that echoed right after its previous word, nothing
 * lost between (bay-plan.ts foldSensor); or that echoed twice. Returns the bays to decide again.
 */
async function flagEchoes(s: EvidenceState, gates: GateBalance | undefined, clock: number): Promise<string[]> {
  const { bays, devices } = s;
  const found = [...bays.echoing].flatMap((code) => {
    const b = bays.get(code)!;
    const d = b.sensorId ? devices.get(b.sensorId) : undefined;
    if (!d || !d.enabled || devices.stuck.has(d.id) || b.echoAt === null) return [];
    const corroborated = gates !== undefined && (b.sensorOccupied === false ? gates.carMoved(b.lotId, 'in', b.echoAt) || gates.missing(b.lotId, clock) > 0
      : gates.carMoved(b.lotId, 'out', b.echoAt));
    return corroborated || b.echoClean || b.echoes >= 2 ? [{ code, b, d, corroborated }] : [];
  });
  if (!found.length) return [];
  const rows = await openStuck(s, 'echo', 'echoAt', clock, found.map(({ code, b, d, corroborated }) => (
    { id: d.id, lot: b.lotId, bay: code, occ: b.sensorOccupied, since: iso(b.sensorSince), at: iso(b.echoAt), more: { echoes: b.echoes, consecutive: b.echoClean, gateCount: corroborated } })));
  return rows.map((r) => r.bay_code);
}

/**
 * Open a stuck alert per sensor (one open alert per device: ON CONFLICT), with the bay, the word it
 * is stuck on, and what showed it (`more`, and the time of that evidence under `atKey`); the
 * opened ones are known stuck in memory from now on.
 */
async function openStuck(s: EvidenceState, reason: 'echo' | 'camera-disagrees', atKey: string, clock: number,
  found: Array<{ id: string; lot: string; bay: string; occ: boolean | null; since: string | null; at: string | null; more: Record<string, unknown> }>) {
  const { rows } = await s.pool.query<{ device_id: string; bay_code: string; occupied: boolean }>(
    `INSERT INTO device_alerts (device_id, lot_id, kind, details, raised_event_time)
     SELECT x.id, x.lot, 'stuck', jsonb_build_object('reason', $3::text, 'bayCode', x.bay, 'occupied', x.occ, 'sensorSince', x.since, $4::text, x.at) || x.more, $2
       FROM json_to_recordset($1::json) AS x(id text, lot text, bay text, occ bool, since timestamptz, at timestamptz, more jsonb)
     ON CONFLICT (device_id, kind) WHERE resolved_at IS NULL DO NOTHING
     RETURNING device_id, details->>'bayCode' AS bay_code, (details->>'occupied')::boolean AS occupied`,
    [JSON.stringify(found), iso(clock), reason, atKey]);
  for (const r of rows) s.devices.stuck.set(r.device_id, { reason, bayCode: r.bay_code, occupied: r.occupied });
  return rows;
}

/** One pass at `clock` (the event time ingest has committed). `recheck` decides the given bays again (EventWriter.recheck). */
export async function checkEvidence(s: EvidenceState, recheck: (bayCodes: string[]) => Promise<void>, clock: number, upSince: number,
  cadences = new Cadences(s.devices)): Promise<EvidenceReport> {
  const { pool, bays, devices } = s;
  const report: EvidenceReport = { silentOpened: 0, silentCleared: 0, stuckOpened: 0, stuckCleared: 0, rechecked: 0 };
  const redo = new Set<string>();
  const redoOf = (id: string) => { for (const code of bays.baysOf(id)) redo.add(code); };
  // Flagged silent and heard since (its silence moved past the clock): cleared. Only those heard:
  // an alert the minute's backstop raised on what the database holds stands until the device speaks.
  const heard = [...devices.heard].filter((id) => devices.silent.has(id) && (devices.get(id)?.silentAfter ?? -Infinity) > clock);
  judgeUncadenced(devices, cadences, clock, devices.heard);
  // Shared: the others' devices are never heard here; the minute's backstop judges them on the database.
  if (!s.shared) judgeNeverHeard(devices, clock, upSince, cadences);
  devices.heard.clear();

  const silent = dueSilent(devices, clock, upSince);
  if (silent.length) {
    const { rows } = await pool.query<{ device_id: string }>(
      `INSERT INTO device_alerts (device_id, lot_id, kind, details, raised_event_time)
       SELECT d.id, d.lot_id, 'silent', jsonb_build_object('lastSeen', x.seen, 'silentAfter', x.after, 'heartbeatIntervalS', d.heartbeat_interval_s, 'heartbeatSeenS', x.cadence), $2
         FROM json_to_recordset($1::json) AS x(id text, seen timestamptz, after timestamptz, cadence real) JOIN devices d ON d.id = x.id
        WHERE d.enabled AND (NOT $3 OR d.last_seen IS NULL OR d.last_seen <= x.seen OR d.silent_after <= $2)
       ON CONFLICT (device_id, kind) WHERE resolved_at IS NULL DO NOTHING
       RETURNING device_id`,
      [JSON.stringify(silent.map((r) => ({ id: r.id, seen: iso(r.lastSeen), after: iso(r.silentAfter), cadence: r.seenS }))), iso(clock), s.shared === true]);
    // Heard while the alert was being written (its silence now lies ahead): cleared at once, so its
    // bays never go unknown between the batch that heard it and the next pass.
    const spoke = new Set(rows.filter((r) => (devices.get(r.device_id)?.silentAfter ?? -Infinity) > clock).map((r) => r.device_id));
    report.silentOpened = rows.length - spoke.size;
    for (const r of rows) if (!spoke.has(r.device_id)) { devices.silent.add(r.device_id); redoOf(r.device_id); }
    heard.push(...spoke);
  }

  if (heard.length) {
    const { rows } = await pool.query<{ device_id: string }>(
      `UPDATE device_alerts a SET resolved_at = now(), note = coalesce(a.note || ' · ', '') || 'cleared by itself'
        WHERE a.kind = 'silent' AND a.resolved_at IS NULL AND a.device_id = ANY($1::text[]) RETURNING a.device_id`, [heard]);
    report.silentCleared = rows.length;
    for (const id of heard) { devices.silent.delete(id); redoOf(id); }
  }

  // Stuck: the camera has contradicted the sensor for one of the sensor's heartbeat intervals — its
  // configured one until it has beaten twice. Not its lot's: a sensor that has not beaten twice is
  // one switching on, whose newer word may still be on its way behind the camera's (a whole-city run
  // on the lot's cadence flagged 17 healthy sensors stuck in the start-up ramp, for one found a
  // fifth of an interval sooner).
  const stuck = [...bays.disagreeing].flatMap((code) => {
    const b = bays.get(code)!;
    const d = b.sensorId ? devices.get(b.sensorId) : undefined;
    if (!d || !d.enabled || devices.stuck.has(d.id) || b.cameraTime === null) return [];
    return b.cameraTime < clock - Math.min(d.intervalS, d.seenS ?? d.intervalS) * 1000 ? [{ code, b, d }] : [];
  });
  if (stuck.length) {
    const rows = await openStuck(s, 'camera-disagrees', 'cameraAt', clock, stuck.map(({ code, b, d }) => (
      { id: d.id, lot: b.lotId, bay: code, occ: b.sensorOccupied, since: iso(b.sensorSince), at: iso(b.cameraTime), more: { cameraId: b.cameraId, cameraSays: b.cameraOccupied } })));
    report.stuckOpened = rows.length;
    for (const r of rows) redo.add(r.bay_code);
  }

  if (s.gates && s.shared) await syncGates(pool, s.gates);
  const echoed = await flagEchoes(s, s.gates, clock);
  report.stuckOpened += echoed.length;
  for (const code of echoed) redo.add(code);

  // A stuck sensor that says something new is working again.
  const unstuck = [...devices.stuck].filter(([id, f]) => {
    const b = (f.reason === 'camera-disagrees' || f.reason === 'echo') && f.bayCode ? bays.get(f.bayCode) : undefined;
    return b?.sensorId === id && b.sensorOccupied !== f.occupied;
  });
  if (unstuck.length) {
    await pool.query(
      `UPDATE device_alerts a SET resolved_at = now(), note = coalesce(a.note || ' · ', '') || 'cleared by itself: the sensor changed its word'
        WHERE a.kind = 'stuck' AND a.resolved_at IS NULL AND a.device_id = ANY($1::text[])`, [unstuck.map(([id]) => id)]);
    report.stuckCleared = unstuck.length;
    for (const [id, f] of unstuck) { devices.stuck.delete(id); redo.add(f.bayCode!); }
  }

  const { gates } = s;
  const doubts = !gates ? [] : s.shared ? await chooseSharedDoubts(s, gates, clock, (lots) => chooseGateDoubts(s, gates, clock, lots))
    : chooseGateDoubts(s, gates, clock);
  for (const code of doubts) redo.add(code);

  // Sensor "free"s the camera has not confirmed in time.
  for (const code of bays.pendingFree) if ((bays.get(code)?.sensorSince ?? Infinity) < clock - CONFIRM_WITHIN_MS) redo.add(code);
  report.rechecked = redo.size;
  if (redo.size) await recheck([...redo]);
  return report;
}

/**
 * Runs checkEvidence after commits, at most once per `everyMs` and never two at once, and on a
 * timer when nothing is committed (a silent city must still be found silent). Re-reads the open
 * alerts once a minute: one an operator resolved, or the minute's backstop opened, counts from then.
 */
export class EvidenceChecker {
  /** The first pass waits one period: the first commits after start-up are the devices' own. */
  private last = Date.now();
  private running: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;
  /**
   * "Up since" in event time: ingest's clock at this process's first pass after its first commit.
   * Before a restart the clock stood where the last device left it; the first event after moves
   * it to now, and every device would look silent until it had had time to speak.
   */
  private upSince: number | null = null;
  private faultsAt = Date.now();
  private readonly cadences: Cadences;

  constructor(private readonly state: EvidenceState, private readonly recheck: (bayCodes: string[]) => Promise<void>,
    private readonly everyMs: number, private readonly log: { error(obj: unknown, msg?: string): void }) {
    this.cadences = new Cadences(state.devices);
    this.timer = setInterval(() => this.poke(), everyMs);
    this.timer.unref();
  }

  /** After a commit, or from the timer. */
  poke(): void {
    if (this.stopped || this.running || this.state.devices.clock === null || Date.now() - this.last < this.everyMs) return;
    this.last = Date.now();
    this.running = this.pass()
      .then(() => {}, (err) => { if (!this.stopped) this.log.error({ err }, 'ingest: device fault check failed; the next commit retries'); })
      .finally(() => { this.running = null; });
  }

  private async pass(): Promise<void> {
    const clock = this.state.devices.clock!;
    this.upSince ??= clock;
    if (Date.now() - this.faultsAt > FAULTS_RELOAD_MS) {
      this.faultsAt = Date.now();
      const changed = await this.state.devices.loadFaults(this.state.pool);
      const codes = [...changed].flatMap((id) => [...this.state.bays.baysOf(id)]);
      if (codes.length) await this.recheck(codes);
    }
    await checkEvidence(this.state, this.recheck, clock, this.upSince, this.cadences);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
