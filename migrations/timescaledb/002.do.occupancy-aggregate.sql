-- Occupancy per lot in 15-minute buckets. Alone in its file: a continuous aggregate cannot be
-- created inside a transaction block. Refreshed by node-cron (api/jobs.ts): the embedded
-- TimescaleDB runs no background jobs.
CREATE MATERIALIZED VIEW lot_occupancy_15m WITH (timescaledb.continuous) AS
SELECT time_bucket(interval '15 minutes', time) AS bucket,
       lot_id,
       avg(occupied)::real AS avg_occupied,
       max(occupied) AS max_occupied,
       min(free) AS min_free,
       avg(free + occupied + unknown)::real AS avg_capacity
FROM lot_occupancy_samples
GROUP BY 1, 2
WITH NO DATA;
