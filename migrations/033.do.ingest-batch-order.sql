-- The ingest writer sends its next batch before the database has answered the one before
-- (ingest/writer.ts, "two batches in flight"): the database runs one while the writer's thread
-- answers the devices of the other. The next batch was planned on the first one's outcome (its
-- bays, its lots' counts by delta), so it must not be stored if the first one was not. Each batch
-- statement names itself and the batch it follows on this connection; this function, called in
-- the statement, fails it (and so every row it would write) when the batch before did not commit,
-- and otherwise records the batch as the connection's last. The record is a session setting, one
-- per writer (`setting`: the embedded database serves every connection from one session): a
-- rolled-back statement or transaction takes its change back with it.
CREATE FUNCTION ingest_batch_follows(setting text, previous text, mine text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF previous IS NOT NULL AND current_setting(setting, true) IS DISTINCT FROM previous THEN
    RAISE EXCEPTION 'ingest batch % went out behind batch %, which did not commit: plan it again', mine, previous
      USING ERRCODE = 'OL001';
  END IF;
  PERFORM set_config(setting, mine, false);
  RETURN mine;
END $$;
