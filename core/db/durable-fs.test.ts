// Durable means on disk: every commit of the embedded database fdatasync()s the WAL segment it wrote
// before COMMIT answers, once per transaction however many rows it holds, and a read syncs nothing.
// The database runs in this thread here (not the worker) so the test can watch node:fs itself.
import { describe, it, expect, vi, afterAll, beforeAll } from 'vitest';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-durable-'));
let db: EmbeddedDatabase;
let client: pg.Client;
/** Paths handed to fdatasync/fsync since the last take(). */
const synced: string[] = [];
const take = () => synced.splice(0);

beforeAll(async () => {
  db = await startEmbeddedDatabase(path.join(dir, 'pg'));
  client = new pg.Client(db.connection);
  await client.connect();
  await client.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
  // Watch the real syscalls from here on; /proc/self/fd names the file behind each descriptor.
  const name = (fd: number) => fs.readlinkSync(`/proc/self/fd/${fd}`);
  const fdatasync = fs.fdatasyncSync;
  vi.spyOn(fs, 'fdatasyncSync').mockImplementation((fd) => { synced.push(name(fd)); fdatasync(fd); });
  const fsync = fs.fsyncSync;
  vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => { synced.push(name(fd)); fsync(fd); });
}, 240_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await client?.end();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded database durability (core/db/durable-fs.ts)', () => {
  it('syncs the WAL segment to disk before an autocommit INSERT answers', async () => {
    take();
    const before = db.syncs!();
    await client.query(`INSERT INTO t VALUES (1, 'a')`);
    const paths = take();
    expect(paths.length).toBeGreaterThanOrEqual(1);
    expect(paths.every((p) => p.includes(`${path.sep}pg_wal${path.sep}`))).toBe(true);
    expect(paths[0]).toContain(path.join(dir, 'pg', 'pg_wal'));
    const after = db.syncs!();
    expect(after.wal - before.wal).toBe(paths.length);
    expect(after.lastWalSyncAtMs).toBeGreaterThanOrEqual(before.lastWalSyncAtMs);
  });

  it('syncs once per transaction, not once per row (group commit)', async () => {
    take();
    await client.query('BEGIN');
    for (let i = 0; i < 200; i++) await client.query('INSERT INTO t VALUES ($1, $2)', [100 + i, 'x'.repeat(100)]);
    expect(take()).toEqual([]); // nothing is synced before COMMIT…
    await client.query('COMMIT');
    const paths = take();
    expect(paths.length).toBeGreaterThanOrEqual(1); // …and then the WAL is, before COMMIT answers
    expect(paths.length).toBeLessThanOrEqual(2); // one flush (two if it crossed into a new segment)
  });

  it('syncs nothing for a read, nor for a rolled-back transaction', async () => {
    take();
    await client.query('SELECT count(*) FROM t');
    await client.query('BEGIN');
    await client.query(`INSERT INTO t VALUES (9999, 'gone')`);
    await client.query('ROLLBACK');
    expect(take()).toEqual([]);
  });

  it('makes a checkpoint sync the data files too', async () => {
    take();
    await client.query('CHECKPOINT');
    const paths = take();
    expect(paths.some((p) => p.includes(`${path.sep}base${path.sep}`))).toBe(true);
    expect(db.syncs!().other).toBeGreaterThan(0);
  });
});
