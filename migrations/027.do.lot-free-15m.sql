-- Free bays per lot in 15-minute buckets: the history the arrival forecast (issue 15,
-- analytics/forecast-service.ts) is fitted on and reads "the last 2 hours" from, filled by its job
-- from lot_occupancy_samples every 2 minutes (samples are written at now(), so a bucket once past
-- never changes). A plain table rather than a continuous aggregate: measured on 1,000 garages ×
-- 28 days (bench:forecast --city), reading 10 lots' 6 weeks back from the aggregate took 3–5 s of
-- the one embedded connection (it re-finalises last() per row) and ran its worker out of memory;
-- from this table it is an index range scan.
CREATE TABLE lot_free_15m (
  lot_id     text NOT NULL,
  bucket     timestamptz NOT NULL,          -- start of the 15-minute bucket
  avg_free   real NOT NULL,                 -- mean of the bucket's samples
  last_free  integer NOT NULL,              -- the count at the bucket's end: what "now" and "then" are in a forecast
  PRIMARY KEY (lot_id, bucket)
);
-- Where the filling got to, and the recent buckets of every lot.
CREATE INDEX lot_free_15m_bucket ON lot_free_15m (bucket);
