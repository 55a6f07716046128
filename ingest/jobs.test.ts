// The dead letters' retention, against the embedded database with the real migrations.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, migrate, type Database } from '../core/db/index.ts';
import { purgeDeadLetters, ingestJobs, DEAD_LETTER_RETENTION_DAYS } from './jobs.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-jobs-'));
let db: Database;
beforeAll(async () => { db = await openDatabase({ dataDir: dir }); await migrate(db.pool); }, 60_000);
afterAll(async () => { await db?.close(); rmSync(dir, { recursive: true, force: true }); });

/** `n` dead letters received `daysAgo` days ago, tagged with `reason`. */
const insert = (n: number, daysAgo: number, reason: string) => db.pool.query(
  `INSERT INTO dead_letters (received_at, device_id, topic, reason, payload)
   SELECT now() - make_interval(days => $2), 'd', 't', $3, '{}' FROM generate_series(1, $1)`, [n, daysAgo, reason]);
const reasons = async () => (await db.pool.query(`SELECT reason, count(*)::int AS n FROM dead_letters GROUP BY reason ORDER BY reason`)).rows;

describe('dead-letter retention', () => {
  it('deletes the letters older than the retention in bounded batches and keeps the rest', async () => {
    await insert(7, DEAD_LETTER_RETENTION_DAYS + 1, 'old');
    await insert(3, DEAD_LETTER_RETENTION_DAYS - 1, 'recent');
    expect(await purgeDeadLetters(db.pool, DEAD_LETTER_RETENTION_DAYS, 3)).toBe(7);
    expect(await reasons()).toEqual([{ reason: 'recent', n: 3 }]);
    expect(await purgeDeadLetters(db.pool)).toBe(0);
  });

  it('runs as a scheduled ingest job', async () => {
    await insert(2, 365, 'ancient');
    const job = ingestJobs({ markUnknown: async () => {} }).find((j) => j.name === 'dead-letter retention')!;
    await job.run({ pool: db.pool } as Parameters<typeof job.run>[0]);
    expect(await reasons()).toEqual([{ reason: 'recent', n: 3 }]);
  });
});
