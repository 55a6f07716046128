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
type Word = { deviceId: string; occupied: boolean; t: number; seq: number; report: boolean };

/**
 * `recheck`: bays to decide again though no word came (a device flagged or cleared, a camera overdue).
 * `faultOf`: a device's open silent/stuck alert; "silent" does not count for a device heard in this batch.
 * `clock`: the event time ingest has reached with this batch (epoch ms).
 */
export function planBays(events: Observed[], recheck: Iterable<string>, bays: { get(code: string): BayRecord | undefined },
  faultOf: (deviceId: string) => Fault | null, clock: number, gateDoubted: (code: string) => boolean = () => false): BayPlan {
  const sensor = new Map<string, Word>();
  const camera = new Map<string, Word>();
  const speaking = new Set<string>();
  for (const e of events) {
    speaking.add(e.deviceId);
    if (!e.observation) continue;
    const words = e.deviceKind === 'bay-camera' ? camera : sensor;
    const cur = words.get(e.observation.bayCode);
    const t = e.eventTime.getTime();
    if (!cur || t > cur.t || (t === cur.t && e.seq > cur.seq)) words.set(e.observation.bayCode, { deviceId: e.deviceId, occupied: e.observation.occupied, t, seq: e.seq, report: e.type === 'occupancy' });
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
    const s = sensor.get(code);
    const c = camera.get(code);
    const sNew = s !== undefined && (cur.sensorTime === null || s.t > cur.sensorTime);
    const cNew = c !== undefined && (cur.cameraTime === null || c.t > cur.cameraTime);
    plan.late += Number(s !== undefined && !sNew) + Number(c !== undefined && !cNew);
    const next: BayRecord = {
      ...cur,
      sensorId: sNew ? s.deviceId : cur.sensorId, sensorOccupied: sNew ? s.occupied : cur.sensorOccupied,
      sensorTime: sNew ? s.t : cur.sensorTime,
      sensorSince: sNew && (s.occupied !== cur.sensorOccupied || cur.sensorSince === null) ? s.t : cur.sensorSince,
      cameraId: cNew ? c.deviceId : cur.cameraId, cameraOccupied: cNew ? c.occupied : cur.cameraOccupied,
      cameraTime: cNew ? c.t : cur.cameraTime,
    };
    if (sNew && s.occupied !== cur.sensorOccupied) Object.assign(next, { echoes: 0, echoAt: null });
    else if (sNew && s.report) Object.assign(next, { echoes: cur.echoes + 1, echoAt: s.t });
    const at = Math.max(clock, next.sensorTime ?? -Infinity, next.cameraTime ?? -Infinity);
    let b = believe({
      sensor: { occupied: next.sensorOccupied, since: next.sensorSince, fault: fault(next.sensorId, ['silent', 'stuck']), echoAt: next.echoAt },
      camera: { occupied: next.cameraOccupied, at: next.cameraTime, fault: fault(next.cameraId, ['silent']) },
    }, at);
    // A sensor's "free" its garage's gate count speaks against: unknown, never "free".
    if (b.occupied === false && b.basis === 'sensor' && gateDoubted(code)) b = { occupied: null, basis: 'none', doubt: 'gate-count' };
    if (!sNew && !cNew && b.occupied === cur.occupied && b.doubt === cur.doubt && b.basis === cur.basis) continue;
    const cameraNewer = (next.cameraTime ?? -Infinity) > (next.sensorTime ?? -Infinity);
    Object.assign(next, {
      occupied: b.occupied, basis: b.basis, doubt: b.doubt, believedAt: at,
      since: b.occupied === cur.occupied ? cur.since : b.basis === 'camera' ? next.cameraTime : b.basis === 'none' ? at : next.sensorSince,
      eventTime: cameraNewer ? next.cameraTime : next.sensorTime ?? next.cameraTime,
      deviceId: cameraNewer ? next.cameraId : next.sensorId,
      seq: sNew ? s.seq : cNew ? c.seq : cur.seq,
    });
    plan.updates.push({ code, record: next, was: cur });
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

const bucket = (v: boolean | null) => (v === null ? 'unknown' : v ? 'occupied' : 'free');
