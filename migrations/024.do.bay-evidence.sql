-- Bay-state fusion (ingest/belief.ts, docs/faults.md): what each source last said about a bay is
-- kept apart beside the state the map shows and why, so the reasons survive a restart and every
-- ingest process (processes by role) decides from the same evidence. The deciding is done in
-- ingest, in memory: a plpgsql rule per bay and an alert lookup per bay in every batch held the
-- Zhengzhou preset at ~3,000 stored msg/s (docs/performance.md, "Truth under faults").

-- Per bay: the sensor's and the camera's last word (each only ever moved forward in event time),
-- and why the platform believes what bay_state.occupied says.
ALTER TABLE bay_state
  ADD COLUMN sensor_id       text,
  ADD COLUMN sensor_occupied boolean,
  ADD COLUMN sensor_time     timestamptz,
  -- When the sensor's reading last changed: a heartbeat repeating it moves sensor_time, not this.
  -- A stuck sensor never changes, so a camera that saw the bay after this and disagrees wins.
  ADD COLUMN sensor_since    timestamptz,
  ADD COLUMN camera_id       text,
  ADD COLUMN camera_occupied boolean,
  ADD COLUMN camera_time     timestamptz,
  -- 'sensor+camera' | 'sensor' | 'camera' | 'none': the evidence the state rests on.
  ADD COLUMN basis           text NOT NULL DEFAULT 'none',
  -- NULL: consistent. 'camera-pending' (the sensor changed, the camera has not confirmed yet) is
  -- normal; 'sensor-disagrees' | 'sensor-silent' | 'sensor-stuck' | 'camera-disagrees' |
  -- 'camera-silent' | 'no-evidence' make the bay count against its lot's data quality.
  ADD COLUMN doubt           text,
  ADD COLUMN believed_at     timestamptz;

-- Known bays whose belief is doubtful (doubt other than NULL / 'camera-pending'), and the cars
-- inside a garage by its gate cameras (in − out), kept by the same statement as the counts.
ALTER TABLE lot_availability
  ADD COLUMN doubtful    integer NOT NULL DEFAULT 0,
  ADD COLUMN gate_inside integer;

-- A device's heartbeat cadence as observed (event time), so "silent" means silent for THIS
-- device's interval, whatever speed its clock-maker or simulator runs at. Ingest keeps them in
-- memory (ingest/device-book.ts) and writes them with last_seen, at its minute resolution, for the
-- minute's backstop (ingest/device-health.ts) and a restart. Not indexed: an index on a column
-- every batch moves would cost each of those row updates its HOT path.
ALTER TABLE devices
  ADD COLUMN last_heartbeat   timestamptz,
  -- The ingest clock when its last message was committed: a report stamped when measured but
  -- delivered half a minute later (a device switching on behind others) was heard then.
  ADD COLUMN last_heard       timestamptz,
  ADD COLUMN heartbeat_seen_s real,
  ADD COLUMN silent_after     timestamptz;

-- The event time (ingest's clock) at which an alert was raised, for detection delay: opened_at is
-- the database's clock, which a fleet running at 30× does not share.
ALTER TABLE device_alerts ADD COLUMN raised_event_time timestamptz;

-- What is already known becomes the sensor's or camera's last word, by the device that said it.
UPDATE bay_state s SET
  sensor_id = CASE WHEN d.kind = 'bay-sensor' THEN s.device_id END,
  sensor_occupied = CASE WHEN d.kind = 'bay-sensor' THEN s.occupied END,
  sensor_time = CASE WHEN d.kind = 'bay-sensor' THEN s.event_time END,
  sensor_since = CASE WHEN d.kind = 'bay-sensor' THEN s.since END,
  camera_id = CASE WHEN d.kind = 'bay-camera' THEN s.device_id END,
  camera_occupied = CASE WHEN d.kind = 'bay-camera' THEN s.occupied END,
  camera_time = CASE WHEN d.kind = 'bay-camera' THEN s.event_time END,
  basis = CASE WHEN s.occupied IS NULL THEN 'none' WHEN d.kind = 'bay-camera' THEN 'camera' ELSE 'sensor' END,
  believed_at = s.event_time
  FROM devices d WHERE d.id = s.device_id;
