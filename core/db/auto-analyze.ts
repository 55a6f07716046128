// What autovacuum's analyze does on a PostgreSQL server, for the embedded database, which runs no
// autovacuum: a table that has grown is analyzed again, so the planner's estimates follow the data.
// Without it every table keeps the estimates of an empty one, and a prepared statement keeps the
// plan made on its first runs. At city scale those plans grew with the tables: settling kerb plates
// walked every outstanding invoice per stay (5 → 93 ms a batch in minutes), closing sessions 6 →
// 22 ms, the auto-charger's pass 4 → 21 ms, all on the thread every device message waits for.
// Analyzing invalidates those plans; the next runs plan again on the new estimates.
import type pg from 'pg';

/** A pool, or a client checked out of one. */
type Queryable = Pick<pg.ClientBase, 'query'>;

/** How often the tables' sizes are looked at. */
export const AUTO_ANALYZE_EVERY_MS = 60_000;
/** Analyzed again once a table is this much bigger than when last analyzed (autovacuum's default scale factor is 0.1 of rows). */
export const GROWTH = 1.2;
/** Smaller tables (in 8 KB pages) are left alone: their plans cost little whatever they are. */
export const MIN_PAGES = 16;
/** At most this many tables a pass: each holds the one connection ingest shares for ~50–150 ms. */
const TABLES_PER_PASS = 2;
// A tenth of PostgreSQL's default sample (3,000 rows, not 30,000): enough for row counts and the
// commonest values, which is what the plans here turn on; 50–130 ms for a 150,000-row table here,
// against 0.4–0.7 s at the default.
const STATISTICS_TARGET = 10;

export interface GrownTable { name: string; pages: number; analyzedPages: number }

/** Tables of the application's schema at least MIN_PAGES big and GROWTH times bigger than when last analyzed, most grown first. */
export async function grownTables(pool: Queryable): Promise<GrownTable[]> {
  // relpages is what the last ANALYZE saw (0 if never); pg_relation_size is now.
  const { rows } = await pool.query<{ name: string; pages: number; analyzed_pages: number }>(
    `SELECT c.oid::regclass::text AS name, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages, c.relpages AS analyzed_pages
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname = 'public'`);
  return rows
    .filter((r) => r.pages >= MIN_PAGES && r.pages >= GROWTH * r.analyzed_pages)
    .map((r) => ({ name: r.name, pages: r.pages, analyzedPages: r.analyzed_pages }))
    .sort((a, b) => b.pages / Math.max(1, b.analyzedPages) - a.pages / Math.max(1, a.analyzedPages));
}

/** Analyze the most grown tables (at most `limit`: a pass while ingest runs takes TABLES_PER_PASS); returns what was analyzed. */
export async function analyzeGrown(pool: Queryable, limit = TABLES_PER_PASS): Promise<GrownTable[]> {
  const grown = (await grownTables(pool)).slice(0, limit);
  for (const t of grown) {
    // One simple query: the smaller sample for this ANALYZE only (SET LOCAL), one round trip.
    await pool.query(`BEGIN; SET LOCAL default_statistics_target = ${STATISTICS_TARGET}; ANALYZE ${t.name}; COMMIT`);
  }
  return grown;
}

/** Every AUTO_ANALYZE_EVERY_MS, analyzeGrown; errors (a pool closing, a table dropped meanwhile) wait for the next pass. */
export function startAutoAnalyze(pool: pg.Pool, onAnalyzed?: (tables: GrownTable[], ms: number) => void): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const started = performance.now();
    analyzeGrown(pool)
      .then((tables) => { if (tables.length) onAnalyzed?.(tables, performance.now() - started); })
      .catch(() => {})
      .finally(() => { running = false; });
  }, AUTO_ANALYZE_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
