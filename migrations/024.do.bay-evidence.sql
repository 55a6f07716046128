-- Bay-state fusion (ingest/writer.ts, docs/faults.md): what each source last said about a bay is
-- kept apart, and the state the map shows is decided from them here, in the database, so every
-- ingest process decides the same way and the reasons survive a restart.

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
-- device's interval, whatever speed its clock-maker or simulator runs at; and the event time past
-- which it counts as silent, indexed so the check reads only devices that just went quiet.
ALTER TABLE devices
  ADD COLUMN last_heartbeat   timestamptz,
  -- The ingest clock when its last message was committed: a report stamped when measured but
  -- delivered half a minute later (a device switching on behind others) was heard then.
  ADD COLUMN last_heard       timestamptz,
  ADD COLUMN heartbeat_seen_s real,
  ADD COLUMN silent_after     timestamptz;
CREATE INDEX devices_silent_after ON devices (silent_after) WHERE silent_after IS NOT NULL;

-- The newest event time ingest has committed, never ahead of the database's clock: device health
-- is judged on it, so a stalled ingest does not declare the whole city silent, and a fast-running
-- fleet is judged at its own pace.
CREATE TABLE ingest_clock (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  event_time timestamptz NOT NULL
);

-- The event time (ingest_clock) at which an alert was raised, for detection delay: opened_at is
-- the database's clock, which a fleet running at 30× does not share.
ALTER TABLE device_alerts ADD COLUMN raised_event_time timestamptz;

-- The fusion rule, one place for every writer. Inputs: each source's last word and time, whether
-- it is flagged faulty (an open silent/stuck alert: 'silent' | 'stuck' | NULL), the clock, and how
-- long a camera may take to confirm a sensor's change. Never "free" on doubtful evidence.
CREATE FUNCTION bay_belief(s_occ boolean, s_since timestamptz, s_fault text,
                           c_occ boolean, c_time timestamptz, c_fault text,
                           clock timestamptz, confirm_within interval,
                           OUT occupied boolean, OUT basis text, OUT doubt text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  s_ok boolean := s_occ IS NOT NULL AND s_fault IS NULL;
  c_ok boolean := c_occ IS NOT NULL AND c_fault IS NULL;
BEGIN
  IF s_ok AND c_ok THEN
    IF s_occ = c_occ THEN
      occupied := s_occ; basis := 'sensor+camera';
    ELSIF c_time > s_since THEN
      -- The camera saw the bay after the sensor's reading began and says otherwise: a stuck
      -- sensor, or a change the sensor has not reported yet. Follow the camera.
      occupied := c_occ; basis := 'camera'; doubt := 'sensor-disagrees';
    ELSIF s_occ THEN
      -- A car just arrived: the camera reads it 2–10 s after the sensor. Taken is safe to show.
      occupied := true; basis := 'sensor'; doubt := 'camera-pending';
    ELSIF s_since > clock - confirm_within THEN
      -- A car just left by the sensor; the camera confirms in a few seconds.
      occupied := false; basis := 'sensor'; doubt := 'camera-pending';
    ELSE
      -- The sensor says free but the camera, past its time to confirm, still sees a car.
      occupied := NULL; basis := 'none'; doubt := 'camera-disagrees';
    END IF;
  ELSIF c_ok THEN
    occupied := c_occ; basis := 'camera';
    doubt := CASE WHEN s_fault IS NOT NULL THEN 'sensor-' || s_fault END;
  ELSIF s_ok THEN
    occupied := s_occ; basis := 'sensor';
    doubt := CASE WHEN c_fault IS NOT NULL THEN 'camera-' || c_fault END;
  ELSE
    occupied := NULL; basis := 'none';
    doubt := CASE WHEN s_fault IS NOT NULL THEN 'sensor-' || s_fault
                  WHEN c_fault IS NOT NULL THEN 'camera-' || c_fault
                  ELSE 'no-evidence' END;
  END IF;
END $$;

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

-- The fault check (ingest/evidence-check.ts) reads only bays in doubt and devices with no cadence
-- of their own yet (a city switching on, or a device that died after its first word).
CREATE INDEX bay_state_doubt ON bay_state (doubt) WHERE doubt IS NOT NULL;
CREATE INDEX devices_no_cadence ON devices (last_heard) WHERE heartbeat_seen_s IS NULL;
