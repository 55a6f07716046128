-- The operators' console: operators sign in (scrypt hash, core/passwords.ts; NULL = no console
-- login, e.g. an operator that only owns lots), and analytics read occupancy up to the minute.
ALTER TABLE operators ADD COLUMN password_hash text;

-- Real-time aggregation: buckets not yet materialised by the 5-minute refresh (billing/extras.ts)
-- are computed from the raw samples at query time, so the console never shows a stale last hour.
ALTER MATERIALIZED VIEW lot_occupancy_15m SET (timescaledb.materialized_only = false);
