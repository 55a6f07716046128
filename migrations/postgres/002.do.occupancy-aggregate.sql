-- Occupancy per lot in 15-minute buckets, on plain PostgreSQL: what migrations/timescaledb/002's
-- continuous aggregate is, made by OneLot. Buckets before the watermark are read from the rollup
-- (refreshed every 5 minutes by ingest/jobs.ts through refresh_lot_occupancy_15m); later ones are
-- computed from the raw samples at query time, as TimescaleDB's real-time aggregation does
-- (migrations/008), so readers see one relation with the same columns in either engine.
-- date_bin with TimescaleDB's origin (Monday 2000-01-03) gives time_bucket's buckets.
CREATE TABLE lot_occupancy_15m_rollup (
  bucket        timestamptz NOT NULL,
  lot_id        text NOT NULL,
  avg_occupied  real,
  max_occupied  integer,
  min_free      integer,
  avg_capacity  real,
  PRIMARY KEY (lot_id, bucket)
);
CREATE INDEX lot_occupancy_15m_rollup_bucket ON lot_occupancy_15m_rollup (bucket);

-- Everything before `until` is in the rollup; -infinity: nothing yet, every bucket is computed live.
CREATE TABLE lot_occupancy_15m_watermark (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  until    timestamptz NOT NULL
);
INSERT INTO lot_occupancy_15m_watermark (until) VALUES ('-infinity');

CREATE VIEW lot_occupancy_15m AS
SELECT r.bucket, r.lot_id, r.avg_occupied, r.max_occupied, r.min_free, r.avg_capacity
  FROM lot_occupancy_15m_rollup r
 WHERE r.bucket < (SELECT until FROM lot_occupancy_15m_watermark)
UNION ALL
SELECT date_bin(interval '15 minutes', s.time, timestamptz '2000-01-03 00:00:00+00') AS bucket,
       s.lot_id,
       avg(s.occupied)::real AS avg_occupied,
       max(s.occupied) AS max_occupied,
       min(s.free) AS min_free,
       avg(s.free + s.occupied + s.unknown)::real AS avg_capacity
  FROM lot_occupancy_samples s
 WHERE s.time >= (SELECT until FROM lot_occupancy_15m_watermark)
 GROUP BY 1, 2;

-- Materialise the whole buckets of [t0, t1) (t0 rounded down, t1 down to a bucket's start), as
-- refresh_continuous_aggregate does, cheap where the rollup is current: samples are written at
-- now(), so buckets older than two days before the watermark are final and kept as they are (the
-- job re-refreshes the last two days every 5 minutes); a first refresh takes everything.
CREATE FUNCTION refresh_lot_occupancy_15m(t0 timestamptz, t1 timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  origin constant timestamptz := timestamptz '2000-01-03 00:00:00+00';
  w timestamptz;
  a timestamptz;
  b timestamptz := date_bin(interval '15 minutes', t1, origin);
BEGIN
  -- One refresh at a time (several jobs processes, or a person calling it by hand).
  PERFORM pg_advisory_xact_lock(hashtext('refresh_lot_occupancy_15m'));
  SELECT until INTO w FROM lot_occupancy_15m_watermark FOR UPDATE;
  a := greatest(least(date_bin(interval '15 minutes', t0, origin), w), w - interval '2 days');
  IF a = '-infinity' THEN a := (SELECT date_bin(interval '15 minutes', min(time), origin) FROM lot_occupancy_samples); END IF;
  IF a IS NULL OR a >= b THEN RETURN; END IF;
  DELETE FROM lot_occupancy_15m_rollup WHERE bucket >= a AND bucket < b;
  INSERT INTO lot_occupancy_15m_rollup (bucket, lot_id, avg_occupied, max_occupied, min_free, avg_capacity)
  SELECT date_bin(interval '15 minutes', time, origin), lot_id,
         avg(occupied)::real, max(occupied), min(free), avg(free + occupied + unknown)::real
    FROM lot_occupancy_samples
   WHERE time >= a AND time < b
   GROUP BY 1, 2;
  UPDATE lot_occupancy_15m_watermark SET until = greatest(until, b);
END $$;
