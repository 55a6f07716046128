// Device health: a scheduled check (ingest/jobs.ts) over every device, in a few set-based statements
// so 250,000 devices cost the database well under a second and ingest keeps its one embedded
// connection. It raises one alert per device and kind (migrations/017) and clears it when the
// condition does:
// - silent: no message for two heartbeat intervals (devices.silent_after, written by ingest: ingest/device-book.ts). The bays
//   resting on its word are decided again through the writer (ingest/evidence-check.ts does this
//   within seconds; this pass is the backstop): they follow the other source or go unknown, never "free";
// - low battery: the last reported battery under DEVICE_LOW_BATTERY_V;
// - stuck: a sensor's bay in one state far longer than that lot's stays (ten times the lot's mean
//   stay of the last two weeks, at least 24 hours), a sign of a sensor that no longer sees cars;
// - low confidence: a camera whose plate reads in the last hour average well under its own day before.
import type { Pool } from '../core/db/index.ts';
import type { Silence } from './writer.ts';

export interface HealthThresholds {
  lowBatteryV: number;
  /** Stuck: at least this long, and at least `stuckStays` mean stays of the lot. */
  stuckMinHours: number;
  stuckStays: number;
  /** Low confidence: the hour's mean under `ratio` × the day's, or under `floor`, with `minReads` reads. */
  confidenceRatio: number;
  confidenceFloor: number;
  confidenceMinReads: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  lowBatteryV: 3.3, stuckMinHours: 24, stuckStays: 10, confidenceRatio: 0.85, confidenceFloor: 0.6, confidenceMinReads: 20,
};

export interface HealthReport { opened: Record<string, number>; cleared: Record<string, number>; silencedBays: number; ms: number }

/**
 * New alerts of one kind per pass, at most: a freshly loaded or blacked-out city has 250k silent
 * devices at once, and opening them all in one statement held the embedded database's one
 * connection for over a minute (ingest waits on it). The rest open on the next passes, a minute apart.
 */
export const MAX_NEW_ALERTS_PER_PASS = 25_000;

/**
 * Silent: nothing for two intervals, counted from when this platform came up ($n) if that is later:
 * while it was down no device could reach it, so a restart must not find a whole city silent (250k
 * alerts opened, and bays gone unknown, in the minute its fleet is reconnecting).
 */
/** Alerts opened or cleared in one pass above which the table's statistics are refreshed. */
const ANALYZE_AFTER = 5_000;

// silent_after: its last heartbeat plus 2.2 of its observed heartbeat intervals (ingest/device-book.ts,
// ingest/evidence-check.ts, which flags it in event time within seconds; this pass is the backstop).
const SILENT = (n: number) => `coalesce(d.silent_after, coalesce(d.last_seen, d.created_at) + make_interval(secs => 2 * d.heartbeat_interval_s)) < now()
  AND $${n}::timestamptz < now() - make_interval(secs => 2 * least(d.heartbeat_interval_s, coalesce(d.heartbeat_seen_s, d.heartbeat_interval_s)))`;

/**
 * Open an alert per row of `select` (device_id, lot_id, details); resolve open ones of `kind` not in it.
 * Devices whose alert is open already are left out by one anti-join over the open alerts, not by
 * an ON CONFLICT probe each: a city whose 250k devices are all silent (freshly loaded, or an outage)
 * would otherwise re-attempt 250k inserts every minute (migrations/022, `npm run bench:city`).
 */
async function reconcile(pool: Pool, kind: string, select: string, params: unknown[], keep = 'false'): Promise<{ opened: number; cleared: number }> {
  const { rows } = await pool.query<{ opened: string; cleared: string }>(
    `WITH now_bad AS (${select}),
     open_now AS (SELECT a.device_id FROM device_alerts a WHERE a.kind = '${kind}' AND a.resolved_at IS NULL),
     opened AS (
       INSERT INTO device_alerts (device_id, lot_id, kind, details)
       SELECT b.device_id, b.lot_id, '${kind}', b.details FROM now_bad b WHERE NOT EXISTS (SELECT 1 FROM open_now o WHERE o.device_id = b.device_id)
       LIMIT ${MAX_NEW_ALERTS_PER_PASS}
       ON CONFLICT (device_id, kind) WHERE resolved_at IS NULL DO NOTHING RETURNING 1
     ), cleared AS (
       UPDATE device_alerts a SET resolved_at = now(), note = coalesce(a.note || ' · ', '') || 'cleared by itself'
        WHERE a.kind = '${kind}' AND a.resolved_at IS NULL AND NOT EXISTS (SELECT 1 FROM now_bad b WHERE b.device_id = a.device_id) AND NOT (${keep})
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM opened) AS opened, (SELECT count(*) FROM cleared) AS cleared`, params);
  return { opened: Number(rows[0].opened), cleared: Number(rows[0].cleared) };
}

/** Fold the last complete hours' plate-read confidence per camera (idempotent per hour). */
export async function foldCameraConfidence(pool: Pool): Promise<void> {
  await pool.query(
    `INSERT INTO camera_confidence_hourly (device_id, hour, reads, confidence_sum)
     SELECT device_id, date_trunc('hour', event_time, 'UTC'), count(*), sum((payload->>'confidence')::float8)
       FROM device_events
      WHERE event_time >= date_trunc('hour', now(), 'UTC') - interval '2 hours' AND event_time < date_trunc('hour', now(), 'UTC')
        AND type IN ('gate', 'bay') AND payload ? 'confidence'
      GROUP BY 1, 2
     ON CONFLICT (device_id, hour) DO UPDATE SET reads = EXCLUDED.reads, confidence_sum = EXCLUDED.confidence_sum`);
  await pool.query(`DELETE FROM camera_confidence_hourly WHERE hour < now() - interval '3 days'`);
}

/**
 * One pass of every check. `silence` marks bays unknown through the ingest writer; the bays it
 * gets are those a silent device reported last and that are not unknown already.
 */
export async function checkDeviceHealth(pool: Pool, silence: (bays: Silence[]) => Promise<void>, t: HealthThresholds = DEFAULT_THRESHOLDS, upSince = new Date(0)): Promise<HealthReport> {
  const started = Date.now();
  const opened: Record<string, number> = {};
  const cleared: Record<string, number> = {};
  const note = (kind: string, r: { opened: number; cleared: number }) => { opened[kind] = r.opened; cleared[kind] = r.cleared; };

  note('silent', await reconcile(pool, 'silent',
    `SELECT d.id AS device_id, d.lot_id, jsonb_build_object('lastSeen', d.last_seen, 'heartbeatIntervalS', d.heartbeat_interval_s) AS details
       FROM devices d WHERE d.enabled AND ${SILENT(1)}`, [upSince]));
  note('low-battery', await reconcile(pool, 'low-battery',
    `SELECT d.id AS device_id, d.lot_id, jsonb_build_object('batteryV', d.battery, 'thresholdV', $1::real) AS details
       FROM devices d WHERE d.enabled AND d.battery IS NOT NULL AND d.battery < $1`, [t.lowBatteryV]));
  // Stuck: only bays in one state for at least stuckMinHours can be, so start from those (a live
  // city has few) and read the lots' mean stays for their lots alone — joining every sensor to its
  // bay first held the database's one connection ~1.5 s a pass at city scale (254k devices).
  note('stuck', await reconcile(pool, 'stuck',
    `WITH old AS MATERIALIZED (
       SELECT s.bay_code, s.device_id, s.occupied, s.since FROM bay_state s
        WHERE s.occupied IS NOT NULL AND s.since < now() - make_interval(hours => $1::int)
     ), sensors AS MATERIALIZED (
       SELECT d.id, d.lot_id, o.occupied, o.since
         FROM old o JOIN devices d ON d.id = o.device_id AND d.bay_code = o.bay_code
        WHERE d.enabled AND d.kind = 'bay-sensor' AND NOT (${SILENT(3)})
     ), stays AS (
       SELECT lot_id, sum(stay_minutes) / nullif(sum(closed), 0) AS mean_stay_min
         FROM lot_hourly_stats WHERE hour >= now() - interval '14 days' AND lot_id IN (SELECT lot_id FROM sensors)
        GROUP BY lot_id
     )
     SELECT d.id AS device_id, d.lot_id,
            jsonb_build_object('occupied', d.occupied, 'since', d.since, 'meanStayMinutes', round(st.mean_stay_min::numeric, 1)) AS details
       FROM sensors d LEFT JOIN stays st ON st.lot_id = d.lot_id
      WHERE d.since < now() - greatest(make_interval(hours => $1::int), interval '1 minute' * ($2::float8 * coalesce(st.mean_stay_min, 0)))`,
    [t.stuckMinHours, t.stuckStays, upSince],
    // A sensor its camera or its own reports showed stuck is cleared by the evidence check when it changes its word.
    `coalesce(a.details->>'reason', '') IN ('camera-disagrees', 'echo')`));
  note('low-confidence', await reconcile(pool, 'low-confidence',
    `WITH hours AS (
       SELECT device_id,
              sum(reads) FILTER (WHERE hour = date_trunc('hour', now(), 'UTC') - interval '1 hour') AS recent_reads,
              sum(confidence_sum) FILTER (WHERE hour = date_trunc('hour', now(), 'UTC') - interval '1 hour') AS recent_sum,
              sum(reads) FILTER (WHERE hour < date_trunc('hour', now(), 'UTC') - interval '1 hour') AS base_reads,
              sum(confidence_sum) FILTER (WHERE hour < date_trunc('hour', now(), 'UTC') - interval '1 hour') AS base_sum
         FROM camera_confidence_hourly WHERE hour >= now() - interval '26 hours' GROUP BY device_id
     )
     SELECT h.device_id, d.lot_id,
            jsonb_build_object('lastHour', round((recent_sum / recent_reads)::numeric, 3), 'dayBefore', round((base_sum / nullif(base_reads, 0))::numeric, 3), 'reads', recent_reads) AS details
       FROM hours h JOIN devices d ON d.id = h.device_id
      WHERE d.enabled AND recent_reads >= $1
        AND (recent_sum / recent_reads < $2 OR (base_reads >= $1 AND recent_sum / recent_reads < $3 * base_sum / base_reads))`,
    [t.confidenceMinReads, t.confidenceFloor, t.confidenceRatio]));

  // The embedded database runs no autovacuum: after a pass that changed many alerts, refresh the
  // planner's figures, or it keeps planning the console's alert queries for an empty table.
  const changed = [...Object.values(opened), ...Object.values(cleared)].reduce((a, b) => a + b, 0);
  if (changed >= ANALYZE_AFTER) await pool.query('ANALYZE device_alerts');

  // The bays whose belief still rests on a silent device's word (the evidence check finds most
  // of them first): each is decided again, following the other source or going unknown.
  const { rows } = await pool.query<{ bay_code: string; device_id: string }>(
    `SELECT s.bay_code, a.device_id
       FROM device_alerts a JOIN bay_state s ON (s.sensor_id = a.device_id AND s.basis LIKE '%sensor%') OR (s.camera_id = a.device_id AND s.basis LIKE '%camera%')
      WHERE a.kind = 'silent' AND a.resolved_at IS NULL`);
  const at = new Date();
  if (rows.length) await silence(rows.map((r) => ({ bayCode: r.bay_code, deviceId: r.device_id, at })));
  return { opened, cleared, silencedBays: rows.length, ms: Date.now() - started };
}
