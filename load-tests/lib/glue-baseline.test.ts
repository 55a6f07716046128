// The glue baseline of bench:ingest, briefly and for real: a Mosquitto 2 of its own on a free port,
// the Node subscriber, a scratch database on the machine's PostgreSQL. It checks that what the
// broker acknowledged ends up stored and that everything it started is gone after; never the rate.
import { describe, it, expect } from 'vitest';
import pg from 'pg';
import { runGlueBaseline } from './glue-baseline.ts';
import { LOCAL_SERVER_URL } from './scratch-database.ts';

describe('bench:ingest glue baseline (smoke)', () => {
  it('stores every message Mosquitto acknowledged, then stops its broker and drops its database', async () => {
    const devices = Array.from({ length: 20 }, (_, i) => ({ id: `glue-smoke-${i}`, secret: 'unused: anonymous broker' }));
    const glue = await runGlueBaseline({ serverUrl: LOCAL_SERVER_URL, devices, seconds: 1, window: 1, batchMax: 2000, batchWaitMs: 5 });
    expect(glue.acked).toBeGreaterThan(0);
    expect(glue).toMatchObject({ stored: glue.acked, caughtUp: true, publishErrors: 0 });
    expect(glue.storedPerSecond).toBeGreaterThan(0);
    const c = new pg.Client({ connectionString: LOCAL_SERVER_URL });
    await c.connect();
    try {
      expect((await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'onelot_bench_glue_${process.pid}_%'`)).rows).toEqual([]);
    } finally {
      await c.end();
    }
  }, 60_000);
});
