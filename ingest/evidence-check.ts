// Faulty devices, found at the pace of the devices' own clocks: a check that ingest runs after its
// commits (at most once per `everyMs`), judged on the event time ingest has committed
// (ingest_clock), not on a once-a-minute job — a fleet at 30× beats every 20 real seconds, and a
// silent sensor must be flagged within two of its intervals. The database decides: every rule is
// one statement over what is stored, so a second ingest process would reach the same verdicts.
// - silent: two heartbeats missed by the device's own cadence (writer.ts SILENT_INTERVALS,
//   migrations/024), or by its lot's devices' of its kind when it never beat twice (it died after
//   its first word);
// - stuck: a sensor whose word a newer camera reading has contradicted for one heartbeat interval
//   (a sensor under a snow crust or stuck after a parked truck keeps saying what it said);
//   cleared when the sensor changes its word;
// - bays whose camera has not confirmed a sensor's "free" within CONFIRM_WITHIN_S.
// The bays of every device flagged or cleared are decided again through the writer (markUnknown).
import type { Pool } from '../core/db/index.ts';
import { AFTER_WORD_INTERVALS, CONFIRM_WITHIN_S, NEVER_BEAT_INTERVALS, SILENT_INTERVALS } from './writer.ts';

/**
 * Heartbeat cadences (median seconds between beats) of the devices that have one: per kind across
 * the city, and per lot and kind (key `lot|kind`). Read once a minute: a scan of every device.
 */
export interface Cadences { city: Record<string, number>; lot: Record<string, number> }

export interface EvidenceReport { silentOpened: number; silentCleared: number; stuckOpened: number; stuckCleared: number; rechecked: number }

/** One pass. `recheck` decides the given bays again (EventWriter.recheck). */
export async function checkEvidence(pool: Pool, recheck: (bayCodes: string[]) => Promise<void>, upSince = new Date(0),
  cadence: Cadences = { city: {}, lot: {} }, heardSince: Date | null = null): Promise<EvidenceReport> {
  const report: EvidenceReport = { silentOpened: 0, silentCleared: 0, stuckOpened: 0, stuckCleared: 0, rechecked: 0 };
  const { rows: [clock] } = await pool.query<{ t: Date }>('SELECT event_time AS t FROM ingest_clock');
  if (!clock) return report;
  const devices = new Set<string>();
  const bays = new Set<string>();

  // A device with no cadence of its own is held to its lot's devices of its kind, once they have
  // one, else to the city's of its kind (the median): two beats missed after its one heartbeat
  // (its phase is known, so one lost beat is tolerated), or NEVER_BEAT_INTERVALS after it was last
  // heard when it never beat. Only devices heard since the last pass: their due time moves only
  // when they are heard (a whole city re-judged every second held the embedded database 5–10 s).
  // The lot's cadence comes from the minute's cache ($3), or, for a lot not in it yet, is worked
  // out here for that lot alone (a lot whose devices are learning their cadence right now).
  await pool.query(
    `WITH cand AS (
       SELECT n.id, n.lot_id, n.kind, n.last_heartbeat, n.last_heard, n.heartbeat_interval_s, n.lot_id || '|' || n.kind AS k
         FROM devices n
        WHERE n.heartbeat_seen_s IS NULL AND n.last_heard < $1
          AND n.last_heard > greatest($1::timestamptz - interval '1 hour', coalesce($4::timestamptz, '-infinity'))),
     live AS (
       SELECT o.lot_id || '|' || o.kind AS k, percentile_disc(0.5) WITHIN GROUP (ORDER BY o.heartbeat_seen_s) AS s
         FROM devices o
        WHERE o.heartbeat_seen_s IS NOT NULL AND o.lot_id || '|' || o.kind IN (SELECT k FROM cand WHERE NOT ($3::jsonb ? k))
        GROUP BY 1),
     due AS (
       SELECT c.id, CASE WHEN c.last_heartbeat IS NULL THEN c.last_heard + make_interval(secs => ${NEVER_BEAT_INTERVALS} * x.s)
                         ELSE greatest(c.last_heartbeat + make_interval(secs => ${SILENT_INTERVALS} * x.s),
                                       c.last_heard + make_interval(secs => ${AFTER_WORD_INTERVALS} * x.s)) END AS due
         FROM cand c LEFT JOIN live m ON m.k = c.k,
              LATERAL (SELECT least(c.heartbeat_interval_s, coalesce((($3::jsonb)->>c.k)::float8, m.s, (($2::jsonb)->>c.kind)::float8)) AS s) x
        WHERE x.s IS NOT NULL)
     UPDATE devices d SET silent_after = due.due FROM due
      WHERE d.id = due.id AND (d.silent_after IS NULL OR d.silent_after > due.due)`,
    [clock.t, JSON.stringify(cadence.city), JSON.stringify(cadence.lot), heardSince]);

  const opened = await pool.query<{ device_id: string }>(
    `INSERT INTO device_alerts (device_id, lot_id, kind, details, raised_event_time)
     SELECT d.id, d.lot_id, 'silent',
            jsonb_build_object('lastSeen', d.last_seen, 'silentAfter', d.silent_after, 'heartbeatIntervalS', d.heartbeat_interval_s, 'heartbeatSeenS', d.heartbeat_seen_s), $1
       FROM devices d
      WHERE d.silent_after <= $1 AND d.silent_after > $1::timestamptz - interval '1 hour' AND d.enabled
        -- counted from when this process came up if later: while it was down no device could reach it
        AND $2::timestamptz + (d.silent_after - coalesce(d.last_seen, d.silent_after)) <= $1
        AND NOT EXISTS (SELECT 1 FROM device_alerts a WHERE a.device_id = d.id AND a.kind = 'silent' AND a.resolved_at IS NULL)
     ON CONFLICT (device_id, kind) WHERE resolved_at IS NULL DO NOTHING
     RETURNING device_id`, [clock.t, upSince]);
  report.silentOpened = opened.rows.length;
  for (const r of opened.rows) devices.add(r.device_id);

  const cleared = await pool.query<{ device_id: string }>(
    `UPDATE device_alerts a SET resolved_at = now(), note = coalesce(a.note || ' · ', '') || 'cleared by itself'
       FROM devices d
      WHERE a.kind = 'silent' AND a.resolved_at IS NULL AND d.id = a.device_id AND d.silent_after > $1
     RETURNING a.device_id`, [clock.t]);
  report.silentCleared = cleared.rows.length;
  for (const r of cleared.rows) devices.add(r.device_id);

  // Stuck: the camera has contradicted the sensor for one of the sensor's heartbeat intervals.
  const stuck = await pool.query<{ device_id: string; bay_code: string }>(
    `INSERT INTO device_alerts (device_id, lot_id, kind, details, raised_event_time)
     SELECT s.sensor_id, s.lot_id, 'stuck',
            jsonb_build_object('reason', 'camera-disagrees', 'bayCode', s.bay_code, 'occupied', s.sensor_occupied, 'sensorSince', s.sensor_since,
                               'cameraId', s.camera_id, 'cameraSays', s.camera_occupied, 'cameraAt', s.camera_time), $1
       FROM bay_state s JOIN devices d ON d.id = s.sensor_id
      WHERE s.doubt = 'sensor-disagrees' AND d.enabled
        AND s.camera_time < $1::timestamptz - make_interval(secs => least(d.heartbeat_interval_s, coalesce(d.heartbeat_seen_s, d.heartbeat_interval_s)))
        AND NOT EXISTS (SELECT 1 FROM device_alerts a WHERE a.device_id = s.sensor_id AND a.kind = 'stuck' AND a.resolved_at IS NULL)
     ON CONFLICT (device_id, kind) WHERE resolved_at IS NULL DO NOTHING
     RETURNING device_id, details->>'bayCode' AS bay_code`, [clock.t]);
  report.stuckOpened = stuck.rows.length;
  for (const r of stuck.rows) bays.add(r.bay_code);

  // A stuck sensor that says something new is working again.
  const unstuck = await pool.query<{ bay_code: string }>(
    `UPDATE device_alerts a SET resolved_at = now(), note = coalesce(a.note || ' · ', '') || 'cleared by itself: the sensor changed its word'
       FROM bay_state s
      WHERE a.kind = 'stuck' AND a.resolved_at IS NULL AND a.details->>'reason' = 'camera-disagrees'
        AND s.bay_code = a.details->>'bayCode' AND s.sensor_id = a.device_id
        AND s.sensor_occupied IS DISTINCT FROM (a.details->>'occupied')::boolean
     RETURNING s.bay_code`);
  report.stuckCleared = unstuck.rows.length;
  for (const r of unstuck.rows) bays.add(r.bay_code);

  // The bays of devices flagged or cleared, and sensor "free"s the camera has not confirmed in time.
  const { rows } = await pool.query<{ bay_code: string }>(
    `SELECT s.bay_code FROM bay_state s WHERE s.sensor_id = ANY($2::text[]) OR s.camera_id = ANY($2::text[])
     UNION
     SELECT s.bay_code FROM bay_state s
      WHERE s.doubt = 'camera-pending' AND s.sensor_occupied = false AND s.sensor_since < $1::timestamptz - make_interval(secs => ${CONFIRM_WITHIN_S})`,
    [clock.t, [...devices]]);
  for (const r of rows) bays.add(r.bay_code);
  report.rechecked = bays.size;
  if (bays.size) await recheck([...bays]);
  return report;
}

/**
 * Runs checkEvidence after commits, at most once per `everyMs` and never two at once, and on a
 * timer when nothing is committed (a silent city must still be found silent).
 */
export class EvidenceChecker {
  /** The first pass waits one period: the first commits after start-up are the devices' own. */
  private last = Date.now();
  private running: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;
  /**
   * "Up since" in event time: the ingest clock at this process's first pass after its first
   * commit. Before a restart the clock stood where the last device left it; the first event after
   * moves it to now, and every device would look silent until it had had time to speak.
   */
  private upSince: Date | null = null;
  private committed = false;
  private cadence: Cadences = { city: {}, lot: {} };
  private cadenceAt = 0;
  /** The ingest clock at the last pass: devices heard since then are judged in the next. */
  private heardSince: Date | null = null;

  constructor(private readonly pool: Pool, private readonly recheck: (bayCodes: string[]) => Promise<void>,
    private readonly everyMs: number, private readonly log: { error(obj: unknown, msg?: string): void }) {
    this.timer = setInterval(() => this.poke(), everyMs);
    this.timer.unref();
  }

  /** After a commit (`committed`), or from the timer. */
  poke(committed = false): void {
    this.committed ||= committed;
    if (this.stopped || this.running || !this.committed || Date.now() - this.last < this.everyMs) return;
    this.last = Date.now();
    this.running = this.pass()
      .then(() => {}, (err) => { if (!this.stopped) this.log.error({ err }, 'ingest: device fault check failed; the next commit retries'); })
      .finally(() => { this.running = null; });
  }

  private async pass(): Promise<void> {
    if (!this.upSince) {
      const { rows } = await this.pool.query<{ t: Date }>('SELECT event_time AS t FROM ingest_clock');
      if (!rows[0]) return;
      this.upSince = new Date(rows[0].t);
    }
    // The cadences per kind, city-wide and per lot: a scan of every device, so once a minute, not every pass.
    if (Date.now() - this.cadenceAt > 60_000) {
      const { rows } = await this.pool.query<{ city: number; lot_id: string | null; kind: string; s: number }>(
        `SELECT GROUPING(lot_id) AS city, lot_id, kind, percentile_disc(0.5) WITHIN GROUP (ORDER BY heartbeat_seen_s) AS s
           FROM devices WHERE heartbeat_seen_s IS NOT NULL GROUP BY GROUPING SETS ((kind), (lot_id, kind))`);
      const cadence: Cadences = { city: {}, lot: {} };
      for (const r of rows) {
        if (r.city) cadence.city[r.kind] = Number(r.s);
        else if (r.lot_id !== null) cadence.lot[`${r.lot_id}|${r.kind}`] = Number(r.s);
      }
      this.cadence = cadence;
      if (rows.length) this.cadenceAt = Date.now();
    }
    const { rows: [clock] } = await this.pool.query<{ t: Date }>('SELECT event_time AS t FROM ingest_clock');
    await checkEvidence(this.pool, this.recheck, this.upSince, this.cadence, this.heardSince);
    if (clock) this.heardSince = new Date(clock.t);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
