-- The operators' console on a whole city (issue 11, `npm run bench:console`): a lot's bays list the
-- devices watching each bay, by the sensor's bay_code and by camera_bays.bay_code, neither of which
-- was indexed, so every bay scanned all 250k devices (a 1,400-bay lot took 178 s). The devices list
-- pages by (operator_id, id) (operators/devices.ts, keyset) instead of sorting a tenant's 75k rows.
CREATE INDEX devices_bay_code ON devices (bay_code) WHERE bay_code IS NOT NULL;
CREATE INDEX camera_bays_bay ON camera_bays (bay_code);
CREATE INDEX devices_operator_id ON devices (operator_id, id);
-- The console's alert counts (every tab reloads them) per lot of the tenant, over only the open
-- alerts: with a city's 254k devices silent, counting a 75k-device tenant's took 3.2 s, 50 ms with it.
CREATE INDEX device_alerts_open_lot ON device_alerts (lot_id) WHERE resolved_at IS NULL;
