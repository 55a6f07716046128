-- The operators' console on a whole city (issue 11, `npm run bench:console`): a lot's bays list the
-- devices watching each bay, by the sensor's bay_code and by camera_bays.bay_code, neither of which
-- was indexed, so every bay scanned all 250k devices (a 1,400-bay lot took 178 s). The devices list
-- pages by (operator_id, id) (operators/devices.ts, keyset) instead of sorting a tenant's 75k rows.
CREATE INDEX devices_bay_code ON devices (bay_code) WHERE bay_code IS NOT NULL;
CREATE INDEX camera_bays_bay ON camera_bays (bay_code);
CREATE INDEX devices_operator_id ON devices (operator_id, id);
-- The tenant's open alerts newest first (operators/device-alerts.ts) once a city has many.
CREATE INDEX device_alerts_unresolved ON device_alerts (opened_at DESC, id DESC) WHERE resolved_at IS NULL;
