// The embedded TimescaleDB behind pg: large wire messages, concurrent queries, migrations, restarts.
import { describe, it, expect, afterAll } from 'vitest';
import { rmSync } from 'node:fs';
import { openDatabase, migrate } from '../core/db/index.ts';
import { startTestPlatform, connectDevice, publish, nextSeq, tempDataDir } from './helpers.ts';
import { eventsTopic } from '../core/protocol.ts';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('embedded TimescaleDB over the Postgres wire protocol', () => {
  it('carries large batches, many concurrent queries and TimescaleDB features', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const db = await openDatabase({ dataDir: dir });
    try {
      expect(db.mode).toBe('embedded');
      await migrate(db.pool);
      // 5,000-row unnest batch: a ~1 MB wire message (pglite-socket 0.0.19 died on anything over 64 KB).
      const n = 5000;
      const t = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 10, 23, 0, 0, 0, i)).toISOString());
      const payload = Array.from({ length: n }, (_, i) => JSON.stringify({ type: 'heartbeat', i, pad: 'x'.repeat(150) }));
      const res = await db.pool.query(
        `INSERT INTO device_events (event_time, received_at, device_id, seq, type, payload)
         SELECT t, t, 'bulk', s, 'heartbeat', p FROM unnest($1::timestamptz[], $2::bigint[], $3::jsonb[]) AS u(t, s, p)`,
        [t, Array.from({ length: n }, (_, i) => i), payload]);
      expect(res.rowCount).toBe(n);
      // A large result back over the wire.
      const back = await db.pool.query(`SELECT payload FROM device_events WHERE device_id = 'bulk'`);
      expect(back.rows).toHaveLength(n);
      // 300 concurrent queries, each must be answered with its own result.
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => db.pool.query('SELECT $1::int * 2 AS v, count(*) AS n FROM device_events WHERE seq = $1', [i])));
      answers.forEach((a, i) => expect(a.rows[0]).toEqual({ v: i * 2, n: 1 }));
      // Interleaved writes and reads in parallel keep transactions intact.
      await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const c = await db.pool.connect();
        try {
          await c.query('BEGIN');
          await c.query(`INSERT INTO operators (id, name) VALUES ($1, $1)`, [`op-${i}`]);
          await c.query(i % 2 ? 'COMMIT' : 'ROLLBACK');
        } finally { c.release(); }
      }));
      expect(Number((await db.pool.query(`SELECT count(*) AS n FROM operators WHERE id LIKE 'op-%'`)).rows[0].n)).toBe(25);
      // TimescaleDB: hypertable chunks, time_bucket, the continuous aggregate refreshes, policies exist.
      const chunks = await db.pool.query(`SELECT count(*) AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'device_events'`);
      expect(chunks.rows[0].n).toBeGreaterThan(0);
      await db.pool.query(`INSERT INTO lot_occupancy_samples VALUES ('2026-11-23T01:00:00Z', 'L1', 3, 7, 0), ('2026-11-23T01:05:00Z', 'L1', 5, 5, 0)`);
      await db.pool.query(`CALL refresh_continuous_aggregate('lot_occupancy_15m', NULL, NULL)`);
      const agg = await db.pool.query(`SELECT bucket, avg_occupied, min_free FROM lot_occupancy_15m WHERE lot_id = 'L1'`);
      expect(agg.rows).toEqual([{ bucket: new Date('2026-11-23T01:00:00Z'), avg_occupied: 6, min_free: 3 }]);
      const jobs = await db.pool.query(`SELECT proc_name FROM timescaledb_information.jobs WHERE hypertable_name IN ('device_events', 'lot_occupancy_15m') ORDER BY 1`);
      expect(jobs.rows.map((r) => r.proc_name)).toEqual(['policy_compression', 'policy_refresh_continuous_aggregate', 'policy_retention']);
    } finally {
      await db.close();
    }
  });

  it('runs the retention and compression policies when asked (the embedded database has no job scheduler)', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const db = await openDatabase({ dataDir: dir });
    try {
      await migrate(db.pool);
      await db.pool.query(`INSERT INTO device_events VALUES
        (now() - interval '200 days', now(), 'd', 1, 'heartbeat', NULL, NULL, '{}'),
        (now() - interval '10 days', now(), 'd', 2, 'heartbeat', NULL, NULL, '{}'),
        (now(), now(), 'd', 3, 'heartbeat', NULL, NULL, '{}')`);
      // What api's node-cron job does every hour (billing/extras.ts scheduleBillingJobs).
      const { rows: jobs } = await db.pool.query(`SELECT job_id FROM timescaledb_information.jobs WHERE proc_name IN ('policy_compression', 'policy_retention')`);
      for (const j of jobs) await db.pool.query(`CALL run_job(${Number(j.job_id)})`);
      const { rows } = await db.pool.query(`SELECT seq FROM device_events ORDER BY seq`);
      expect(rows.map((r) => r.seq)).toEqual([2, 3]); // older than 90 days: dropped
      const chunks = await db.pool.query(`SELECT range_end < now() - interval '7 days' AS old, is_compressed FROM timescaledb_information.chunks WHERE hypertable_name = 'device_events' ORDER BY range_start`);
      expect(chunks.rows).toEqual([{ old: true, is_compressed: true }, { old: false, is_compressed: false }]);
    } finally {
      await db.close();
    }
  });

  it('a failed migration names its file', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const db = await openDatabase({ dataDir: dir });
    try {
      await migrate(db.pool);
      // Sabotage: forget that the migrations ran, so 001 runs again against existing tables.
      await db.pool.query(`DELETE FROM schema_version WHERE version >= 1`);
      await expect(migrate(db.pool)).rejects.toThrow(/Migration failed in migrations\/001\.do\.core-schema\.sql/);
    } finally {
      await db.close();
    }
  });

  it('still starts on a database migrated before 001 and 008 gained their DO blocks (their released checksums)', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const db = await openDatabase({ dataDir: dir });
    try {
      await migrate(db.pool);
      const current = (await db.pool.query(`SELECT version, md5 FROM schema_version WHERE version IN (1, 8) ORDER BY version`)).rows;
      // As main's migrations left them until the plain-PostgreSQL mode (core/db/migrate.ts EDITED).
      await db.pool.query(`UPDATE schema_version SET md5 = CASE version WHEN 1 THEN '52a841c9503a338b9cf8a16650691d31' ELSE 'a57fc93d4bdf84fb179618eb44ef83d5' END WHERE version IN (1, 8)`);
      expect(await migrate(db.pool)).toBe(0);
      expect((await db.pool.query(`SELECT version, md5 FROM schema_version WHERE version IN (1, 8) ORDER BY version`)).rows).toEqual(current);
      // Any other checksum is still refused: the file changed in a way nobody recorded.
      await db.pool.query(`UPDATE schema_version SET md5 = 'ffffffffffffffffffffffffffffffff' WHERE version = 1`);
      await expect(migrate(db.pool)).rejects.toThrow(/MD5 checksum failed for migration \[1\]/);
    } finally {
      await db.close();
    }
  });

  it('keeps all data across a restart', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    let p = await startTestPlatform({ dataDir: dir });
    const d = p.device((x) => x.kind === 'bay-sensor');
    const c = await connectDevice(p, d);
    const seqs = Array.from({ length: 20 }, () => nextSeq());
    for (const seq of seqs) await publish(c, eventsTopic(d.id), { type: 'occupancy', seq, ts: new Date().toISOString(), occupied: seq % 2 === 0 });
    await c.endAsync();
    const lotsBefore = (await p.db.pool.query('SELECT * FROM lot_availability ORDER BY lot_id')).rows;
    await p.stop();

    p = await startTestPlatform({ dataDir: dir });
    try {
      const stored = await p.db.pool.query('SELECT seq FROM device_events WHERE device_id = $1 ORDER BY seq', [d.id]);
      expect(stored.rows.map((r) => r.seq)).toEqual(seqs);
      const state = (await p.db.pool.query('SELECT occupied FROM bay_state WHERE bay_code = $1', [d.bayCode])).rows[0];
      expect(state.occupied).toBe(seqs[seqs.length - 1] % 2 === 0);
      expect((await p.db.pool.query('SELECT * FROM lot_availability ORDER BY lot_id')).rows).toEqual(lotsBefore);
      // Same secrets still work (the seed ran once).
      const again = await connectDevice(p, d);
      await again.endAsync();
    } finally {
      await p.stop();
    }
  });
});
