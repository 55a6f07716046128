-- Raw device events: compress chunks after 7 days, drop after 90. The embedded database runs no
-- TimescaleDB background jobs, so api/jobs.ts runs these policy jobs on a node-cron schedule.
ALTER TABLE device_events SET (timescaledb.compress, timescaledb.compress_segmentby = 'device_id', timescaledb.compress_orderby = 'event_time DESC, seq DESC');
SELECT add_compression_policy('device_events', compress_after => interval '7 days');
SELECT add_retention_policy('device_events', drop_after => interval '90 days');
SELECT add_continuous_aggregate_policy('lot_occupancy_15m', start_offset => interval '2 days', end_offset => interval '15 minutes', schedule_interval => interval '15 minutes');
