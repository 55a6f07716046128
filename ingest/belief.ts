// What the platform believes about a bay, from what each source last said (docs/faults.md, "How
// the platform copes"). Pure: the ingest writer decides every bay of a batch with it from its
// mirror (ingest/bay-mirror.ts), in memory, so a batch costs the database plain UPDATEs. The
// rules, in order:
// 1. sensor and camera agree → that state;
// 2. the camera saw the bay after the sensor's reading began and disagrees → the camera (a stuck
//    sensor never changes its reading; a moving car is read by both within seconds);
// 3. the sensor says taken, the camera has not read the car yet → taken (safe to show);
// 4. the sensor just said free → free while the camera catches up (CONFIRM_WITHIN_MS), then unknown;
// 5. a source flagged faulty (an open silent or stuck alert) no longer counts; one good source → its word,
//    except a camera's "free" older than a stuck sensor's latest report: a stuck sensor still reports
//    when something moves at its bay (repeating its word), so that "free" waits for the camera's next read;
// 6. no usable evidence → unknown. Never "free" on a silent or stuck sensor's word.

export type Fault = 'silent' | 'stuck';
export type Basis = 'sensor+camera' | 'sensor' | 'camera' | 'none';
/**
 * null: consistent. 'camera-pending' (the sensor changed, the camera has not confirmed yet) is
 * normal; every other value makes a known bay count against its lot's data quality.
 */
export type Doubt = null | 'camera-pending' | 'sensor-disagrees' | 'camera-disagrees' | 'sensor-silent' | 'sensor-stuck'
  | 'camera-silent' | 'camera-stuck' | 'no-evidence'
  /** A garage's gates let in more cars than its sensors saw park: this "free" may be under one (ingest/gate-balance.ts). */
  | 'gate-count';

/**
 * How long a camera may take to confirm a sensor's "free" before the bay turns unknown: it reads
 * 2–10 s after the sensor, and a report may come up to half a minute late over a poor link.
 */
export const CONFIRM_WITHIN_MS = 45_000;

/** Each source's last word (epoch ms; null: never heard) and whether it is flagged faulty. */
export interface Evidence {
  /** `echoAt`: its latest report that repeated its word (bay-mirror.ts), a sign that something moved at the bay. */
  sensor: { occupied: boolean | null; since: number | null; fault: Fault | null; echoAt?: number | null };
  camera: { occupied: boolean | null; at: number | null; fault: Fault | null };
}
export interface Belief { occupied: boolean | null; basis: Basis; doubt: Doubt }

/** `clock`: the event time ingest has reached (epoch ms). */
export function believe({ sensor: s, camera: c }: Evidence, clock: number, confirmWithinMs = CONFIRM_WITHIN_MS): Belief {
  const sOk = s.occupied !== null && s.fault === null;
  const cOk = c.occupied !== null && c.fault === null;
  if (sOk && cOk) {
    if (s.occupied === c.occupied) return { occupied: s.occupied, basis: 'sensor+camera', doubt: null };
    if (c.at !== null && s.since !== null && c.at > s.since) return { occupied: c.occupied, basis: 'camera', doubt: 'sensor-disagrees' };
    if (s.occupied) return { occupied: true, basis: 'sensor', doubt: 'camera-pending' };
    if (s.since !== null && s.since > clock - confirmWithinMs) return { occupied: false, basis: 'sensor', doubt: 'camera-pending' };
    return { occupied: null, basis: 'none', doubt: 'camera-disagrees' };
  }
  if (cOk) {
    // Rule 5's exception (bench:city's demo fault run: a kerb car parked over a stuck sensor whose
    // camera read was lost stayed "free" on the camera's older word until the run ended).
    const moved = s.fault === 'stuck' && c.occupied === false && (s.echoAt ?? -Infinity) > (c.at ?? Infinity);
    if (moved) return { occupied: null, basis: 'none', doubt: 'sensor-stuck' };
    return { occupied: c.occupied, basis: 'camera', doubt: s.fault ? `sensor-${s.fault}` : null };
  }
  if (sOk) return { occupied: s.occupied, basis: 'sensor', doubt: c.fault ? `camera-${c.fault}` : null };
  return { occupied: null, basis: 'none', doubt: s.fault ? `sensor-${s.fault}` : c.fault ? `camera-${c.fault}` : 'no-evidence' };
}

/** A known bay on doubtful evidence: it counts against its lot's data quality (core/data-quality.ts). */
export const isDoubtful = (occupied: boolean | null, doubt: Doubt | string | null): boolean =>
  occupied !== null && doubt !== null && doubt !== 'camera-pending';
