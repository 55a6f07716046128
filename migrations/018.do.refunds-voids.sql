-- Refunds and voids as operators need them (issue 11): a refund may be partial and there may be
-- several per invoice, each a row of its own (its id derives the provider's idempotency key); staff
-- above their limit wait for an admin; refunds and voids carry a reason code (payments/adjustment-reasons.ts)
-- and may attach evidence copied from the stay's raw device events (device_events drop after 90 days).

-- What the provider has confirmed refunded: the invoice stays 'paid' while 0 < refunded_fen < amount_fen
-- and becomes 'refunded' when it reaches amount_fen. Invoices refunded before this migration were in full.
ALTER TABLE invoices
  ADD COLUMN refunded_fen integer NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0),
  ADD COLUMN void_reason_code text,
  ADD COLUMN void_note text,
  ADD COLUMN voided_by text,
  ADD COLUMN voided_at timestamptz;
UPDATE invoices SET refunded_fen = amount_fen WHERE status = 'refunded';
ALTER TABLE invoices ADD CONSTRAINT invoices_refunded_within_amount CHECK (refunded_fen <= amount_fen);

CREATE TABLE refunds (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id         bigint NOT NULL REFERENCES invoices(id),
  charge_id          bigint NOT NULL REFERENCES charges(id),
  amount_fen         integer NOT NULL CHECK (amount_fen > 0),
  reason_code        text NOT NULL,
  note               text,
  requested_by       text NOT NULL,                  -- console account
  request_key        text,                           -- the HTTP Idempotency-Key: a retried request is the same refund
  status             text NOT NULL CHECK (status IN ('pending_approval', 'requested', 'succeeded', 'failed', 'rejected')),
  approved_by        text,                           -- the admin who approved (or rejected) a refund above a staff limit
  decision_note      text,
  decided_at         timestamptz,
  provider_refund_id text UNIQUE,
  failure_reason     text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (requested_by, request_key)
);
CREATE INDEX refunds_invoice ON refunds (invoice_id);
CREATE INDEX refunds_waiting ON refunds (created_at) WHERE status = 'pending_approval';

-- Evidence attached to a refund (refund_id) or to a void (refund_id NULL): a copy of the raw event.
CREATE TABLE invoice_evidence (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id  bigint NOT NULL REFERENCES invoices(id),
  refund_id   bigint REFERENCES refunds(id),
  device_id   text NOT NULL,
  seq         bigint NOT NULL,
  event_time  timestamptz NOT NULL,
  type        text NOT NULL,
  bay_code    text,
  payload     jsonb NOT NULL,
  image       text,                                  -- the event's image reference (core/protocol.ts ImageRef), if it had one
  attached_by text NOT NULL,
  attached_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoice_evidence_invoice ON invoice_evidence (invoice_id);

-- Collected is what was paid less what was refunded, so a partial refund subtracts only its amount.
CREATE OR REPLACE FUNCTION lot_hourly_stats_between(t0 timestamptz, t1 timestamptz)
RETURNS SETOF lot_hourly_stats LANGUAGE sql STABLE AS $$
  WITH began AS (
    SELECT lot_id, date_trunc('hour', entry_time, 'UTC') AS hour, count(*)::int AS n
      FROM sessions WHERE entry_time >= t0 AND entry_time < t1 GROUP BY 1, 2
  ), ended AS (
    SELECT lot_id, date_trunc('hour', exit_time, 'UTC') AS hour, count(*)::int AS n, sum(extract(epoch FROM exit_time - entry_time) / 60)::float8 AS stay
      FROM sessions WHERE exit_time >= t0 AND exit_time < t1 GROUP BY 1, 2
  ), issued AS (
    SELECT lot_id, date_trunc('hour', issued_at, 'UTC') AS hour, sum(amount_fen)::bigint AS fen
      FROM invoices WHERE issued_at >= t0 AND issued_at < t1 AND status <> 'void' GROUP BY 1, 2
  ), paid AS (
    SELECT lot_id, date_trunc('hour', paid_at, 'UTC') AS hour, sum(amount_fen - refunded_fen)::bigint AS fen
      FROM invoices WHERE paid_at >= t0 AND paid_at < t1 AND status IN ('paid', 'refunded') GROUP BY 1, 2
  )
  SELECT lot_id, hour, coalesce(b.n, 0), coalesce(e.n, 0), coalesce(e.stay, 0), coalesce(i.fen, 0), coalesce(p.fen, 0)
    FROM began b FULL JOIN ended e USING (lot_id, hour) FULL JOIN issued i USING (lot_id, hour) FULL JOIN paid p USING (lot_id, hour)
$$;
