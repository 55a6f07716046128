-- Overdue reminders as messages (payments/reminders.ts, issue 11): one row per reminder of an
-- invoice, from the run that decided it through the provider's delivery receipt. A reminder's id is
-- its idempotency key at the SMS provider, so one reminder is one SMS however often sending is retried.
CREATE TABLE reminder_messages (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id          bigint NOT NULL REFERENCES invoices(id),
  plate               text NOT NULL,                 -- normalised, as invoices store it
  phone               text,                          -- the plate owner's phone; NULL: no account to send to
  template            text NOT NULL,                 -- core/sms.ts SmsTemplate
  params              jsonb NOT NULL,                -- the template's parameters (plate masked, amount in yuan)
  status              text NOT NULL CHECK (status IN ('queued', 'deferred_quiet_hours', 'sent', 'delivered', 'failed', 'no_recipient')),
  provider            text,                          -- sim | aliyun | tencent, once sent
  provider_message_id text,
  error               text,                          -- the provider's code and words of the last failure
  attempts            integer NOT NULL DEFAULT 0,    -- sends tried (bounded, with backoff)
  next_attempt_at     timestamptz,                   -- queued/deferred: not before
  created_at          timestamptz NOT NULL,
  sent_at             timestamptz,
  delivered_at        timestamptz,
  failed_at           timestamptz
);
CREATE UNIQUE INDEX reminder_messages_provider_id ON reminder_messages (provider, provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX reminder_messages_pending ON reminder_messages (next_attempt_at) WHERE status IN ('queued', 'deferred_quiet_hours');
CREATE INDEX reminder_messages_awaiting_receipt ON reminder_messages (sent_at) WHERE status = 'sent';
CREATE INDEX reminder_messages_plate ON reminder_messages (plate, created_at DESC);
CREATE INDEX reminder_messages_invoice ON reminder_messages (invoice_id);
