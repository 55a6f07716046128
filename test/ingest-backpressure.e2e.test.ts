// A stalled database must not turn into memory: with the database's one connection held, a device
// that keeps publishing QoS 1 is read only until INGEST_BACKLOG_MAX messages wait to be committed;
// then the broker stops reading (ingest/read-gate.ts) and the rest waits in TCP, on the device's
// side. Once the database answers, reading resumes by itself and every message is stored once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, connectDevice, waitFor, nextSeq, type TestPlatform } from './helpers.ts';

const BACKLOG_MAX = 40;
const SENT = 3000;

describe('ingest under a stalled database', () => {
  let p: TestPlatform;
  beforeAll(async () => { p = await startTestPlatform({ env: { INGEST_BACKLOG_MAX: String(BACKLOG_MAX) } }); }, 120_000);
  afterAll(async () => { await p?.destroy(); });

  it('stops reading at INGEST_BACKLOG_MAX, resumes when the database answers, loses nothing', async (ctx) => {
    // The stall below holds the embedded pool's one connection; on a server (ONELOT_TEST_ON_POSTGRES)
    // the writer has others: `npm run chaos -- --scenario stall` stalls a server with a table lock.
    if (p.db.mode !== 'embedded') return ctx.skip();
    const sensor = p.device((d) => d.kind === 'bay-sensor');
    const client = await connectDevice(p, sensor);
    // The stall: the pool's only connection is ours until released (the writer waits for it).
    const held = await p.db.pool.connect();
    let acked = 0;
    const seqs = Array.from({ length: SENT }, () => nextSeq());
    const all = Promise.all(seqs.map((seq) => new Promise<void>((resolve, reject) => client.publish(
      `devices/${sensor.id}/events`, JSON.stringify({ type: 'heartbeat', seq, ts: new Date().toISOString(), battery: 3.5 }), { qos: 1 },
      (err) => (err ? reject(err) : (acked++, resolve()))))));
    await waitFor(() => p.metrics.ingestReadingPaused.get().then((g) => g.values[0]?.value === 1), 10_000, 'reading to pause');
    // Let the device keep pushing for a while: nothing more is read, nothing is acknowledged.
    await new Promise((r) => setTimeout(r, 500));
    const backlog = p.broker.writer.backlog;
    expect(backlog).toBeGreaterThanOrEqual(BACKLOG_MAX);
    // What was being read when the gate closed comes on top: one socket read at most (64 KiB, ~550
    // of these heartbeats); the other ~2,400 messages wait in TCP.
    expect(backlog).toBeLessThan(BACKLOG_MAX + 600);
    expect(acked).toBe(0);

    held.release();
    await all;
    expect(acked).toBe(SENT);
    expect((await p.metrics.ingestReadingPaused.get()).values[0]?.value).toBe(0);
    const { rows } = await p.db.pool.query<{ n: number; distinct_seqs: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct_seqs FROM device_events WHERE device_id = $1 AND seq = ANY($2::bigint[])', [sensor.id, seqs]);
    expect(rows[0]).toEqual({ n: SENT, distinct_seqs: SENT });
    client.end(true);
  }, 60_000);
});
