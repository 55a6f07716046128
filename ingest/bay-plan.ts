// What a batch does to bays, decided in memory (ingest/belief.ts) from the writer's mirror: per
// bay and source the newest word of the batch, merged into what the bay holds (a late word is
// stored with the events but never rolls a source back), then the bay's state decided again.
// Lot counts move by deltas, so a commit costs O(changed bays), not O(bays in the lot).
import type { BayChange } from '../core/changes.ts';
import type { IngestEvent } from '../core/ingest-events.ts';
import type { BayRecord, BayUpdate } from './bay-mirror.ts';
import { believe, isDoubtful, type Fault } from './belief.ts';

export type Counts = { free: number; occupied: number; unknown: number; doubtful: number };
export interface BayPlan { updates: BayUpdate[]; changes: BayChange[]; deltas: Map<string, Counts>; late: number }

type Observed = Pick<IngestEvent, 'deviceId' | 'deviceKind' | 'seq' | 'type' | 'eventTime' | 'observation'>;
export type Word = { deviceId: string; occupied: boolean; t: number; seq: number; report: boolean };

/**
 * `recheck`: bays to decide again though no word came (a device flagged or cleared, a camera overdue).
 * `faultOf`: a device's open silent/stuck alert; "silent" does not count for a device heard in this batch.
 * `clock`: the event time ingest has reached with this batch (epoch ms).
 * `cadenceOf`: a sensor's heartbeat interval as observed (ms; null: not known yet).
 */
export function planBays(events: Observed[], recheck: Iterable<string>, bays: { get(code: string): BayRecord | undefined },
  faultOf: (deviceId: string) => Fault | null, clock: number, gateDoubted: (code: string) => boolean = () => false,
  cadenceOf: (deviceId: string) => number | null = () => null): BayPlan {
  // A sensor's words are folded in order (its echoes count between them); a camera's newest wins.
  const sensor = new Map<string, Word[]>();
  const camera = new Map<string, Word>();
  const speaking = new Set<string>();
  for (const e of events) {
    speaking.add(e.deviceId);
    if (!e.observation) continue;
    const t = e.eventTime.getTime();
    const w: Word = { deviceId: e.deviceId, occupied: e.observation.occupied, t, seq: e.seq, report: e.type === 'occupancy' };
    if (e.deviceKind !== 'bay-camera') {
      const list = sensor.get(e.observation.bayCode);
      if (list) list.push(w); else sensor.set(e.observation.bayCode, [w]);
      continue;
    }
    const cur = camera.get(e.observation.bayCode);
    if (!cur || t > cur.t || (t === cur.t && e.seq > cur.seq)) camera.set(e.observation.bayCode, w);
  }
  const fault = (id: string | null, kinds: Fault[]): Fault | null => {
    if (id === null) return null;
    const f = faultOf(id);
    return f && kinds.includes(f) && !(f === 'silent' && speaking.has(id)) ? f : null;
  };
  const plan: BayPlan = { updates: [], changes: [], deltas: new Map(), late: 0 };
  for (const code of new Set([...sensor.keys(), ...camera.keys(), ...recheck])) {
    const cur = bays.get(code);
    if (!cur) continue; // no such bay: handlers only pass bays the device is assigned to
    const words = sensor.get(code);
    const c = camera.get(code);
    const folded = words ? foldSensor(cur, words, cadenceOf(words[0].deviceId)) : undefined;
    const sNew = folded !== undefined && folded.sensor.sensorTime !== cur.sensorTime;
    const cNew = c !== undefined && (cur.cameraTime === null || c.t > cur.cameraTime);
    plan.late += (folded?.late ?? 0) + Number(c !== undefined && !cNew);
    // Every field written here, in the mirror's order (bay-mirror.ts toRecord): one shape for all of a
    // city's records, each field in the object itself (a spread and fields added later gave them
    // separate property arrays: 15 MB of the heap every major collection marks).
    const s = sNew ? folded.sensor : cur;
    const next: BayRecord = {
      lotId: cur.lotId, occupied: cur.occupied, since: cur.since, eventTime: cur.eventTime, deviceId: cur.deviceId, seq: cur.seq,
      basis: cur.basis, doubt: cur.doubt, believedAt: cur.believedAt,
      sensorId: s.sensorId, sensorOccupied: s.sensorOccupied, sensorTime: s.sensorTime, sensorSince: s.sensorSince,
      cameraId: cNew ? c.deviceId : cur.cameraId, cameraOccupied: cNew ? c.occupied : cur.cameraOccupied,
      cameraTime: cNew ? c.t : cur.cameraTime,
      echoes: s.echoes, echoAt: s.echoAt, sensorSeq: s.sensorSeq, echoClean: s.echoClean, sensorBeat: s.sensorBeat,
      storedSensorTime: cur.storedSensorTime,
    };
    const at = Math.max(clock, next.sensorTime ?? -Infinity, next.cameraTime ?? -Infinity);
    let b = believe({
      sensor: { occupied: next.sensorOccupied, since: next.sensorSince, fault: fault(next.sensorId, ['silent', 'stuck']), echoAt: next.echoAt },
      camera: { occupied: next.cameraOccupied, at: next.cameraTime, fault: fault(next.cameraId, ['silent']) },
    }, at);
    // A sensor's "free" its garage's gate count speaks against: unknown, never "free".
    if (b.occupied === false && b.basis === 'sensor' && gateDoubted(code)) b = { occupied: null, basis: 'none', doubt: 'gate-count' };
    if (!sNew && !cNew && b.occupied === cur.occupied && b.doubt === cur.doubt && b.basis === cur.basis) continue;
    const cameraNewer = (next.cameraTime ?? -Infinity) > (next.sensorTime ?? -Infinity);
    next.occupied = b.occupied;
    next.basis = b.basis;
    next.doubt = b.doubt;
    next.believedAt = at;
    next.since = b.occupied === cur.occupied ? cur.since : b.basis === 'camera' ? next.cameraTime : b.basis === 'none' ? at : next.sensorSince;
    next.eventTime = cameraNewer ? next.cameraTime : next.sensorTime ?? next.cameraTime;
    next.deviceId = cameraNewer ? next.cameraId : next.sensorId;
    next.seq = sNew ? next.sensorSeq : cNew ? c.seq : cur.seq;
    const stored = cur.storedSensorTime ?? cur.sensorTime;
    const store = !quietBeat(next, cur, words) || next.sensorTime! - (stored ?? -Infinity) >= QUIET_BEAT_STORE_MS;
    next.storedSensorTime = store ? next.sensorTime : stored;
    const sensorMoved = next.sensorOccupied !== null && next.sensorOccupied !== cur.sensorOccupied && next.sensorTime !== cur.sensorTime;
    plan.updates.push({ code, record: next, sensorMoved, store });
    const moved = Number(isDoubtful(next.occupied, next.doubt)) - Number(isDoubtful(cur.occupied, cur.doubt));
    if (next.occupied === cur.occupied && moved === 0) continue;
    const d = plan.deltas.get(cur.lotId) ?? { free: 0, occupied: 0, unknown: 0, doubtful: 0 };
    d.doubtful += moved;
    if (next.occupied !== cur.occupied) {
      d[bucket(cur.occupied)] -= 1;
      d[bucket(next.occupied)] += 1;
      plan.changes.push({ code, lotId: cur.lotId, occupied: next.occupied, since: next.since === null ? null : new Date(next.since).toISOString() });
    }
    plan.deltas.set(cur.lotId, d);
  }
  return plan;
}

/**
 * How far a bay's stored sensor time may lag its sensor's heartbeats (event time). A heartbeat
 * restating the reading is most of a city's traffic (~98 %), and rewriting the bay's row for each
 * was a third of the batch statement's time; yet all it moves is when the sensor last spoke, which
 * ingest keeps in its mirror and the devices table records (last_seen, to the minute). So the row
 * is rewritten for such a heartbeat only this long after the time it holds: every third heartbeat
 * at a 10-minute cadence. Anything else a word changes (the reading, the belief, the camera) is
 * stored at once; several ingest processes (shared) store every word, since each reads its bays
 * from the database.
 */
export const QUIET_BEAT_STORE_MS = 30 * 60_000;

/** Heartbeats only, and nothing of the bay's row moved but the sensor's time (and the newest word's time and seq). */
function quietBeat(next: BayRecord, cur: BayRecord, words: Word[] | undefined): boolean {
  return words !== undefined && words.every((w) => !w.report) && next.sensorTime !== cur.sensorTime
    && next.occupied === cur.occupied && next.since === cur.since && next.basis === cur.basis && next.doubt === cur.doubt
    && next.deviceId === cur.deviceId && next.sensorId === cur.sensorId && next.sensorOccupied === cur.sensorOccupied
    && next.sensorSince === cur.sensorSince && next.cameraId === cur.cameraId && next.cameraOccupied === cur.cameraOccupied
    && next.cameraTime === cur.cameraTime;
}

type SensorPart = Pick<BayRecord, 'sensorId' | 'sensorOccupied' | 'sensorTime' | 'sensorSince' | 'sensorSeq' | 'echoes' | 'echoAt' | 'echoClean' | 'sensorBeat'>;

/**
 * A consecutive echo is proof only of a reading held this long (event time): a stuck sensor echoes
 * as a car comes or goes, after a stay or a vacancy of minutes; a report repeated within a minute is
 * more likely a device restating itself (after a reconnect, or a test's messages), which the second
 * echo or the gates still catch.
 */
export const ECHO_HELD_MS = 60_000;

/**
 * A bay's sensor words of one batch, in event-time order, over what the bay holds: a word no newer
 * than the last is late (stored, never rolling the sensor back). An occupancy report that repeats the
 * reading is an echo; one that follows the sensor's previous word with nothing between (seq + 1, a
 * later ts) and a reading held ECHO_HELD_MS is a consecutive echo — proof the sensor is stuck, where
 * a lost change in between (a gap in seq) could make a healthy sensor's report look like one.
 *
 * A lost echo is inferred too: two heartbeats with the same reading, less than one and a half of the
 * sensor's cadence (`cadenceMs`) apart, with one seq missing between. The lost message was no
 * scheduled heartbeat (that would leave two intervals between them), so it was a report; a healthy
 * sensor's report changes its reading, and changing back would take a second one. So it repeated
 * the reading: an echo, consecutive if the reading had held a minute.
 */
export function foldSensor(cur: BayRecord, words: Word[], cadenceMs: number | null = null): { sensor: SensorPart; late: number } {
  if (words.length > 1) words.sort((a, b) => a.t - b.t || a.seq - b.seq);
  const r: SensorPart = {
    sensorId: cur.sensorId, sensorOccupied: cur.sensorOccupied, sensorTime: cur.sensorTime, sensorSince: cur.sensorSince,
    sensorSeq: cur.sensorSeq, echoes: cur.echoes, echoAt: cur.echoAt, echoClean: cur.echoClean, sensorBeat: cur.sensorBeat,
  };
  let late = 0;
  for (const w of words) {
    if (r.sensorTime !== null && w.t <= r.sensorTime) { late++; continue; }
    const sameDevice = w.deviceId === r.sensorId && r.sensorSeq !== null;
    if (w.occupied !== r.sensorOccupied || r.sensorSince === null) r.sensorSince = w.t;
    const lostEcho = sameDevice && !w.report && r.sensorBeat && cadenceMs !== null && w.seq === r.sensorSeq! + 2 && w.t - r.sensorTime! < 1.5 * cadenceMs;
    if (w.occupied !== r.sensorOccupied) {
      r.echoes = 0;
      r.echoAt = null;
      r.echoClean = false;
    } else if (w.report || lostEcho) {
      r.echoes += 1;
      r.echoAt = w.t;
      const consecutive = lostEcho || w.seq === r.sensorSeq! + 1;
      if (sameDevice && consecutive && w.t - r.sensorSince >= ECHO_HELD_MS) r.echoClean = true;
    }
    r.sensorId = w.deviceId;
    r.sensorOccupied = w.occupied;
    r.sensorTime = w.t;
    r.sensorSeq = w.seq;
    r.sensorBeat = !w.report;
  }
  return { sensor: r, late };
}

const bucket = (v: boolean | null) => (v === null ? 'unknown' : v ? 'occupied' : 'free');
