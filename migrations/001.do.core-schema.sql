-- OneLot core schema: who runs lots, the lots and bays, the devices watching them,
-- what devices said (raw, a hypertable), and what we believe now (bay_state, lot_availability).

CREATE TABLE operators (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lots (
  id          text PRIMARY KEY,                      -- human code, e.g. ZZ-JS-0012
  operator_id text NOT NULL REFERENCES operators(id),
  name        text NOT NULL,                         -- Chinese name (default UI language)
  name_en     text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('garage', 'street')),
  district    text NOT NULL,
  address     text NOT NULL DEFAULT '',
  lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),   -- WGS-84
  lng         double precision NOT NULL CHECK (lng BETWEEN -180 AND 180), -- WGS-84
  capacity    integer NOT NULL CHECK (capacity >= 0),
  time_zone   text NOT NULL DEFAULT 'Asia/Shanghai',
  path        jsonb,                                 -- street segment polyline [[lng,lat],…], WGS-84
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lots_lat_lng ON lots (lat, lng);

CREATE TABLE bays (
  code        text PRIMARY KEY,                      -- stable human code, e.g. ZZ-JS-0012-03
  lot_id      text NOT NULL REFERENCES lots(id),
  lat         double precision NOT NULL,
  lng         double precision NOT NULL,
  accessible  boolean NOT NULL DEFAULT false,
  ev_charging boolean NOT NULL DEFAULT false
);
CREATE INDEX bays_lot ON bays (lot_id);

CREATE TABLE devices (
  id          text PRIMARY KEY,                      -- also the MQTT username
  kind        text NOT NULL CHECK (kind IN ('bay-sensor', 'bay-camera', 'gate-camera')),
  secret_hash text NOT NULL,                         -- never the secret itself (see ingest/auth.ts)
  lot_id      text REFERENCES lots(id),
  bay_code    text REFERENCES bays(code),            -- bay-sensor: the one bay it sits in
  lane        text,                                  -- gate-camera: which lane of the garage
  enabled     boolean NOT NULL DEFAULT true,
  last_seen   timestamptz,
  battery     real,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The on-street bays a high-mount camera is allowed to report.
CREATE TABLE camera_bays (
  device_id   text NOT NULL REFERENCES devices(id),
  bay_code    text NOT NULL REFERENCES bays(code),
  PRIMARY KEY (device_id, bay_code)
);

-- Raw device events: everything a device said that passed validation, as it said it.
-- The unique key makes a repeated (device, seq) message a no-op; it includes event_time because a
-- hypertable's unique keys must include its time column (a repeat carries the same ts). It leads
-- with event_time so inserts land at the right edge of the index (events arrive roughly in time
-- order) and it also serves time-range scans, so the default time index is not created: one index
-- to maintain per row instead of two.
CREATE TABLE device_events (
  event_time  timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  device_id   text NOT NULL,
  seq         bigint NOT NULL,
  type        text NOT NULL,
  lot_id      text,
  bay_code    text,
  payload     jsonb NOT NULL,
  UNIQUE (event_time, device_id, seq)
);
-- Kept by time: a hypertable of daily chunks with TimescaleDB; on plain PostgreSQL (core/db/engine.ts)
-- range-partitioned by day, the table made above becoming the default partition that holds any row
-- no day's partition takes yet (core/db/partitions.ts makes them ahead and drops them past retention).
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM create_hypertable('device_events', 'event_time', chunk_time_interval => interval '1 day', create_default_indexes => false);
  ELSE
    ALTER TABLE device_events RENAME TO device_events_default;
    ALTER INDEX device_events_event_time_device_id_seq_key RENAME TO device_events_default_event_time_device_id_seq_key;
    CREATE TABLE device_events (LIKE device_events_default INCLUDING ALL) PARTITION BY RANGE (event_time);
    ALTER TABLE device_events ATTACH PARTITION device_events_default DEFAULT;
  END IF;
END $$;

-- Messages we refused, kept with the reason so nothing a device sends silently disappears.
CREATE TABLE dead_letters (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  device_id   text,
  topic       text NOT NULL,
  reason      text NOT NULL,
  payload     text NOT NULL                          -- as received (truncated to 8 KiB), for diagnosis
);
CREATE INDEX dead_letters_received ON dead_letters (received_at DESC);

-- What we believe about each bay now. occupied NULL = unknown (never reported).
-- event_time is the device time of the report that set it: late reports never roll it back.
CREATE TABLE bay_state (
  bay_code    text PRIMARY KEY REFERENCES bays(code),
  lot_id      text NOT NULL REFERENCES lots(id),
  occupied    boolean,
  since       timestamptz,                           -- when it last changed between free/occupied
  event_time  timestamptz,
  device_id   text,
  seq         bigint
);
CREATE INDEX bay_state_lot ON bay_state (lot_id);

-- Per-lot counts, recomputed for the lots a commit touched, so map queries never scan bays.
CREATE TABLE lot_availability (
  lot_id      text PRIMARY KEY REFERENCES lots(id),
  free        integer NOT NULL DEFAULT 0,
  occupied    integer NOT NULL DEFAULT 0,
  unknown     integer NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A sample of each lot's counts whenever they change: the history analytics read.
CREATE TABLE lot_occupancy_samples (
  time        timestamptz NOT NULL,
  lot_id      text NOT NULL,
  free        integer NOT NULL,
  occupied    integer NOT NULL,
  unknown     integer NOT NULL
);
-- Weekly chunks, or weekly partitions on plain PostgreSQL (as device_events above).
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM create_hypertable('lot_occupancy_samples', 'time', chunk_time_interval => interval '7 days');
  ELSE
    ALTER TABLE lot_occupancy_samples RENAME TO lot_occupancy_samples_default;
    CREATE TABLE lot_occupancy_samples (LIKE lot_occupancy_samples_default INCLUDING ALL) PARTITION BY RANGE (time);
    ALTER TABLE lot_occupancy_samples ATTACH PARTITION lot_occupancy_samples_default DEFAULT;
    CREATE INDEX lot_occupancy_samples_time_idx ON lot_occupancy_samples (time DESC); -- as create_hypertable's
  END IF;
END $$;
CREATE INDEX lot_occupancy_samples_lot ON lot_occupancy_samples (lot_id, time DESC);
