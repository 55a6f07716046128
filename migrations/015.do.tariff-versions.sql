-- Operators run their own lots (issue 11): tariff versions written in the console, approved by the
-- city for street parking, and passes and free lists that make a stay cost nothing.

-- A lot's own versions (written in the console) sit beside the family the lot shares through
-- lot_billing.tariff_id (the seed's zz-street, zz-garage): id 'lot:<lot id>', lot_id set. The book
-- takes, for each stay, the latest approved valid_from not after its entry from either list
-- (billing/billing-book.ts). Rows from before this migration are approved, shared versions.
ALTER TABLE tariffs ADD COLUMN lot_id text REFERENCES lots(id);
-- draft: being written, editable; pending: scheduled at a street lot, waiting for the city;
-- approved: will be (or is, or was) in force from valid_from; rejected: the city said no (with why).
-- A version approved and in force or past is never changed again (billing/tariff-versions.ts).
ALTER TABLE tariffs ADD COLUMN status text NOT NULL DEFAULT 'approved'
  CHECK (status IN ('draft', 'pending', 'approved', 'rejected'));
ALTER TABLE tariffs ADD COLUMN created_by text;           -- operator account that wrote it
ALTER TABLE tariffs ADD COLUMN scheduled_at timestamptz;
ALTER TABLE tariffs ADD COLUMN decided_at timestamptz;    -- approved or rejected
ALTER TABLE tariffs ADD COLUMN decided_by text;           -- 'city' or the operator (garages publish directly)
ALTER TABLE tariffs ADD COLUMN rejection text;
ALTER TABLE tariffs ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX tariffs_lot ON tariffs (lot_id, version) WHERE lot_id IS NOT NULL;
CREATE INDEX tariffs_pending ON tariffs (scheduled_at) WHERE status = 'pending';

-- Monthly passes (月卡) a driver buys for a lot and its plates, and free lists (staff, residents,
-- emergency vehicles) for one lot or all of an operator's lots. A stay wholly inside the window of
-- one that names its plate gets a zero invoice naming it. Plates normalised (core/plates.ts).
CREATE TABLE parking_passes (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  operator_id  text NOT NULL REFERENCES operators(id),
  lot_id       text REFERENCES lots(id),           -- NULL: every lot of the operator (free lists only)
  kind         text NOT NULL CHECK (kind IN ('monthly', 'staff', 'resident', 'emergency')),
  name         text NOT NULL,                      -- e.g. 'Monthly pass', '物业员工'
  plates       text[] NOT NULL CHECK (cardinality(plates) BETWEEN 1 AND 500),
  valid_from   timestamptz NOT NULL,
  valid_to     timestamptz NOT NULL CHECK (valid_to > valid_from),
  price_fen    integer CHECK (price_fen >= 0),     -- what the driver paid (monthly passes)
  paid_via     text CHECK (paid_via IN ('counter', 'online')),
  note         text,
  created_by   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  CHECK (kind <> 'monthly' OR (lot_id IS NOT NULL AND price_fen IS NOT NULL))
);
CREATE INDEX parking_passes_operator ON parking_passes (operator_id, valid_to DESC);
