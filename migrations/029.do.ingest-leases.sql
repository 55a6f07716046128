-- Ingest processes on an external broker (MQTT_BROKER_URL, docs/deploy.md): each holds persistent
-- shared-subscription sessions named by its INGEST_ID, and the broker keeps queueing that id's share
-- of device events to them while the process is down. A lease per INGEST_ID says who drains them: the
-- process itself, renewing it every few seconds; once it lapses (a crash, a clean stop, a scale-down),
-- another ingest process adopts the sessions until their owner returns (ingest/session-leases.ts).
CREATE TABLE ingest_leases (
  ingest_id  text PRIMARY KEY,
  holder     text NOT NULL,            -- the INGEST_ID of the process draining these sessions now
  sessions   integer NOT NULL CHECK (sessions > 0),
  expires_at timestamptz NOT NULL
);
