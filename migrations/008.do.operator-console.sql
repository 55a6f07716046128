-- The operators' console: operators sign in (scrypt hash, core/passwords.ts; NULL = no console
-- login, e.g. an operator that only owns lots), and analytics read occupancy up to the minute.
ALTER TABLE operators ADD COLUMN password_hash text;

-- Real-time aggregation: buckets not yet materialised by the 5-minute refresh (billing/extras.ts)
-- are computed from the raw samples at query time, so the console never shows a stale last hour.
ALTER MATERIALIZED VIEW lot_occupancy_15m SET (timescaledb.materialized_only = false);

-- Analytics ask for time ranges of sessions and invoices. BRIN indexes: rows arrive roughly in time
-- order, so a few block ranges find a day among months, at almost no cost to each insert (a
-- B-tree would be one more index for every exit the ingest path bills). The cron job summarises
-- new ranges (the embedded database runs no autovacuum).
CREATE INDEX sessions_entry_brin ON sessions USING brin (entry_time);
CREATE INDEX sessions_exit_brin ON sessions USING brin (exit_time);
CREATE INDEX invoices_issued_brin ON invoices USING brin (issued_at);
CREATE INDEX invoices_paid_brin ON invoices USING brin (paid_at);

-- Analytics read hourly figures per lot, not raw rows: a month of Zhengzhou is ~700k sessions, and
-- scanning them holds the embedded database's one connection for seconds while devices wait.
-- lot_hourly_stats is materialised up to analytics_state.materialized_until (whole UTC hours) by
-- node-cron (analytics/hourly-stats.ts); what is newer is computed at query time by the same
-- function, as a real-time continuous aggregate would (sessions are not a hypertable: invoices
-- reference them).
CREATE TABLE lot_hourly_stats (
  lot_id        text NOT NULL,
  hour          timestamptz NOT NULL,           -- start of the UTC hour
  sessions      integer NOT NULL,               -- parking periods that began in the hour
  closed        integer NOT NULL,               -- ... that ended in it
  stay_minutes  double precision NOT NULL,      -- summed over those that ended
  invoiced_fen  bigint NOT NULL,                -- invoices issued (not void)
  paid_fen      bigint NOT NULL,                -- invoices paid (by paid_at)
  PRIMARY KEY (lot_id, hour)
);
CREATE TABLE analytics_state (
  id                  boolean PRIMARY KEY DEFAULT true CHECK (id),
  materialized_until  timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO analytics_state DEFAULT VALUES;

CREATE FUNCTION lot_hourly_stats_between(t0 timestamptz, t1 timestamptz)
RETURNS SETOF lot_hourly_stats LANGUAGE sql STABLE AS $$
  WITH began AS (
    SELECT lot_id, date_trunc('hour', entry_time) AS hour, count(*)::int AS n
      FROM sessions WHERE entry_time >= t0 AND entry_time < t1 GROUP BY 1, 2
  ), ended AS (
    SELECT lot_id, date_trunc('hour', exit_time) AS hour, count(*)::int AS n, sum(extract(epoch FROM exit_time - entry_time) / 60)::float8 AS stay
      FROM sessions WHERE exit_time >= t0 AND exit_time < t1 GROUP BY 1, 2
  ), issued AS (
    SELECT lot_id, date_trunc('hour', issued_at) AS hour, sum(amount_fen)::bigint AS fen
      FROM invoices WHERE issued_at >= t0 AND issued_at < t1 AND status <> 'void' GROUP BY 1, 2
  ), paid AS (
    SELECT lot_id, date_trunc('hour', paid_at) AS hour, sum(amount_fen)::bigint AS fen
      FROM invoices WHERE paid_at >= t0 AND paid_at < t1 AND status = 'paid' GROUP BY 1, 2
  )
  SELECT lot_id, hour, coalesce(b.n, 0), coalesce(e.n, 0), coalesce(e.stay, 0), coalesce(i.fen, 0), coalesce(p.fen, 0)
    FROM began b FULL JOIN ended e USING (lot_id, hour) FULL JOIN issued i USING (lot_id, hour) FULL JOIN paid p USING (lot_id, hour)
$$;

-- The review queue (and its count in analytics) without scanning every session ever parked.
CREATE INDEX sessions_review ON sessions (exit_time DESC) WHERE status = 'review';
