-- Issue 15 §2: prices that keep a space free (billing/price-steps.ts), and §4: EV bays kept for EVs
-- (billing/ev-bays.ts).

-- The city's pricing policy: one row. Prices move one step a week at most, within floor and ceiling
-- (money in fen per hour; shares 0..1).
CREATE TABLE pricing_policy (
  id                  text PRIMARY KEY DEFAULT 'city' CHECK (id = 'city'),
  target_low          real NOT NULL DEFAULT 0.6 CHECK (target_low > 0 AND target_low < 1),
  target_high         real NOT NULL DEFAULT 0.8 CHECK (target_high > 0 AND target_high <= 1),
  step_fen_per_hour   integer NOT NULL DEFAULT 50 CHECK (step_fen_per_hour BETWEEN 1 AND 10000),
  floor_fen_per_hour  integer NOT NULL DEFAULT 50 CHECK (floor_fen_per_hour >= 0),
  ceiling_fen_per_hour integer NOT NULL DEFAULT 2000 CHECK (ceiling_fen_per_hour <= 100000),
  lookback_weeks      integer NOT NULL DEFAULT 4 CHECK (lookback_weeks BETWEEN 1 AND 26),
  updated_by          text,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (target_low < target_high),
  CHECK (floor_fen_per_hour <= ceiling_fen_per_hour)
);
INSERT INTO pricing_policy (id) VALUES ('city');

-- A recommended price step for one lot: the proposed tariff version's body (it becomes a draft,
-- scheduled from valid_from, when the operator accepts; the city approves street ones through the
-- tariff approval flow of migrations/015), the step per band and its evidence.
-- proposed: waiting for the operator; superseded: a later run replaced it.
CREATE TABLE price_recommendations (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  lot_id         text NOT NULL REFERENCES lots(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  valid_from     timestamptz NOT NULL,              -- next Monday 00:00 in the lot's zone
  base_tariff_id text NOT NULL,                     -- the version it steps from
  base_version   integer NOT NULL,
  steps          jsonb NOT NULL,                    -- per band: occupancy, direction, price before/after
  evidence       jsonb NOT NULL,                    -- occupancy by hour, the window read, earlier steps
  proposal       jsonb NOT NULL,                    -- the new version's tariff body
  status         text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'rejected', 'superseded')),
  tariff_version integer,                           -- the version created on accept
  decided_at     timestamptz,
  decided_by     text,
  reason         text
);
CREATE UNIQUE INDEX price_recommendations_open ON price_recommendations (lot_id) WHERE status = 'proposed';
CREATE INDEX price_recommendations_lot ON price_recommendations (lot_id, created_at DESC);

-- EV-charging bays (bays.ev_charging, migrations/001) taken by a car that is not new-energy: an
-- alert for the operator beside the device alerts, one per bay camera while any of its EV bays is
-- misused (details.bays lists them).
-- The kind is added to whatever list the check holds now (other migrations may have added kinds),
-- rather than rewriting the list.
DO $$
DECLARE def text;
BEGIN
  SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint WHERE conname = 'device_alerts_kind_check' AND conrelid = 'device_alerts'::regclass;
  IF def IS NOT NULL AND position('ev-misuse' IN def) = 0 THEN
    EXECUTE 'ALTER TABLE device_alerts DROP CONSTRAINT device_alerts_kind_check';
    EXECUTE 'ALTER TABLE device_alerts ADD CONSTRAINT device_alerts_kind_check ' || replace(def, 'ARRAY[', 'ARRAY[''ev-misuse''::text, ');
  END IF;
END $$;
