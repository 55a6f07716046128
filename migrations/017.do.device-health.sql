-- Device health (ingest/device-health.ts): alerts a scheduled job raises for devices that stopped
-- reporting, run low on battery, sit in one state far longer than their lot's stays, or whose
-- plate reads lost confidence; operators acknowledge or resolve them with a note.
ALTER TABLE devices ADD COLUMN heartbeat_interval_s integer NOT NULL DEFAULT 300 CHECK (heartbeat_interval_s > 0);

CREATE TABLE device_alerts (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id        text NOT NULL REFERENCES devices(id),
  lot_id           text REFERENCES lots(id),
  kind             text NOT NULL CHECK (kind IN ('silent', 'low-battery', 'stuck', 'low-confidence')),
  details          jsonb NOT NULL DEFAULT '{}',      -- the figures that raised it, e.g. {"lastSeen": …}
  opened_at        timestamptz NOT NULL DEFAULT now(),
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  resolved_at      timestamptz,
  resolved_by      text,                             -- NULL with resolved_at: the condition cleared by itself
  note             text
);
-- At most one alert of a kind per device is open: the job raises with ON CONFLICT DO NOTHING.
CREATE UNIQUE INDEX device_alerts_open ON device_alerts (device_id, kind) WHERE resolved_at IS NULL;
CREATE INDEX device_alerts_lot ON device_alerts (lot_id, opened_at DESC);

-- Plate-read confidence per camera and hour, folded from the last hour's events, so the check
-- compares an hour with the day before without scanning a day of raw events.
CREATE TABLE camera_confidence_hourly (
  device_id  text NOT NULL,
  hour       timestamptz NOT NULL,
  reads      integer NOT NULL,
  confidence_sum double precision NOT NULL,
  PRIMARY KEY (device_id, hour)
);
