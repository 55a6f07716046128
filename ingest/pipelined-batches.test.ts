// The writer sends the next batch behind the one before while that one is still in the database
// (EventWriter.sendNext): the mirror takes the first batch's plan before its COMMIT, and the next is
// planned on it. If the first then fails, the next must not be stored as planned (on a state the
// database never held): the database refuses it (migration 033), and it goes back to the queue to be
// planned again on the mirror re-read from the database. Embedded database, real statements.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Database } from '../core/db/index.ts';
import { openSeededDatabase, firstSensedBay, occupancyReport, type SeededDatabase, type SensedBay } from '../test/seeded-database.ts';
import { ChangeFeed } from '../core/changes.ts';
import { createMetrics } from '../core/metrics.ts';
import type { BatchHook, IngestEvent } from '../core/ingest-events.ts';
import { EventWriter } from './writer.ts';

let seeded: SeededDatabase;
let db: Database;
let bay: SensedBay;
beforeAll(async () => {
  seeded = await openSeededDatabase('pipelined');
  db = seeded.db;
  bay = await firstSensedBay(db);
}, 60_000);
afterAll(async () => { await seeded?.close(); });

const base = Date.now();
let seq = 1000;
function report(occupied: boolean, secondsFromNow: number): IngestEvent {
  const at = new Date(base + secondsFromNow * 1000);
  seq++;
  return occupancyReport(bay, bay.sensor, seq, occupied, at);
}

const bayNow = async () => (await db.pool.query(`SELECT occupied, sensor_time FROM bay_state WHERE bay_code = $1`, [bay.code])).rows[0];
/** The lot's counts as stored, and as its bays say they should be. */
const counts = async () => (await db.pool.query(
  `SELECT a.free, a.occupied, a.unknown, count(*) FILTER (WHERE b.occupied = false)::int AS bays_free,
          count(*) FILTER (WHERE b.occupied)::int AS bays_occupied, count(*) FILTER (WHERE b.occupied IS NULL)::int AS bays_unknown
     FROM lot_availability a JOIN bay_state b ON b.lot_id = a.lot_id WHERE a.lot_id = $1 GROUP BY a.lot_id, a.free, a.occupied, a.unknown`, [bay.lotId])).rows[0];

describe('the next batch, sent while this one is in the database', () => {
  it('is planned on this batch\'s outcome, and is planned again when this batch fails', async () => {
    // One event a batch, so the second write is the next batch; a hook that fails the first
    // batch inside its transaction, after its statement ran.
    let failNext = false;
    // An SQL error: the database rolled the batch back, so its outcome is known (nothing to re-read
    // but for what the writer itself took ahead).
    const failing = (async (client) => {
      if (!failNext) return;
      failNext = false;
      await client.query('SELECT 1 / 0');
    }) as BatchHook;
    const w = new EventWriter(db.pool, { batchMax: 1, batchWaitMs: 1, metrics: createMetrics(), changes: new ChangeFeed(), log: { error() {} }, hooks: [failing] });
    await w.start();

    // Settle on a known state: free.
    await w.write(report(false, 1));
    expect((await bayNow()).occupied).toBe(false);

    // Both succeed: "taken", then "free" planned on it; the counts follow the bays.
    await Promise.all([w.write(report(true, 2)), w.write(report(false, 3))]);
    expect((await bayNow()).occupied).toBe(false);
    let c = await counts();
    expect([c.free, c.occupied, c.unknown]).toEqual([c.bays_free, c.bays_occupied, c.bays_unknown]);

    // "taken" fails after the next batch ("taken" again, later) was planned on it; the bay must end
    // taken by the second report alone, counted once.
    failNext = true;
    const [first, second] = await Promise.allSettled([w.write(report(true, 4)), w.write(report(true, 5))]);
    expect(first.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
    const now = await bayNow();
    expect(now.occupied).toBe(true);
    expect(new Date(now.sensor_time).getTime()).toBe(base + 5000);
    c = await counts();
    expect([c.free, c.occupied, c.unknown]).toEqual([c.bays_free, c.bays_occupied, c.bays_unknown]);

    // And the writer goes on from there: the first report, resent, is older than the bay's word now.
    await w.write(report(false, 6));
    expect((await bayNow()).occupied).toBe(false);
    c = await counts();
    expect([c.free, c.occupied, c.unknown]).toEqual([c.bays_free, c.bays_occupied, c.bays_unknown]);
    await w.close();
  });

  it('is refused by the database when the batch it went out behind failed, then stored on the bay\'s real state', async () => {
    // The first batch's statement fails in the database itself (a trigger refuses its event), after
    // the second went out behind it, planned on the first's "taken". Without the order check the
    // second would store "free" with the counts moved as if the bay had been taken: one bay counted
    // twice as free.
    await db.pool.query(`CREATE FUNCTION refuse_seq() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.seq = 777777 THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`);
    await db.pool.query(`CREATE TRIGGER refuse_seq BEFORE INSERT ON device_events FOR EACH ROW EXECUTE FUNCTION refuse_seq()`);
    let behind: number | undefined;
    const w = new EventWriter(db.pool, {
      batchMax: 1, batchWaitMs: 1, metrics: createMetrics(), changes: new ChangeFeed(),
      // Logged as the first batch is settled: the second is in flight behind it, or settled after it.
      log: { error() { behind ??= (w as unknown as { runs: unknown[] }).runs.length; } },
    });
    await w.start();
    try {
      await w.write(report(false, 10));
      let c = await counts();
      expect([c.free, c.occupied, c.unknown]).toEqual([c.bays_free, c.bays_occupied, c.bays_unknown]);

      const refused = { ...report(true, 11), seq: 777777 };
      const [first, second] = await Promise.allSettled([w.write(refused), w.write(report(false, 12))]);
      expect(behind).toBe(1); // the second had gone out behind the first
      expect(first.status).toBe('rejected');
      expect(second.status).toBe('fulfilled'); // refused, requeued, stored: the device never saw an error
      const now = await bayNow();
      expect(now.occupied).toBe(false);
      expect(new Date(now.sensor_time).getTime()).toBe(base + 12_000);
      c = await counts();
      expect([c.free, c.occupied, c.unknown]).toEqual([c.bays_free, c.bays_occupied, c.bays_unknown]);
    } finally {
      await w.close();
      await db.pool.query(`DROP TRIGGER refuse_seq ON device_events; DROP FUNCTION refuse_seq()`);
    }
  });
});
