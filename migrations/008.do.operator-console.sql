-- The operators' console: operators sign in (scrypt hash, core/passwords.ts; NULL = no console
-- login, e.g. an operator that only owns lots), and analytics read occupancy up to the minute.
ALTER TABLE operators ADD COLUMN password_hash text;

-- Real-time aggregation: buckets not yet materialised by the 5-minute refresh (billing/extras.ts)
-- are computed from the raw samples at query time, so the console never shows a stale last hour.
-- (On plain PostgreSQL lot_occupancy_15m is a view that does the same: migrations/postgres/002.)
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'timescaledb') THEN
    ALTER MATERIALIZED VIEW lot_occupancy_15m SET (timescaledb.materialized_only = false);
  END IF;
END $$;

-- Analytics read hourly figures per lot, not raw rows: a month of Zhengzhou is ~700k sessions, and
-- scanning them holds the embedded database's one connection for a second or more while devices
-- wait. The statements that change sessions and invoices keep it exact, through lot_hourly_deltas
-- (analytics/hourly-stats.ts); it is filled from history once, below.
CREATE TABLE lot_hourly_stats (
  lot_id        text NOT NULL,
  hour          timestamptz NOT NULL,           -- start of the UTC hour
  sessions      integer NOT NULL,               -- parking periods that began in the hour
  closed        integer NOT NULL,               -- ... that ended in it
  stay_minutes  double precision NOT NULL,      -- summed over those that ended
  invoiced_fen  bigint NOT NULL,                -- invoices issued, less those voided
  paid_fen      bigint NOT NULL,                -- invoices paid (by paid_at), less those refunded
  PRIMARY KEY (lot_id, hour)
);

-- What the statements that change sessions and invoices add, appended in their own transactions
-- (no index: cheap on the ingest path) and folded into lot_hourly_stats every few seconds.
CREATE TABLE lot_hourly_deltas (LIKE lot_hourly_stats);

-- The same figures computed from the raw rows: the backfill below, repairs, and the tests' yardstick.
CREATE FUNCTION lot_hourly_stats_between(t0 timestamptz, t1 timestamptz)
RETURNS SETOF lot_hourly_stats LANGUAGE sql STABLE AS $$
  WITH began AS (
    SELECT lot_id, date_trunc('hour', entry_time, 'UTC') AS hour, count(*)::int AS n
      FROM sessions WHERE entry_time >= t0 AND entry_time < t1 GROUP BY 1, 2
  ), ended AS (
    SELECT lot_id, date_trunc('hour', exit_time, 'UTC') AS hour, count(*)::int AS n, sum(extract(epoch FROM exit_time - entry_time) / 60)::float8 AS stay
      FROM sessions WHERE exit_time >= t0 AND exit_time < t1 GROUP BY 1, 2
  ), issued AS (
    SELECT lot_id, date_trunc('hour', issued_at, 'UTC') AS hour, sum(amount_fen)::bigint AS fen
      FROM invoices WHERE issued_at >= t0 AND issued_at < t1 AND status <> 'void' GROUP BY 1, 2
  ), paid AS (
    SELECT lot_id, date_trunc('hour', paid_at, 'UTC') AS hour, sum(amount_fen)::bigint AS fen
      FROM invoices WHERE paid_at >= t0 AND paid_at < t1 AND status = 'paid' GROUP BY 1, 2
  )
  SELECT lot_id, hour, coalesce(b.n, 0), coalesce(e.n, 0), coalesce(e.stay, 0), coalesce(i.fen, 0), coalesce(p.fen, 0)
    FROM began b FULL JOIN ended e USING (lot_id, hour) FULL JOIN issued i USING (lot_id, hour) FULL JOIN paid p USING (lot_id, hour)
$$;
INSERT INTO lot_hourly_stats SELECT * FROM lot_hourly_stats_between('-infinity', 'infinity');

-- The review queue (and its count in analytics) without scanning every session ever parked.
CREATE INDEX sessions_review ON sessions (exit_time DESC) WHERE status = 'review';
