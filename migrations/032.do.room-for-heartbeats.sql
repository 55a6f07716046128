-- Every heartbeat rewrites its device's row (last heard, battery, cadence) and its sensor's bay's
-- (the sensor's word and when it came): at city scale ~98 % of what ingest stores. On a page
-- packed full (the default fillfactor, 100) such an update finds no room beside the old version,
-- so the new one goes to another page and gets an entry in every index of its table (devices has
-- six). With a fifth of each page kept free, it stays on its page and touches no index (a HOT
-- update); the old version is reclaimed on that page as the next update comes, which matters in
-- the embedded database, where no autovacuum runs (ingest/heartbeat-room.test.ts).
-- Measured on the whole-city preset (docs/performance.md, fifteenth session), the writer's batch
-- statement for 500 sensors' heartbeats: 52–61 ms before, 42–48 after with the sensors spread over
-- the city; 57–70 ms before, 34–36 after with a page's sensors beating in one batch.
-- Only pages written from now on keep the room: a database migrated with its rows in place gets it
-- row by row, as each row moves on its next update.
ALTER TABLE devices SET (fillfactor = 80);
ALTER TABLE bay_state SET (fillfactor = 80);
