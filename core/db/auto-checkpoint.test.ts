// The embedded database has no checkpointer (auto-checkpoint.ts): left alone it keeps every byte of
// WAL since it opened. These write well past PGlite's max_wal_size (64 MB in its configuration) and
// check both that nothing checkpoints by itself and that the auto-checkpoint does, freeing the WAL.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './index.ts';
import { checkpointDue, startAutoCheckpoint, walSinceCheckpoint, type WalSinceCheckpoint } from './auto-checkpoint.ts';

const MB = 1024 * 1024;
let dir: string;
let db: Database;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-auto-checkpoint-'));
  db = await openDatabase({ dataDir: dir });
  await db.pool.query(`CREATE TABLE wal_filler (id bigint PRIMARY KEY, pad text NOT NULL)`);
}, 60_000);
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes about `mb` MB of WAL: rows inserted, then updated (a new version each). */
async function writeWal(mb: number): Promise<void> {
  const written = async () => Number((await db.pool.query(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint AS b`)).rows[0].b);
  const start = await written();
  for (let round = 0; (await written()) - start < mb * MB; round++) {
    await db.pool.query(`INSERT INTO wal_filler SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, 20000) g
      ON CONFLICT (id) DO UPDATE SET pad = repeat(md5(excluded.pad || $1), 30)`, [round]);
  }
}
const walFiles = () => readdirSync(path.join(dir, 'pg', 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f)).length;

describe('auto-checkpoint (embedded database)', () => {
  it('says when a checkpoint is due: enough WAL, or old enough with any WAL at all', () => {
    const o = { walBytes: 100 * MB, everyMs: 300_000 };
    expect(checkpointDue({ bytes: 100 * MB, ageMs: 1_000 }, o)).toBe(true);
    expect(checkpointDue({ bytes: 99 * MB, ageMs: 299_000 }, o)).toBe(false);
    expect(checkpointDue({ bytes: 2 * MB, ageMs: 300_000 }, o)).toBe(true);
    expect(checkpointDue({ bytes: 104, ageMs: 3_600_000 }, o)).toBe(false); // an idle database: only the last checkpoint's own record
  });

  it('left alone, never checkpoints however much WAL it writes; the auto-checkpoint does, and the WAL stops growing', async () => {
    const before = await walSinceCheckpoint(db.pool);
    await writeWal(80);
    const grown = await walSinceCheckpoint(db.pool);
    // Past max_wal_size (64 MB), where a server's checkpointer would long have run: still the same checkpoint.
    expect(grown.bytes).toBeGreaterThan(before.bytes + 70 * MB);
    expect(grown.ageMs).toBeGreaterThanOrEqual(before.ageMs);
    expect(walFiles()).toBeGreaterThan(70); // 1 MB segments, all kept

    const seen: Array<{ w: WalSinceCheckpoint; ms: number }> = [];
    const auto = startAutoCheckpoint(db.pool, (w, ms) => seen.push({ w, ms }), { lookEveryMs: 50, walBytes: 32 * MB, everyMs: 300_000 });
    try {
      for (let i = 0; i < 100 && !seen.length; i++) await new Promise((r) => setTimeout(r, 50));
      expect(seen).toHaveLength(1);
      expect(seen[0].w.bytes).toBeGreaterThanOrEqual(grown.bytes);
      const after = await walSinceCheckpoint(db.pool);
      expect(after.bytes).toBeLessThan(1 * MB);
      expect(after.ageMs).toBeLessThan(grown.ageMs);

      // Another 100 MB, with checkpoints as it goes: the old segments are reused, not added to.
      await writeWal(100);
      for (let i = 0; i < 100 && (await walSinceCheckpoint(db.pool)).bytes >= 32 * MB; i++) await new Promise((r) => setTimeout(r, 50));
      expect(seen.length).toBeGreaterThanOrEqual(3);
      // Without them all 100 MB since the first checkpoint would be kept: at least 100 files of 1 MB.
      expect(walFiles()).toBeLessThan(100);
    } finally { auto.stop(); }
  }, 120_000);
});
