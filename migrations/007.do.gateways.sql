-- Gateways (LoRaWAN / NB-IoT platforms): one connection publishes on behalf of the child devices
-- registered under it. A child keeps its own id, kind, seq and assignment; only the gateway connects.
ALTER TABLE devices DROP CONSTRAINT devices_kind_check;
ALTER TABLE devices ADD CONSTRAINT devices_kind_check CHECK (kind IN ('bay-sensor', 'bay-camera', 'gate-camera', 'gateway'));
ALTER TABLE devices ADD COLUMN gateway_id text REFERENCES devices(id);
CREATE INDEX devices_gateway ON devices (gateway_id) WHERE gateway_id IS NOT NULL;
