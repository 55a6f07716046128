-- Plates are personal data (issue 12, "Safe to put on the internet"): claiming a plate shows only
-- what happened after the claim, a contested claim waits for the operators, and an invoice is
-- reached anonymously only by an unguessable reference (payments/plate-claims.ts, invoice-views.ts).

-- When the plate became this account's: its views show only stays that began at or after it.
-- Plates already on an account keep the moment they were added.
ALTER TABLE driver_plates ADD COLUMN claimed_at timestamptz;
UPDATE driver_plates SET claimed_at = added_at;
ALTER TABLE driver_plates ALTER COLUMN claimed_at SET NOT NULL, ALTER COLUMN claimed_at SET DEFAULT now();
CREATE INDEX driver_plates_driver ON driver_plates (driver_id);

-- A claim of a plate another account holds: pending until an operator approves (the plate moves to
-- the claimant) or rejects it, with a note. One open claim per plate and account.
CREATE TABLE plate_claims (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plate       text NOT NULL,
  driver_id   bigint NOT NULL REFERENCES drivers(id),
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  decided_at  timestamptz,
  decided_by  text,                               -- the console account (city role) that decided
  note        text
);
CREATE UNIQUE INDEX plate_claims_one_open ON plate_claims (plate, driver_id) WHERE status = 'pending';
CREATE INDEX plate_claims_pending ON plate_claims (created_at) WHERE status = 'pending';

-- The public reference of an invoice: 24 bytes of two v4 UUIDs (gen_random_uuid, core PostgreSQL,
-- pg_strong_random: 182 random bits once the version bits are out), base64url, 32 characters, so
-- it cannot be guessed or walked the way the sequential id can. Existing rows get one each (a
-- volatile default is evaluated per row).
ALTER TABLE invoices ADD COLUMN public_ref text NOT NULL
  DEFAULT rtrim(translate(encode(substring(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) FROM 1 FOR 24), 'base64'), '+/', '-_'), '=');
CREATE UNIQUE INDEX invoices_public_ref ON invoices (public_ref);
