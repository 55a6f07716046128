// One leader among processes on a real PostgreSQL server: the second waits, and takes over when the
// first's connection dies (as a killed process's does) or it stops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { followLeader, withAdvisoryLock, type Leadership } from './leader.ts';
import { createScratchDatabase, type ScratchDatabase } from '../load-tests/lib/scratch-database.ts';

const quiet = { info() {}, warn() {}, error() {} };
let db: ScratchDatabase;
beforeAll(async () => { db = await createScratchDatabase('onelot_leader'); });
afterAll(async () => { await db?.drop(); });

const until = async (check: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('followLeader', () => {
  it('lets one lead; when the leader\'s connection is killed it stops, and one leads again within the retry interval', async () => {
    const led: string[] = [];
    const start = (name: string): Leadership => followLeader({
      connectionString: db.url, lockId: 77, retryMs: 100, log: quiet, name,
      lead: () => { led.push(`${name} leads`); return async () => { led.push(`${name} stops`); }; },
    });
    const a = start('a');
    await until(() => a.leading);
    const b = start('b');
    await new Promise((r) => setTimeout(r, 400));
    expect(b.leading).toBe(false);
    // What kill -9 does to the lock: the server ends the holder's session. (test/roles.e2e.test.ts kills a real process.)
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 77 AND granted AND pid <> pg_backend_pid()`);
    await admin.end();
    await until(() => led.includes('a stops'));
    const end = Date.now() + 1_000;
    while (Date.now() < end) {
      expect(a.leading && b.leading).toBe(false); // never two at once
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(a.leading || b.leading).toBe(true);
    expect(led.filter((l) => l.endsWith('leads')).length).toBe(2);
    await a.stop();
    await b.stop();
    // Every lead ended exactly once (a loaded machine may hand the lead over once more before the stops).
    expect(led.filter((l) => l.endsWith('stops')).length).toBe(led.filter((l) => l.endsWith('leads')).length);
  });

  it('hands over on a clean stop', async () => {
    const a = followLeader({ connectionString: db.url, lockId: 78, retryMs: 100, log: quiet, name: 'a', lead: () => async () => {} });
    await until(() => a.leading);
    const b = followLeader({ connectionString: db.url, lockId: 78, retryMs: 100, log: quiet, name: 'b', lead: () => async () => {} });
    await a.stop();
    await until(() => b.leading);
    await b.stop();
  });
});

describe('withAdvisoryLock', () => {
  it('runs one holder at a time', async () => {
    const order: string[] = [];
    const slow = (name: string) => withAdvisoryLock(db.url, 79, async () => {
      order.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 150));
      order.push(`${name} out`);
    });
    await Promise.all([slow('a'), slow('b')]);
    expect(order[1]).toMatch(/out$/);
    expect(order[3]).toMatch(/out$/);
  });
});
