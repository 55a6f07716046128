-- Parking as a business: tariffs, sessions built from device events, invoices, drivers, payments.
-- Money is integer fen (CNY cents) everywhere. Plates are stored normalised (core/plates.ts) and are
-- personal data: only their owner sees them unmasked.

-- Versioned tariffs: a new version has a later valid_from; bills keep the version they used.
CREATE TABLE tariffs (
  id          text NOT NULL,                 -- e.g. zz-street
  version     integer NOT NULL,
  valid_from  timestamptz NOT NULL,
  body        jsonb NOT NULL,                -- billing/tariff.ts TariffSchema
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, version)
);
-- Which tariff a lot uses, and the per-lot session rules.
CREATE TABLE lot_billing (
  lot_id                text PRIMARY KEY REFERENCES lots(id),
  tariff_id             text NOT NULL,
  -- Plate reads below this confidence never charge anyone automatically: the session goes to review.
  min_confidence        real NOT NULL DEFAULT 0.8,
  -- An entry with no exit after this long becomes an exception for review.
  max_stay_hours        integer NOT NULL DEFAULT 72
);

CREATE TABLE sessions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  lot_id          text NOT NULL REFERENCES lots(id),
  bay_code        text REFERENCES bays(code),        -- street sessions; garages have none
  plate           text,                              -- normalised; NULL for anonymous sensor-only occupancy
  plate_kind      text CHECK (plate_kind IN ('standard', 'new-energy')),
  status          text NOT NULL CHECK (status IN ('open', 'closed', 'review', 'anonymous')),
  entry_time      timestamptz NOT NULL,
  exit_time       timestamptz,
  entry_device    text NOT NULL,
  entry_seq       bigint NOT NULL,
  exit_device     text,
  exit_seq        bigint,
  entry_confidence real,
  exit_confidence  real,
  exit_plate_read text,                              -- the plate as read at exit (may differ)
  match_method    text CHECK (match_method IN ('exact', 'confusable', 'bay', 'manual')),
  review_reason   text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
-- The same device event can never open or close two sessions (replays, duplicates).
CREATE UNIQUE INDEX sessions_entry_event ON sessions (entry_device, entry_seq);
CREATE UNIQUE INDEX sessions_exit_event ON sessions (exit_device, exit_seq) WHERE exit_device IS NOT NULL;
CREATE INDEX sessions_open_by_lot_plate ON sessions (lot_id, plate) WHERE status = 'open';
CREATE INDEX sessions_open_by_bay ON sessions (bay_code) WHERE status IN ('open', 'anonymous') AND exit_time IS NULL;
CREATE INDEX sessions_plate ON sessions (plate, entry_time DESC);

-- Events that did not fit the rules, kept for an operator to decide.
CREATE TABLE session_exceptions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('exit-without-entry', 'overstay', 'double-entry', 'low-confidence', 'unreadable-plate')),
  lot_id      text NOT NULL,
  plate       text,
  session_id  bigint REFERENCES sessions(id),
  device_id   text,
  seq         bigint,
  event_time  timestamptz NOT NULL,
  detail      text NOT NULL,
  resolved_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX session_exceptions_event ON session_exceptions (kind, device_id, seq) WHERE device_id IS NOT NULL;
CREATE INDEX session_exceptions_open ON session_exceptions (created_at DESC) WHERE resolved_at IS NULL;

CREATE TABLE invoices (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id     bigint NOT NULL UNIQUE REFERENCES sessions(id),   -- one invoice per session, ever
  lot_id         text NOT NULL,
  plate          text NOT NULL,
  amount_fen     integer NOT NULL CHECK (amount_fen >= 0),
  lines          jsonb NOT NULL,                                    -- billing/tariff.ts FeeLine[]
  tariff_id      text NOT NULL,
  tariff_version integer NOT NULL,
  status         text NOT NULL CHECK (status IN ('outstanding', 'paying', 'paid', 'void', 'refunded')),
  issued_at      timestamptz NOT NULL DEFAULT now(),
  due_at         timestamptz NOT NULL,
  paid_at        timestamptz,
  last_reminded_at timestamptz,
  reminders_sent integer NOT NULL DEFAULT 0
);
CREATE INDEX invoices_plate_status ON invoices (plate, status);
CREATE INDEX invoices_due ON invoices (due_at) WHERE status = 'outstanding';

CREATE TABLE drivers (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phone         text NOT NULL UNIQUE,            -- login name (Chinese mobile number)
  password_hash text NOT NULL,                   -- scrypt (core/passwords.ts)
  name          text,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE driver_plates (
  plate        text PRIMARY KEY,                 -- a plate belongs to at most one account
  driver_id    bigint NOT NULL REFERENCES drivers(id),
  contactless  boolean NOT NULL DEFAULT false,   -- "leave and go": charge automatically at exit
  added_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE payment_methods (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  driver_id    bigint NOT NULL REFERENCES drivers(id),
  provider     text NOT NULL,                    -- 'simpay' (the simulated provider)
  token        text NOT NULL,                    -- the provider's token for the method, never card data
  label        text NOT NULL,                    -- e.g. "Alipay ****1234"
  is_default   boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- One charge attempt per (invoice, attempt); the idempotency key makes retries safe at the provider.
CREATE TABLE charges (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id       bigint NOT NULL REFERENCES invoices(id),
  idempotency_key  text NOT NULL UNIQUE,
  provider_charge_id text UNIQUE,
  amount_fen       integer NOT NULL,
  method           text NOT NULL CHECK (method IN ('contactless', 'online')),
  status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'declined', 'failed', 'refunded')),
  failure_reason   text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
-- At most one charge per invoice may be pending or succeeded: the database refuses a double charge.
CREATE UNIQUE INDEX charges_one_live_per_invoice ON charges (invoice_id) WHERE status IN ('pending', 'succeeded');

-- Webhooks already processed: a replay is recognised and ignored.
CREATE TABLE webhook_events (
  event_id     text PRIMARY KEY,
  received_at  timestamptz NOT NULL DEFAULT now(),
  type         text NOT NULL,
  payload      jsonb NOT NULL
);

CREATE TABLE receipts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  charge_id    bigint NOT NULL UNIQUE REFERENCES charges(id),
  invoice_id   bigint NOT NULL REFERENCES invoices(id),
  number       text NOT NULL UNIQUE,             -- human receipt number, e.g. OL-20261123-000042
  issued_at    timestamptz NOT NULL DEFAULT now()
);
