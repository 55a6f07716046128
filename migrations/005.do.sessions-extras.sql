-- Session matching needs (billing/sessions.ts): the confusable-character key of the plate, so an exit
-- read 豫A012345 finds the open session of 豫AD12345 with one index lookup (core/plates.ts
-- confusableKey), and two more exception kinds for the review queue.
ALTER TABLE sessions ADD COLUMN plate_key text;
-- Gate matching: open sessions and replays of recent ones, by lot and key.
CREATE INDEX sessions_lot_key ON sessions (lot_id, plate_key, entry_time DESC) WHERE plate_key IS NOT NULL;
-- Street bays: the latest closed session of a bay tells a stale (out-of-order) report from a new one.
CREATE INDEX sessions_bay_exit ON sessions (bay_code, exit_time DESC) WHERE bay_code IS NOT NULL AND exit_time IS NOT NULL;

-- bay-handover: a camera saw a different plate in a bay never reported free (exit time uncertain).
-- no-tariff: a session closed at a lot with no tariff in force (nothing to bill it with).
ALTER TABLE session_exceptions DROP CONSTRAINT session_exceptions_kind_check;
ALTER TABLE session_exceptions ADD CONSTRAINT session_exceptions_kind_check
  CHECK (kind IN ('exit-without-entry', 'overstay', 'double-entry', 'low-confidence', 'unreadable-plate', 'bay-handover', 'no-tariff'));
-- One overstay exception per session, however often the scan runs.
CREATE UNIQUE INDEX session_exceptions_overstay ON session_exceptions (session_id) WHERE kind = 'overstay';
-- An entry that arrives after its exit (out of order) looks for the exit kept as an exception.
CREATE INDEX session_exceptions_pending_exit ON session_exceptions (lot_id, plate) WHERE kind = 'exit-without-entry' AND resolved_at IS NULL;
