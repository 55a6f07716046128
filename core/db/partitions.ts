// The time-partitioned tables on plain PostgreSQL (core/db/engine.ts): what TimescaleDB does for its
// hypertables, done by a job. Per policy (migrations/postgres/003, time_partition_policies):
//   - partitions are made ahead (`premake` of them from now on), and for any period whose rows sit
//     in the default partition (a late or old event, a dead jobs process): those rows move into it;
//   - partitions wholly older than `drop_after` are dropped, and the default's rows that old deleted.
// Partitions are made apart and ATTACHed: ATTACH PARTITION takes only a SHARE UPDATE EXCLUSIVE lock
// on the parent, so ingest writes on, where CREATE TABLE … PARTITION OF would lock them out. A DROP
// needs the parent's ACCESS EXCLUSIVE lock, held for milliseconds, but waiting for it queues every
// writer behind it: a short lock_timeout gives up instead, and the next run retries.
// pg_partman does this too, but is not on this machine's PostgreSQL nor on many managed services.
import pg from 'pg';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

/** TimescaleDB's bucket origin (a Monday, UTC): weekly partitions start on Mondays, as its chunks. */
const ORIGIN = '2000-01-03T00:00:00Z';
/** How long DDL waits for a table lock before giving up until the next run. */
const LOCK_TIMEOUT = '2s';

export interface PartitionReport {
  created: string[];
  dropped: string[];
  /** Rows moved out of a default partition into a partition made for them. */
  moved: number;
  /** Rows past retention deleted from a default partition. */
  expired: number;
  /** Partitions that could not be made or dropped now (a lock not granted in time): retried next run. */
  deferred: string[];
}

interface Policy {
  table_name: string;
  time_column: string;
  part_interval: string;
  premake: number;
  drop_after: string | null;
}

/** Bring every time-partitioned table to its policy as of `now`. No policies (TimescaleDB): nothing to do. */
export async function maintainPartitions(pool: pg.Pool, now = new Date()): Promise<PartitionReport> {
  const report: PartitionReport = { created: [], dropped: [], moved: 0, expired: 0, deferred: [] };
  const { rows: [{ exists }] } = await pool.query(`SELECT to_regclass('time_partition_policies') IS NOT NULL AS exists`);
  if (!exists) return report;
  const { rows: policies } = await pool.query<Policy>(
    `SELECT table_name, time_column, part_interval::text, premake, drop_after::text FROM time_partition_policies ORDER BY table_name`);
  for (const p of policies) {
    for (const part of await missingPartitions(pool, p, now)) {
      const moved = await tryDdl(pool, report, part.name, (c) => createPartition(c, p, part));
      if (moved !== undefined && moved >= 0) { report.created.push(part.name); report.moved += moved; }
    }
    if (p.drop_after === null) continue;
    for (const name of await expiredPartitions(pool, p, now)) {
      const done = await tryDdl(pool, report, name, async (c) => { await c.query(`DROP TABLE IF EXISTS ${ident(name)}`); return 0; });
      if (done !== undefined) report.dropped.push(name);
    }
    const { rowCount } = await pool.query(
      `DELETE FROM ${ident(`${p.table_name}_default`)} WHERE ${ident(p.time_column)} < $1::timestamptz - $2::interval`, [now, p.drop_after]);
    report.expired += rowCount ?? 0;
  }
  return report;
}

interface Period { name: string; from: Date; to: Date }

/** Periods that should have a partition and have none: the next `premake` from now, and those of rows in the default (within retention). */
async function missingPartitions(pool: pg.Pool, p: Policy, now: Date): Promise<Period[]> {
  const col = ident(p.time_column);
  const { rows } = await pool.query<{ from: Date; to: Date; name: string }>(
    `WITH wanted AS (
       SELECT date_bin($2::interval, $1::timestamptz + n * $2::interval, $3::timestamptz) AS start FROM generate_series(0, $4 - 1) n
       UNION
       SELECT DISTINCT date_bin($2::interval, ${col}, $3::timestamptz) FROM ${ident(`${p.table_name}_default`)}
        WHERE $5::interval IS NULL OR ${col} >= $1::timestamptz - $5::interval
     ), named AS (
       SELECT start, start + $2::interval AS stop, $6 || '_p' || to_char(start AT TIME ZONE 'UTC', 'YYYYMMDD') AS name FROM wanted
     )
     SELECT start AS "from", stop AS "to", name FROM named
      WHERE NOT EXISTS (SELECT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                         WHERE i.inhparent = $6::regclass AND c.relname = named.name)
      ORDER BY start`,
    [now, p.part_interval, ORIGIN, p.premake, p.drop_after, p.table_name]);
  return rows;
}

/**
 * Make the partition apart, move the default's rows of its period into it, then attach it: one
 * transaction. -1 when another process made it first.
 */
async function createPartition(c: pg.PoolClient, p: Policy, part: Period): Promise<number> {
  const { rows: [{ exists }] } = await c.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [part.name]);
  if (exists) return -1;
  const [table, name, def, col] = [ident(p.table_name), ident(part.name), ident(`${p.table_name}_default`), ident(p.time_column)];
  const [from, to] = [literal(part.from.toISOString()), literal(part.to.toISOString())];
  await c.query(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  // The constraint ATTACH would otherwise prove by scanning the new table.
  await c.query(`ALTER TABLE ${name} ADD CONSTRAINT ${ident(`${part.name}_range`)} CHECK (${col} >= ${from} AND ${col} < ${to})`);
  const moved = await c.query(`WITH m AS (DELETE FROM ${def} WHERE ${col} >= ${from} AND ${col} < ${to} RETURNING *) INSERT INTO ${name} SELECT * FROM m`);
  await c.query(`ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM (${from}) TO (${to})`);
  await c.query(`ALTER TABLE ${name} DROP CONSTRAINT ${ident(`${part.name}_range`)}`); // the partition's own bound says it now
  return moved.rowCount ?? 0;
}

/** Partitions whose whole range is older than the policy keeps (their upper bound read from the catalog). */
async function expiredPartitions(pool: pg.Pool, p: Policy, now: Date): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT name FROM (
       SELECT c.relname AS name, substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \\(''([^'']+)''\\)')::timestamptz AS stop
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = $1::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT') b
      WHERE stop <= $2::timestamptz - $3::interval ORDER BY stop`,
    [p.table_name, now, p.drop_after]);
  return rows.map((r) => r.name);
}

/** Run DDL in a transaction with a short lock timeout; a lock not granted defers it (undefined), other errors throw. */
async function tryDdl(pool: pg.Pool, report: PartitionReport, what: string, ddl: (c: pg.PoolClient) => Promise<number>): Promise<number | undefined> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
    // Several processes may run this job (until one holds the jobs lock): one at a time, each
    // seeing what the one before made.
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('onelot time partitions'))`);
    const n = await ddl(c);
    await c.query('COMMIT');
    return n;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    if ((err as { code?: string }).code === '55P03') { report.deferred.push(what); return undefined; } // lock_not_available
    throw err;
  } finally {
    c.release();
  }
}
