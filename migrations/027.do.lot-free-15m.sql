-- Free bays per lot in 15-minute buckets: the history the arrival forecast (issue 15,
-- analytics/forecast-service.ts) is fitted on and reads "the last 2 hours" from. lot_occupancy_15m
-- has the occupied mean but not the free one (unknown bays are never free). Alone in its file: a
-- continuous aggregate cannot be created inside a transaction block. Refreshed by the forecast's
-- own job (the embedded TimescaleDB runs no background jobs); real-time aggregation serves the
-- buckets not yet materialised.
CREATE MATERIALIZED VIEW lot_free_15m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(interval '15 minutes', time) AS bucket,
       lot_id,
       avg(free)::real AS avg_free,
       last(free, time) AS last_free   -- the count at the bucket's end: what "now" and "then" are in a forecast
FROM lot_occupancy_samples
GROUP BY 1, 2
WITH NO DATA;
