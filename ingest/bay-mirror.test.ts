// The ingest writer's copy of bay_state, and what a batch does to it (writer.ts planObservations):
// the newest report per bay wins, a late one is stored but never rolls a bay back. The database is
// a stand-in that answers the mirror's two reads; nothing here touches a real one.
import { describe, it, expect } from 'vitest';
import type { Pool, PoolClient } from '../core/db/index.ts';
import type { IngestEvent } from '../core/ingest-events.ts';
import { BayMirror, type BayRecord } from './bay-mirror.ts';
import { planObservations } from './writer.ts';

type Row = { bay_code: string; lot_id: string; occupied: boolean | null; since: Date | string | null; event_time: Date | string | null };

/** Answers `SELECT … FROM bay_state [WHERE bay_code = ANY($1)]` from `rows`, and records each call. */
function fakeDb(rows: Row[]) {
  const calls: Array<{ sql: string; params?: unknown[] }> = [];
  const query = async (sql: string, params?: unknown[]) => {
    calls.push({ sql, params });
    const wanted = params?.[0] as string[] | undefined;
    return { rows: wanted ? rows.filter((r) => wanted.includes(r.bay_code)) : rows };
  };
  return { calls, pool: { query } as unknown as Pool, client: { query } as unknown as PoolClient };
}

const T0 = Date.parse('2026-11-23T08:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
const row = (bay_code: string, occupied: boolean | null, eventSeconds: number | null, lot_id = 'L1'): Row => ({
  bay_code, lot_id, occupied,
  since: eventSeconds === null ? null : at(eventSeconds - 60), event_time: eventSeconds === null ? null : at(eventSeconds),
});

let seqs = 0;
/** A bay observation as a handler produces it (only the fields planning reads matter). */
function observed(bay: string, occupied: boolean, seconds: number, seq = ++seqs, deviceId = `sen-${bay}`): IngestEvent {
  return {
    deviceId, deviceKind: 'bay-sensor', seq, type: 'occupancy', eventTime: at(seconds), receivedAt: at(seconds),
    lotId: 'L1', bayCode: bay, payload: { type: 'occupancy', seq, ts: at(seconds).toISOString(), occupied },
    observation: { bayCode: bay, occupied },
  };
}

async function mirrorOf(rows: Row[]) {
  const db = fakeDb(rows);
  const mirror = new BayMirror();
  await mirror.load(db.pool);
  db.calls.length = 0;
  return { mirror, db };
}

describe('BayMirror', () => {
  it('loads every bay, times as epoch milliseconds (Date or text from the driver), unknown as null', async () => {
    const { mirror } = await mirrorOf([
      row('B1', true, 10),
      { bay_code: 'B2', lot_id: 'L2', occupied: false, since: '2026-11-23T07:00:00Z', event_time: '2026-11-23T07:30:00Z' },
      row('B3', null, null),
    ]);
    expect(mirror.get('B1')).toEqual<BayRecord>({ lotId: 'L1', occupied: true, since: T0 - 50_000, eventTime: T0 + 10_000 });
    expect(mirror.get('B2')).toEqual<BayRecord>({ lotId: 'L2', occupied: false, since: T0 - 3_600_000, eventTime: T0 - 1_800_000 });
    expect(mirror.get('B3')).toEqual<BayRecord>({ lotId: 'L1', occupied: null, since: null, eventTime: null });
    expect(mirror.get('B4')).toBeUndefined();
  });

  it('fetches only bays it does not hold (a lot added at run time), and nothing when it holds them all', async () => {
    const { mirror } = await mirrorOf([row('B1', true, 10)]);
    const db = fakeDb([row('B1', true, 10), row('NEW', false, 5, 'L9')]);
    await mirror.ensure(db.client, ['B1', 'NEW', 'GONE']);
    expect(db.calls.map((c) => c.params)).toEqual([[['NEW', 'GONE']]]);
    expect(mirror.get('NEW')).toMatchObject({ lotId: 'L9', occupied: false });
    expect(mirror.get('GONE')).toBeUndefined();
    db.calls.length = 0;
    await mirror.ensure(db.client, ['B1', 'NEW']);
    expect(db.calls).toEqual([]);
  });

  it('takes committed updates as the new state and leaves other bays alone', async () => {
    const { mirror } = await mirrorOf([row('B1', false, 10), row('B2', true, 10)]);
    mirror.apply([{ code: 'B1', lotId: 'L1', occupied: true, since: T0 + 20_000, eventTime: T0 + 20_000, deviceId: 'sen-B1', seq: 9, was: false }]);
    expect(mirror.get('B1')).toEqual<BayRecord>({ lotId: 'L1', occupied: true, since: T0 + 20_000, eventTime: T0 + 20_000 });
    expect(mirror.get('B2')).toEqual<BayRecord>({ lotId: 'L1', occupied: true, since: T0 - 50_000, eventTime: T0 + 10_000 });
  });
});

describe('planning a batch against the mirror', () => {
  it('applies the newest report per bay, whatever order the batch arrived in', async () => {
    const { mirror, db } = await mirrorOf([row('B1', false, 0)]);
    const plan = await planObservations(db.client, [observed('B1', true, 30), observed('B1', false, 20), observed('B1', true, 10)], mirror);
    expect(plan.updates).toEqual([{ code: 'B1', lotId: 'L1', occupied: true, since: T0 + 30_000, eventTime: T0 + 30_000, deviceId: 'sen-B1', seq: seqs - 2, was: false }]);
    expect(plan.late).toBe(0);
  });

  it('breaks a tie in event time by sequence number, not arrival order', async () => {
    const { mirror, db } = await mirrorOf([row('B1', null, null)]);
    const plan = await planObservations(db.client, [observed('B1', false, 10, 8), observed('B1', true, 10, 7)], mirror);
    expect(plan.updates.map((u) => [u.seq, u.occupied])).toEqual([[8, false]]);
  });

  it('stores nothing for a bay from a report no newer than the state held, and counts it late', async () => {
    const { mirror, db } = await mirrorOf([row('B1', true, 100), row('B2', true, 100)]);
    const plan = await planObservations(db.client, [observed('B1', false, 99), observed('B2', false, 100)], mirror);
    expect(plan).toEqual({ updates: [], changes: [], deltas: new Map(), late: 2 }); // equal time: a repeat is never newer
  });

  it('moves a bay from free to occupied: a change for the map and a delta for its lot', async () => {
    const { mirror, db } = await mirrorOf([row('B1', false, 0)]);
    const plan = await planObservations(db.client, [observed('B1', true, 10)], mirror);
    expect(plan.changes).toEqual([{ code: 'B1', lotId: 'L1', occupied: true, since: at(10).toISOString() }]);
    expect(plan.deltas).toEqual(new Map([['L1', { free: -1, occupied: 1, unknown: 0 }]]));
  });

  it('counts a first report for a bay never seen as leaving "unknown"', async () => {
    const { mirror, db } = await mirrorOf([row('B1', null, null)]);
    const plan = await planObservations(db.client, [observed('B1', false, 10)], mirror);
    expect(plan.updates[0]).toMatchObject({ occupied: false, since: T0 + 10_000, was: null });
    expect(plan.deltas.get('L1')).toEqual({ free: 1, occupied: 0, unknown: -1 });
  });

  it('keeps since for a report that repeats the state: the event time moves on, the map and counts do not', async () => {
    const { mirror, db } = await mirrorOf([row('B1', true, 100)]);
    const plan = await planObservations(db.client, [observed('B1', true, 130)], mirror);
    expect(plan.updates).toEqual([expect.objectContaining({ occupied: true, since: T0 + 40_000, eventTime: T0 + 130_000, was: true })]);
    expect(plan.changes).toEqual([]);
    expect(plan.deltas.size).toBe(0);
  });

  it('sums the deltas of every bay in a lot, lot by lot', async () => {
    const { mirror, db } = await mirrorOf([row('A1', false, 0, 'LA'), row('A2', null, null, 'LA'), row('A3', true, 0, 'LA'), row('B1', true, 0, 'LB')]);
    const plan = await planObservations(db.client, [observed('A1', true, 5), observed('A2', true, 5), observed('A3', false, 5), observed('B1', false, 5)], mirror);
    expect(plan.deltas).toEqual(new Map([
      ['LA', { free: 0, occupied: 1, unknown: -1 }],
      ['LB', { free: 1, occupied: -1, unknown: 0 }],
    ]));
  });

  it('fetches a bay the mirror lacks once, and skips one the database lacks too (not late)', async () => {
    const { mirror, db } = await mirrorOf([]);
    const added = fakeDb([row('NEW', null, null, 'L9')]);
    const plan = await planObservations(added.client, [observed('NEW', true, 5), observed('GONE', true, 5)], mirror);
    expect(added.calls.map((c) => c.params)).toEqual([[['NEW', 'GONE']]]);
    expect(plan.updates.map((u) => [u.code, u.lotId])).toEqual([['NEW', 'L9']]);
    expect(plan.late).toBe(0);
    expect(db.calls).toEqual([]);
  });

  it('ignores events that observe no bay (heartbeats, gates), without a read', async () => {
    const { mirror, db } = await mirrorOf([row('B1', false, 0)]);
    const beat: IngestEvent = { ...observed('B1', true, 10), type: 'heartbeat', observation: undefined };
    expect(await planObservations(db.client, [beat], mirror)).toEqual({ updates: [], changes: [], deltas: new Map(), late: 0 });
    expect(db.calls).toEqual([]);
  });

  it('leaves the mirror as it was: the writer applies the plan only after COMMIT', async () => {
    const { mirror, db } = await mirrorOf([row('B1', false, 0)]);
    const before = { ...mirror.get('B1') };
    await planObservations(db.client, [observed('B1', true, 10)], mirror);
    expect(mirror.get('B1')).toEqual(before);
  });

  it('plans a silence (ingest/device-health.ts) as "unknown" on a known bay, and never as late', async () => {
    const { mirror, db } = await mirrorOf([row('B1', false, 10), row('B2', null, null), row('B3', true, 50)]);
    const silence = (bay: string, seconds: number) => ({ deviceId: `sen-${bay}`, seq: -1, eventTime: new Date(T0 + seconds * 1000), observation: { bayCode: bay, occupied: null } });
    const plan = await planObservations(db.client, [silence('B1', 20), silence('B2', 20), silence('B3', 40)], mirror);
    expect(plan.updates.map((u) => [u.code, u.occupied])).toEqual([['B1', null]]);
    expect(plan.changes).toEqual([{ code: 'B1', lotId: 'L1', occupied: null, since: new Date(T0 + 20_000).toISOString() }]);
    expect(plan.deltas.get('L1')).toEqual({ free: -1, occupied: 0, unknown: 1 });
    expect(plan.late).toBe(0);
  });
});
