// The devices' path answers through callbacks (EventWriter.writeThen), not promises: a callback that
// throws must not keep the rest of its batch from their answers (their PUBACKs), and a writer that
// has closed answers at once with an error the device can act on. Embedded database, real statements.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openSeededDatabase, firstSensedBay, occupancyReport, type SeededDatabase, type SensedBay } from '../test/seeded-database.ts';
import { ChangeFeed } from '../core/changes.ts';
import { createMetrics } from '../core/metrics.ts';
import type { IngestEvent } from '../core/ingest-events.ts';
import { EventWriter } from './writer.ts';

let seeded: SeededDatabase;
let bay: SensedBay;
beforeAll(async () => {
  seeded = await openSeededDatabase('writer-answers');
  bay = await firstSensedBay(seeded.db);
}, 60_000);
afterAll(async () => { await seeded?.close(); });

const base = Date.now();
let seq = 5000;
function report(occupied: boolean, secondsFromNow: number): IngestEvent {
  const at = new Date(base + secondsFromNow * 1000);
  seq++;
  return occupancyReport(bay, bay.sensor, seq, occupied, at);
}

describe('the writer\'s answers', () => {
  it('answers every message of a committed batch though one answer throws, and logs that one', async () => {
    const logged: unknown[] = [];
    const w = new EventWriter(seeded.db.pool, { batchMax: 100, batchWaitMs: 30, metrics: createMetrics(), changes: new ChangeFeed(), log: { error: (o) => logged.push(o) } });
    await w.start();
    const answers: Array<Error | null> = [];
    w.writeThen(report(true, 1), () => { throw new Error('the socket is gone'); });
    w.writeThen(report(false, 2), (err) => answers.push(err));
    await w.write(report(true, 3)); // the same batch: all three within batchWaitMs
    expect(answers).toEqual([null]);
    expect(logged).toEqual([{ err: new Error('the socket is gone') }]);
    const { rows } = await seeded.db.pool.query(`SELECT count(*)::int AS n FROM device_events WHERE device_id = $1 AND seq > 5000`, [bay.sensor]);
    expect(rows[0].n).toBe(3);
    await w.close();
  });

  it('answers at once with an error that says to retry once it has closed', async () => {
    const w = new EventWriter(seeded.db.pool, { batchMax: 100, batchWaitMs: 1, metrics: createMetrics(), changes: new ChangeFeed(), log: { error() {} } });
    await w.start();
    await w.close();
    let answer: Error | null | undefined;
    w.writeThen(report(false, 4), (err) => { answer = err; });
    expect(answer?.message).toMatch(/shutting down; the device should retry/);
    await expect(w.write(report(false, 5))).rejects.toThrow(/shutting down/);
  });
});
