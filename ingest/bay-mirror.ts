// The ingest writer's copy of bay_state: per bay the state shown, why (basis, doubt), and each
// source's last word (migrations/024), so deciding what a batch changes (ingest/belief.ts) — and
// spotting late reports — costs no database reads. The database stays the record: the mirror is
// loaded from it, and updated only after a batch has committed.
// With one ingest writer per database (npm start) the mirror is the truth between loads. Where
// several processes write (processes by role), the writer re-reads each batch's bays with refresh
// under its lots' locks (ingest/writer.ts `shared`), so the database decides.
// It also indexes what the evidence check (ingest/evidence-check.ts) walks each second: the bays
// resting on each device's word, and the few bays in doubt, so a pass never scans the city.
import type { Pool, PoolClient } from '../core/db/index.ts';
import type { Basis, Doubt } from './belief.ts';
import { intern } from './intern.ts';
import { defineColumns, NumberColumns, type Columned } from './number-columns.ts';

export interface BayRecord {
  lotId: string; occupied: boolean | null; since: number | null; eventTime: number | null;
  deviceId: string | null; seq: number | null; basis: Basis; doubt: Doubt; believedAt: number | null;
  sensorId: string | null; sensorOccupied: boolean | null; sensorTime: number | null;
  /** When the sensor's reading last changed: a heartbeat repeating it moves sensorTime, not this. */
  sensorSince: number | null;
  cameraId: string | null; cameraOccupied: boolean | null; cameraTime: number | null;
  /**
   * Occupancy reports (not heartbeats) that repeated the sensor's reading since it began, and the
   * last one's time: a sensor reports when it senses a change, so one that reports "no change" has
   * sensed a car it cannot see (stuck). In memory only: a restart starts the count again.
   */
  echoes: number; echoAt: number | null;
  /** The seq of the sensor's last word (heartbeat or report), and whether an echo came right after one (seq + 1): stuck for sure. In memory only. */
  sensorSeq: number | null; echoClean: boolean;
  /** The sensor's last word was a heartbeat (in memory only: a lost echo is inferred between two, bay-plan.ts). */
  sensorBeat: boolean;
  /**
   * The sensor's time as bay_state holds it (in memory only; undefined: as sensorTime). A heartbeat
   * that moves nothing but the sensor's time is stored only once it is QUIET_BEAT_STORE_MS past it
   * (bay-plan.ts).
   */
  storedSensorTime?: number | null;
}
/**
 * `store`: the batch writes it to bay_state (false: a heartbeat that moved only the sensor's time,
 * kept in the mirror). `sensorMoved`: the sensor's word changed its reading (the gate balance counts it).
 */
export interface BayUpdate { code: string; record: BayRecord; sensorMoved: boolean; store: boolean }

const COLUMNS = `bay_code, lot_id, occupied, since, event_time, device_id, seq, basis, doubt, believed_at,
  sensor_id, sensor_occupied, sensor_time, sensor_since, camera_id, camera_occupied, camera_time`;

/** A bay's numbers, in the mirror's columns (ingest/number-columns.ts): epoch-ms times are boxed numbers in a record. storedSensorTime reads null for undefined (the same to bay-plan.ts). */
const NUMBERS = ['since', 'eventTime', 'seq', 'believedAt', 'sensorTime', 'sensorSince', 'cameraTime', 'echoAt', 'sensorSeq', 'storedSensorTime'] as const;

/** A bay as the mirror keeps it: its other fields its own, its numbers in the mirror's columns. */
class KeptBay implements Columned {
  lotId: string; occupied: boolean | null; deviceId: string | null; basis: Basis; doubt: Doubt;
  sensorId: string | null; sensorOccupied: boolean | null; cameraId: string | null; cameraOccupied: boolean | null;
  echoes: number; echoClean: boolean; sensorBeat: boolean;
  constructor(readonly cols: NumberColumns, readonly slot: number, r: BayRecord) {
    this.lotId = r.lotId; this.occupied = r.occupied; this.deviceId = r.deviceId; this.basis = r.basis; this.doubt = r.doubt;
    this.sensorId = r.sensorId; this.sensorOccupied = r.sensorOccupied; this.cameraId = r.cameraId; this.cameraOccupied = r.cameraOccupied;
    this.echoes = r.echoes; this.echoClean = r.echoClean; this.sensorBeat = r.sensorBeat;
    for (const n of NUMBERS) (this as unknown as BayRecord)[n] = r[n] ?? null;
  }
}
defineColumns(KeptBay.prototype, NUMBERS);

export class BayMirror {
  private bays = new Map<string, BayRecord>();
  private cols = new NumberColumns(NUMBERS.length);
  /**
   * Device id → the bays whose sensor or camera it is: a sensor's one bay as its code, a camera's
   * several as a set (a set per sensor was 29 MB of a city's heap, marked by every major collection).
   */
  private byDevice = new Map<string, string | Set<string>>();
  private byLot = new Map<string, Set<string>>();
  /** Bays the evidence check looks at: a camera contradicting the sensor, or a sensor's "free" awaiting its camera. */
  readonly disagreeing = new Set<string>();
  readonly pendingFree = new Set<string>();
  readonly echoing = new Set<string>();

  async load(db: Pool | PoolClient): Promise<void> {
    const { rows } = await db.query(`SELECT ${COLUMNS} FROM bay_state`);
    this.bays = new Map();
    this.cols = new NumberColumns(NUMBERS.length, rows.length + 1024);
    this.byDevice = new Map();
    this.byLot = new Map();
    this.disagreeing.clear();
    this.pendingFree.clear();
    this.echoing.clear();
    for (const r of rows) this.set(r.bay_code, toRecord(r));
  }

  /** Bays created after the load (a lot added at run time): fetched once, inside the batch. */
  async ensure(client: PoolClient, codes: string[]): Promise<void> {
    const missing = codes.filter((c) => !this.bays.has(c));
    if (missing.length) await this.refresh(client, missing);
  }

  /** Re-read these bays from the database (in the caller's transaction, under its locks). */
  async refresh(client: PoolClient, codes: string[]): Promise<void> {
    if (!codes.length) return;
    const { rows } = await client.query(`SELECT ${COLUMNS} FROM bay_state WHERE bay_code = ANY($1::text[])`, [codes]);
    for (const r of rows) {
      const fresh = toRecord(r);
      // What only memory holds (the sensor's echoes, its last seq) still stands while the sensor's
      // last word is the one it belongs to: no other process has folded a newer one since.
      const old = this.bays.get(r.bay_code);
      if (old && old.sensorId === fresh.sensorId && old.sensorTime === fresh.sensorTime) {
        const { echoes, echoAt, sensorSeq, echoClean, sensorBeat } = old;
        Object.assign(fresh, { echoes, echoAt, sensorSeq, echoClean, sensorBeat });
      }
      this.set(r.bay_code, fresh);
    }
  }

  get(code: string): BayRecord | undefined {
    return this.bays.get(code);
  }

  /** The bays whose sensor or camera this device is. */
  baysOf(deviceId: string): Iterable<string> {
    const bays = this.byDevice.get(deviceId);
    return bays === undefined ? [] : typeof bays === 'string' ? [bays] : bays;
  }

  /** The bays of a lot. */
  baysIn(lotId: string): Iterable<string> {
    return this.byLot.get(lotId) ?? [];
  }

  /**
   * After COMMIT: the database now holds these; so does the mirror. Copied into the records it
   * holds: a new record per update lived for minutes and died in the old generation, a plan's copy
   * dies young (docs/performance.md, twenty-seventh session).
   */
  apply(updates: BayUpdate[]): void {
    for (const u of updates) this.set(u.code, u.record);
  }

  private set(code: string, r: BayRecord): void {
    const old = this.bays.get(code);
    if (old?.sensorId && old.sensorId !== r.sensorId) this.unlink(old.sensorId, code);
    if (old?.cameraId && old.cameraId !== r.cameraId) this.unlink(old.cameraId, code);
    if (r.sensorId) this.link(r.sensorId, code);
    if (r.cameraId) this.link(r.cameraId, code);
    // Always into the record kept (its slot in the columns stays); a new bay gets one.
    if (old) r = Object.assign(old, r);
    else this.bays.set(code, (r = new KeptBay(this.cols, this.cols.slot(), r) as KeptBay & BayRecord));
    if (!old) {
      let lot = this.byLot.get(r.lotId);
      if (!lot) this.byLot.set(r.lotId, (lot = new Set()));
      lot.add(code);
    }
    if (r.doubt === 'sensor-disagrees') this.disagreeing.add(code);
    else this.disagreeing.delete(code);
    if (r.doubt === 'camera-pending' && r.sensorOccupied === false) this.pendingFree.add(code);
    else this.pendingFree.delete(code);
    if (r.echoes > 0) this.echoing.add(code);
    else this.echoing.delete(code);
  }

  private link(deviceId: string, code: string): void {
    const bays = this.byDevice.get(deviceId);
    if (bays === undefined) this.byDevice.set(deviceId, code);
    else if (typeof bays !== 'string') bays.add(code);
    else if (bays !== code) this.byDevice.set(deviceId, new Set([bays, code]));
  }

  private unlink(deviceId: string, code: string): void {
    const bays = this.byDevice.get(deviceId);
    if (bays === code) this.byDevice.delete(deviceId);
    else if (typeof bays !== 'string') bays?.delete(code);
  }
}

const ms = (t: Date | string | null): number | null => (t === null || t === undefined ? null : new Date(t).getTime());

/** The way back: a record's epoch-ms time as the ISO text a batch document carries (null stays null). */
export const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function toRecord(r: Record<string, any>): BayRecord {
  const sensorId: string | null = r.sensor_id ?? null;
  const cameraId: string | null = r.camera_id ?? null;
  // The word's device is the sensor or the camera: the same string, not pg's third copy of it.
  const deviceId: string | null = r.device_id === sensorId ? sensorId : r.device_id === cameraId ? cameraId : r.device_id ?? null;
  return {
    lotId: intern(r.lot_id), occupied: r.occupied, since: ms(r.since), eventTime: ms(r.event_time), deviceId,
    seq: r.seq === null || r.seq === undefined ? null : Number(r.seq), basis: r.basis ?? 'none', doubt: r.doubt ?? null, believedAt: ms(r.believed_at ?? null),
    sensorId, sensorOccupied: r.sensor_occupied ?? null, sensorTime: ms(r.sensor_time ?? null), sensorSince: ms(r.sensor_since ?? null),
    cameraId, cameraOccupied: r.camera_occupied ?? null, cameraTime: ms(r.camera_time ?? null),
    echoes: 0, echoAt: null, sensorSeq: null, echoClean: false, sensorBeat: false, storedSensorTime: undefined,
  };
}
