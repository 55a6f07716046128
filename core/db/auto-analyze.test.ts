// The embedded database analyzes a table once it has grown (auto-analyze.ts), as autovacuum would on
// a server; and a prepared statement planned on the empty table's estimates is planned again.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Database } from './index.ts';
import { openSeededDatabase, type SeededDatabase } from '../../test/seeded-database.ts';
import { analyzeGrown, grownTables, GROWTH, MIN_PAGES } from './auto-analyze.ts';

let seeded: SeededDatabase;
let db: Database;
beforeAll(async () => {
  seeded = await openSeededDatabase('auto-analyze');
  db = seeded.db;
  // The seeded tables as they are, analyzed once: only what the test grows is left to find.
  await analyzeGrown(db.pool, Infinity);
  await db.pool.query(`CREATE TABLE grows (id bigint PRIMARY KEY, status text NOT NULL, pad text NOT NULL)`);
  await db.pool.query(`CREATE INDEX grows_open ON grows (id) WHERE status = 'open'`);
}, 60_000);
afterAll(async () => { await seeded?.close(); });

interface PlanNode { 'Relation Name'?: string; 'Plan Rows': number; Plans?: PlanNode[] }

const pagesOf = async () => (await db.pool.query<{ pages: number; relpages: number; reltuples: number }>(
  `SELECT (pg_relation_size('grows') / 8192)::int AS pages, relpages, reltuples FROM pg_class WHERE relname = 'grows'`)).rows[0];
const fill = (from: number, to: number, status: string, q: Pick<Database['pool'], 'query'> = db.pool) => q.query(
  `INSERT INTO grows SELECT g, $3, repeat('x', 200) FROM generate_series($1::int, $2::int) g`, [from, to, status]);

describe('auto-analyze (embedded database)', () => {
  it('leaves a small table alone, analyzes it once it has grown, and again only after it grows by GROWTH', async () => {
    await fill(1, 10, 'open');
    expect((await grownTables(db.pool)).map((t) => t.name)).not.toContain('grows');

    await fill(11, 3000, 'open');
    expect((await pagesOf()).pages).toBeGreaterThanOrEqual(MIN_PAGES);
    expect((await grownTables(db.pool)).map((t) => t.name)).toContain('grows');
    const analyzed = await analyzeGrown(db.pool);
    expect(analyzed.map((t) => t.name)).toContain('grows');
    const after = await pagesOf();
    expect(after.relpages).toBe(after.pages);
    expect(after.reltuples).toBeGreaterThan(2500);
    expect((await grownTables(db.pool)).map((t) => t.name)).not.toContain('grows');

    // 10 % more: not yet (autovacuum's own threshold is a tenth of the rows; ours GROWTH of the pages).
    await fill(3001, 3300, 'open');
    expect((await grownTables(db.pool)).map((t) => t.name)).not.toContain('grows');
    await fill(3301, Math.ceil(3000 * GROWTH) + 300, 'open');
    expect((await grownTables(db.pool)).map((t) => t.name)).toContain('grows');
  });

  it('a prepared statement planned while the table was empty is planned again once it is analyzed', async () => {
    await db.pool.query('TRUNCATE grows');
    await db.pool.query('ANALYZE grows');
    const client = await db.pool.connect();
    try {
      // Whose rows are these? A join on a column the partial index does not hold, as settling plates had.
      await client.query(`PREPARE grows_lookup(bigint[]) AS
        SELECT g.id FROM unnest($1::bigint[]) AS k(id) JOIN grows g ON g.id + 0 = k.id AND g.status = 'open'`);
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`EXECUTE grows_lookup('{1}')`);
      await fill(1, 20_000, 'paid', client);
      await fill(20_001, 21_000, 'open', client);
      // The rows the kept plan expects from `grows`: its estimate, made when the plan was.
      const expected = async () => {
        const { rows } = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE grows_lookup('{20001,20002}')`);
        const walk = (n: PlanNode): number => (n['Relation Name'] === 'grows' ? n['Plan Rows'] : Math.max(0, ...(n.Plans ?? []).map(walk)));
        return walk(rows[0]['QUERY PLAN'][0].Plan);
      };
      // Planned on the empty table, and kept while 21,000 rows came in.
      expect(await expected()).toBeLessThan(100);
      expect((await analyzeGrown(client, Infinity)).map((t) => t.name)).toContain('grows');
      // Planned again on the analyzed table: a thousand open rows.
      expect(await expected()).toBeGreaterThan(500);
    } finally {
      await client.query('RESET plan_cache_mode');
      await client.query('DEALLOCATE grows_lookup');
      client.release();
    }
  });
});
