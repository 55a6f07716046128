// The statement that stores an ingest batch (EventWriter.commit), and its parameters.
import type { IngestEvent } from '../core/ingest-events.ts';
import type { RejectCode } from '../core/protocol.ts';
import type { BayUpdate } from './bay-mirror.ts';
import type { Counts } from './bay-plan.ts';
import type { Touch } from './device-book.ts';

/** `code`: core/protocol.ts REJECT_CODES, which the console words; `reason` says it in English with the specifics. */
export interface DeadLetter { deviceId: string | null; topic: string; code: RejectCode | null; reason: string; payload: string }

// One statement per batch: raw events, dead letters, bay states and their evidence (decided in
// memory, ingest/bay-plan.ts), lot counts (by delta), occupancy samples and device last-seen with
// its cadence, as data-modifying CTEs. JSON documents instead of many text arrays: Postgres parses
// one JSON ~15% faster. No RETURNING on the event insert (it cost ~30% of it). Times as epoch
// milliseconds (ms()), not ISO text: parsing 4,000 timestamps was a fifth of the statement.
// ingest_batch_follows (migration 033) fails the whole statement when the batch it went out behind
// ($7, on this connection) did not commit, and records this one ($8) as the connection's last.
export const BATCH_SQL = `
WITH ins AS (
  INSERT INTO device_events (event_time, received_at, device_id, seq, type, lot_id, bay_code, payload)
  SELECT ms(t), ms(r), d, s, y, l, b, p FROM json_to_recordset($1::json)
      AS x(t float8, r float8, d text, s bigint, y text, l text, b text, p jsonb)
  ON CONFLICT DO NOTHING
  RETURNING 1
), dead AS (
  INSERT INTO dead_letters (device_id, topic, code, reason, payload)
  SELECT d, t, c, r, p FROM json_to_recordset($2::json) AS x(d text, t text, c text, r text, p text)
), bays AS (
  UPDATE bay_state b SET occupied = x.o, since = ms(x.s), event_time = ms(x.t), device_id = x.d, seq = x.q,
         basis = x.ba, doubt = x.db, believed_at = ms(x.ba_t),
         sensor_id = x.si, sensor_occupied = x.so, sensor_time = ms(x.st), sensor_since = ms(x.ss),
         camera_id = x.ci, camera_occupied = x.co, camera_time = ms(x.ct)
    FROM json_to_recordset($3::json) AS x(c text, o bool, s float8, t float8, d text, q bigint, ba text, db text, ba_t float8,
                                          si text, so bool, st float8, ss float8, ci text, co bool, ct float8)
   WHERE b.bay_code = x.c
), lots AS (
  UPDATE lot_availability a
     SET free = a.free + x.f, occupied = a.occupied + x.o, unknown = a.unknown + x.u, doubtful = a.doubtful + x.q, updated_at = now()
    FROM json_to_recordset($4::json) AS x(l text, f int, o int, u int, q int)
   WHERE a.lot_id = x.l
  RETURNING a.lot_id, a.free, a.occupied, a.unknown, a.doubtful, a.gate_inside, a.updated_at
), samples AS (
  INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
  SELECT now(), lot_id, free, occupied, unknown FROM lots
), seen AS (
  UPDATE devices d SET last_seen = GREATEST(d.last_seen, ms(x.t)), battery = COALESCE(x.b, d.battery),
         last_heartbeat = GREATEST(d.last_heartbeat, ms(x.h)), last_heard = GREATEST(d.last_heard, ms(x.n)),
         heartbeat_seen_s = COALESCE(x.c, d.heartbeat_seen_s), silent_after = COALESCE(ms(x.a), d.silent_after)
    FROM json_to_recordset($5::json) AS x(i text, t float8, b real, h float8, n float8, c real, a float8)
   WHERE d.id = x.i
)
SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT json_agg(lots) FROM lots) AS lots, ingest_batch_follows($6, $7, $8)`.replace(/ms\(([^)]+)\)/g, 'to_timestamp($1 / 1000.0)');


/**
 * An event's object in BATCH_SQL's first document. The payload goes in as the device's own JSON
 * when it is unchanged (validated, storable, a jsonb like the parsed object's): serialising the
 * parsed object again was most of this function's time.
 */
export function eventRow(e: IngestEvent): string {
  if (!e.payloadText) return JSON.stringify({ t: e.eventTime.getTime(), r: e.receivedAt.getTime(), d: e.deviceId, s: e.seq, y: e.type, l: e.lotId, b: e.bayCode, p: e.payload });
  const head = JSON.stringify({ t: e.eventTime.getTime(), r: e.receivedAt.getTime(), d: e.deviceId, s: e.seq, y: e.type, l: e.lotId, b: e.bayCode });
  return `${head.slice(0, -1)},"p":${e.payloadText}}`;
}

/** BATCH_SQL's five JSON documents; the events' rows are made as they arrive (eventRow). */
export function batchParams(rows: string[], dead: DeadLetter[], updates: BayUpdate[], deltas: Map<string, Counts>, touched: Touch[]): Array<string | null> {
  return [
    `[${rows.join(',')}]`,
    JSON.stringify(dead.map((d) => ({ d: d.deviceId, t: d.topic, c: d.code, r: d.reason, p: d.payload }))),
    JSON.stringify(updates.map(({ code, record: r }) => ({
      c: code, o: r.occupied, s: r.since, t: r.eventTime, d: r.deviceId, q: r.seq, ba: r.basis, db: r.doubt, ba_t: r.believedAt,
      si: r.sensorId, so: r.sensorOccupied, st: r.sensorTime, ss: r.sensorSince, ci: r.cameraId, co: r.cameraOccupied, ct: r.cameraTime,
    }))),
    JSON.stringify([...deltas].map(([id, d]) => ({ l: id, f: d.free, o: d.occupied, u: d.unknown, q: d.doubtful }))),
    JSON.stringify(touched.filter((t) => t.write).map(({ record: r }) => ({
      i: r.id, t: r.lastSeen, b: r.battery, h: r.lastHeartbeat, n: r.lastHeard, c: r.seenS, a: r.silentAfter,
    }))),
  ];
}
