-- The audit log (issue 11): every operator action — sign-in, review decisions, refunds, voids,
-- reminder runs, account changes, and what later branches add (lots, bays, devices, tariffs,
-- secret rotation) — is appended with who, when, what and the values before and after.
-- Append-only in the database itself: a trigger refuses UPDATE, DELETE and TRUNCATE, so no route,
-- console page or bug can rewrite history; only a database owner dropping the trigger could.
CREATE TABLE audit_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  account_id   text,                    -- who (operator_accounts.id); NULL for the system (scheduled jobs)
  operator_id  text,                    -- the tenant the action concerns; NULL: city-wide
  action       text NOT NULL,           -- e.g. sign-in, exception.resolve, invoice.refund, reminders.run
  object_type  text,                    -- e.g. exception, invoice, account, operator
  object_id    text,
  before       jsonb,
  after        jsonb
);
CREATE INDEX audit_log_tenant_at ON audit_log (operator_id, at DESC);
CREATE INDEX audit_log_action_at ON audit_log (action, at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Onboarding: a new account's first password is a one-time setup code (stored as its password
-- hash with must_set_password) that stops working after this instant.
ALTER TABLE operator_accounts ADD COLUMN setup_expires_at timestamptz;
