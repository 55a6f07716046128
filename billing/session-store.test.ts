// Settling a kerb stay's pending plate (SETTLE_SQL) touches that stay's invoice only, whatever the
// number of invoices drivers have yet to pay. The embedded database never analyzes, so the plan a
// prepared statement keeps is made on estimates that say there are almost no outstanding invoices;
// joined on session_id, that plan walked all of them for every settled stay (93 ms a batch in the
// whole-city run). Embedded database, the statement as ingest prepares it (a generic plan).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Database, PoolClient } from '../core/db/index.ts';
import { openSeededDatabase, firstSensedBay, type SeededDatabase } from '../test/seeded-database.ts';
import { SETTLE_SQL } from './session-store.ts';

const OUTSTANDING = 3000;
const SETTLED = 10;

let seeded: SeededDatabase;
let db: Database;
const bay = { lotId: '', code: '' };
beforeAll(async () => {
  seeded = await openSeededDatabase('settle-plan');
  db = seeded.db;
  Object.assign(bay, await firstSensedBay(db));
}, 60_000);
afterAll(async () => { await seeded?.close(); });

/** Closed stays `from`..`to` with an outstanding invoice each; their session ids. */
async function closedStays(client: PoolClient, from: number, to: number, certainty: 'pending' | 'certain'): Promise<number[]> {
  const { rows } = await client.query<{ id: string }>(
    `WITH s AS (
       INSERT INTO sessions (lot_id, bay_code, plate, plate_kind, status, entry_time, exit_time, entry_device, entry_seq, plate_certainty)
       SELECT $1, $2, '豫A' || lpad(g::text, 5, '0'), 'standard', 'closed', now() - interval '2 hours', now() - interval '1 hour', 'settle-plan-cam', g, $5
         FROM generate_series($3::int, $4::int) g
       RETURNING id, lot_id, plate, plate_certainty)
     INSERT INTO invoices (session_id, lot_id, plate, amount_fen, lines, tariff_id, tariff_version, status, due_at, plate_certain, public_ref)
     SELECT id, lot_id, plate, 500, '[]', 'settle-plan', 1, 'outstanding', now() + interval '7 days', plate_certainty = 'certain', 'settle-plan-' || id
       FROM s RETURNING session_id AS id`,
    [bay.lotId, bay.code, from, to, certainty]);
  return rows.map((r) => Number(r.id));
}

interface PlanNode { 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; 'Rows Removed by Filter'?: number; 'Rows Removed by Join Filter'?: number; Plans?: PlanNode[] }

/** Rows the plan read from `invoices`, and rows it threw away by a filter anywhere. */
function rowsRead(node: PlanNode, acc = { invoices: 0, discarded: 0 }): typeof acc {
  const loops = node['Actual Loops'];
  if (node['Relation Name'] === 'invoices') acc.invoices += (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * loops;
  acc.discarded += ((node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Join Filter'] ?? 0)) * loops;
  for (const p of node.Plans ?? []) rowsRead(p, acc);
  return acc;
}

describe('settling pending plates', () => {
  it(`reads each settled stay's invoice by its stay, not the ${OUTSTANDING} outstanding ones`, async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      // The plan a prepared statement keeps after its fifth run; forced, so the test need not run it five times.
      await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE settle_plan(json, bigint[]) AS ${SETTLE_SQL}`);
      // Planned while the stays waiting for their plate are all the table holds, as early in a run…
      const ids = await closedStays(client, 1, SETTLED, 'pending');
      await client.query(`EXECUTE settle_plan('[]', '{}')`);
      // …and kept while drivers' unpaid invoices pile up.
      await closedStays(client, SETTLED + 1, OUTSTANDING, 'certain');
      const doc = JSON.stringify(ids.map((id) => ({ id, plate: `豫B${String(id).padStart(5, '0')}`, plate_kind: 'standard', plate_certainty: 'certain', status: 'closed' })));
      const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE settle_plan(${client.escapeLiteral(doc)}, '{${ids.join(',')}}')`);
      const plan = (rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0].Plan;
      // Every settled stay's invoice took the plate, and became certain.
      expect(plan['Actual Rows']).toBe(SETTLED);
      const { rows: after } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM invoices WHERE session_id = ANY($1::bigint[]) AND plate LIKE '豫B%' AND plate_certain`, [ids]);
      expect(Number(after[0].n)).toBe(SETTLED);
      // One lookup by stay and one update by id per invoice; what a join throws away is the batch's
      // own rows (at most SETTLED²), never the outstanding invoices (before: 60,010 rows discarded).
      const read = rowsRead(plan);
      expect(read.invoices).toBeLessThanOrEqual(4 * SETTLED);
      expect(read.discarded).toBeLessThanOrEqual(SETTLED * SETTLED);
      await client.query('ROLLBACK');
      await client.query('DEALLOCATE settle_plan');
    } finally {
      client.release();
    }
  });
});
