-- The time-partitioned tables' policies on plain PostgreSQL, kept as TimescaleDB keeps its jobs
-- (migrations/timescaledb/003): core/db/partitions.ts reads them, hourly (ingest/jobs.ts) and after
-- migrating. Raw device events: daily partitions, a week made ahead, dropped after 90 days
-- (there is no compression without TimescaleDB). Occupancy samples: weekly, kept, as with TimescaleDB.
-- An operator changes a policy with an UPDATE, as alter_job would.
CREATE TABLE time_partition_policies (
  table_name      text PRIMARY KEY,            -- a table partitioned BY RANGE on time_column
  time_column     text NOT NULL,
  part_interval   interval NOT NULL CHECK (part_interval >= interval '1 day'),
  premake         integer NOT NULL CHECK (premake >= 1),   -- partitions kept ready ahead of now
  drop_after      interval                     -- NULL: keep forever
);
INSERT INTO time_partition_policies VALUES
  ('device_events', 'event_time', interval '1 day', 7, interval '90 days'),
  ('lot_occupancy_samples', 'time', interval '7 days', 2, NULL);
