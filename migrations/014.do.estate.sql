-- Operators manage their own lots, bays and devices (operators/estate…): a lot is live on the public
-- map only once published and until retired; a retired bay leaves the map and the counts; a device
-- belongs to the tenant that registered it. Nothing is deleted: sessions and invoices keep pointing
-- at the lots and bays they happened in.
-- Default true: lots loaded by the seed and scripts are live; the console creates lots unpublished.
ALTER TABLE lots ADD COLUMN published boolean NOT NULL DEFAULT true;
ALTER TABLE lots ADD COLUMN retired_at timestamptz;
ALTER TABLE lots ADD COLUMN accessible_bays integer NOT NULL DEFAULT 0 CHECK (accessible_bays >= 0);
ALTER TABLE lots ADD COLUMN ev_bays integer NOT NULL DEFAULT 0 CHECK (ev_bays >= 0);

ALTER TABLE bays ADD COLUMN retired_at timestamptz;

-- The tenant of a device: from its lot, or (a gateway without a lot) from its children's lots.
ALTER TABLE devices ADD COLUMN operator_id text REFERENCES operators(id);
UPDATE devices d SET operator_id = l.operator_id FROM lots l WHERE d.lot_id = l.id;
UPDATE devices g SET operator_id = (SELECT min(c.operator_id) FROM devices c WHERE c.gateway_id = g.id)
 WHERE g.operator_id IS NULL;
-- Devices inserted by the seed and scripts take their lot's operator.
CREATE FUNCTION devices_tenant_from_lot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.operator_id IS NULL AND NEW.lot_id IS NOT NULL THEN
    SELECT operator_id INTO NEW.operator_id FROM lots WHERE id = NEW.lot_id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER devices_tenant BEFORE INSERT ON devices FOR EACH ROW EXECUTE FUNCTION devices_tenant_from_lot();
CREATE INDEX devices_operator ON devices (operator_id);
CREATE INDEX devices_lot ON devices (lot_id);

-- A device's page lists its recent dead letters.
CREATE INDEX dead_letters_device ON dead_letters (device_id, received_at DESC);
