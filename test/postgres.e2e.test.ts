// OneLot on a plain PostgreSQL 15 server without TimescaleDB (the machine's, in a database of its
// own): native partitions instead of hypertables, retention by dropping partitions, OneLot's own
// occupancy rollup instead of the continuous aggregate (core/db/engine.ts). The behaviour that
// depends on how events are stored, end to end: devices over MQTT to the map, a gate session and
// its invoice, the hourly figures, the analytics, retention.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestPlatform, connectDevice, consoleToken, publish, waitFor, getJson, nextSeq, hourlyStatsBothWays, type TestPlatform } from './helpers.ts';
import { createScratchDatabase, type ScratchDatabase } from '../load-tests/lib/scratch-database.ts';
import { eventsTopic } from '../core/protocol.ts';
import { loadConfig } from '../core/config.ts';
import { migrate, maintainPartitions } from '../core/db/index.ts';
import { billingModule } from '../billing/index.ts';
import { analyticsModule } from '../analytics/index.ts';
import { ensureBillingSeed } from '../seed/billing-seed.ts';
import { foldHourlyDeltas } from '../analytics/hourly-stats.ts';
import { ingestJobs } from '../ingest/jobs.ts';
import type { ModuleContext } from '../core/module.ts';

const DAY = 86_400_000;
let database: ScratchDatabase;
let p: TestPlatform;

beforeAll(async () => {
  database = await createScratchDatabase('onelot_pg_e2e');
  p = await startTestPlatform({
    env: { DATABASE_URL: database.url },
    modules: [billingModule(loadConfig({}), { ensureTariffs: ensureBillingSeed }), analyticsModule()],
  });
}, 120_000);
afterAll(async () => {
  await p?.destroy();
  await database?.drop();
});

const q = async (sql: string, params: unknown[] = []) => (await p.db.pool.query(sql, params)).rows;
/** The partition each matching row of device_events is stored in. */
const partitionsOf = async (where: string, params: unknown[]) =>
  (await q(`SELECT tableoid::regclass::text AS part FROM device_events WHERE ${where} ORDER BY event_time`, params)).map((r) => r.part as string);
const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10).replaceAll('-', '');

describe('a plain PostgreSQL 15 server (no TimescaleDB)', () => {
  it('is migrated into native partitions, and the platform says which mode it runs in', async () => {
    expect(p.db).toMatchObject({ mode: 'external', engine: 'postgres' });
    expect(await q(`SELECT extname FROM pg_extension WHERE extname = 'timescaledb'`)).toEqual([]);
    expect(Number((await q(`SELECT current_setting('server_version_num') AS v`))[0].v)).toBeGreaterThanOrEqual(150_000);
    const parents = await q(`SELECT c.relname, pg_get_partkeydef(c.oid) AS key FROM pg_partitioned_table t JOIN pg_class c ON c.oid = t.partrelid ORDER BY 1`);
    expect(parents).toEqual([{ relname: 'device_events', key: 'RANGE (event_time)' }, { relname: 'lot_occupancy_samples', key: 'RANGE ("time")' }]);
    // Today's and the next days' partitions were made at start, beside the default partition.
    const parts = (await q(`SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'device_events'::regclass ORDER BY 1`)).map((r) => r.name);
    expect(parts).toEqual(expect.arrayContaining(['device_events_default', `device_events_p${utcDay(Date.now())}`, `device_events_p${utcDay(Date.now() + 6 * DAY)}`]));
    expect(await migrate(p.db.pool)).toBe(0); // a second start applies nothing
    const metrics = await (await fetch(`${p.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^onelot_database_info\{mode="external",engine="postgres"\} 1$/m);
  });

  it('stores a sensor\'s report in today\'s partition and shows it on the map', async () => {
    const d = p.device((x) => x.kind === 'bay-sensor');
    const client = await connectDevice(p, d);
    try {
      const before = (await getJson(p, `/api/v1/lots/${d.lotId}`)).body.lot;
      const report = { type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: true, battery: 3.6 };
      const seq = report.seq;
      await publish(client, eventsTopic(d.id), report);
      await publish(client, eventsTopic(d.id), report); // a repeat: stored once
      expect(await partitionsOf('device_id = $1 AND seq = $2', [d.id, seq])).toEqual([`device_events_p${utcDay(Date.now())}`]);
      const lot = await waitFor(async () => {
        const { body } = await getJson(p, `/api/v1/lots/${d.lotId}`);
        return body.lot.occupied === before.occupied + 1 ? body : null;
      }, 2000, 'the map to show the bay occupied');
      expect(lot.bays.find((b: { code: string }) => b.code === d.bayCode)).toMatchObject({ occupied: true });
    } finally {
      await client.endAsync();
    }
  });

  it('bills a gate session from events two weeks old, keeps the hourly figures exact and reports them', async () => {
    const gateDev = p.device((x) => x.kind === 'gate-camera');
    const gate = await connectDevice(p, gateDev);
    // Garage tariff, a Tuesday 10:00–12:00 local: first hour ¥5.00 + one later hour ¥1.50 (as test/sessions.e2e.test.ts).
    const d = new Date(Date.now() - 14 * DAY);
    d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 5) % 7));
    const tuesday = d.toISOString().slice(0, 10);
    const msg = (direction: 'in' | 'out', ts: string) => ({ type: 'gate', seq: nextSeq(), ts, direction, plate: '豫A54321', plateColor: 'blue', confidence: 0.95 });
    try {
      await publish(gate, eventsTopic(gateDev.id), msg('in', `${tuesday}T10:00:00+08:00`));
      await publish(gate, eventsTopic(gateDev.id), msg('out', `${tuesday}T12:00:00+08:00`));
    } finally {
      await gate.endAsync();
    }
    expect(await q(`SELECT status FROM sessions WHERE plate = '豫A54321'`)).toEqual([{ status: 'closed' }]);
    expect(await q(`SELECT amount_fen FROM invoices WHERE plate = '豫A54321'`)).toEqual([{ amount_fen: 650 }]);
    // No partition of that day was made ahead: the events wait in the default partition until the
    // maintenance makes their day's partition and moves them in.
    expect(await partitionsOf('device_id = $1', [gateDev.id])).toEqual(['device_events_default', 'device_events_default']);
    const made = await maintainPartitions(p.db.pool);
    expect(made).toMatchObject({ created: [`device_events_p${tuesday.replaceAll('-', '')}`], moved: 2, deferred: [] });
    expect(await partitionsOf('device_id = $1', [gateDev.id])).toEqual([`device_events_p${tuesday.replaceAll('-', '')}`, `device_events_p${tuesday.replaceAll('-', '')}`]);

    expect(await foldHourlyDeltas(p.db.pool)).toBeGreaterThan(0);
    const { kept, fromRows } = await hourlyStatsBothWays(p.db.pool);
    expect(kept).toEqual(fromRows);
    const owner = (await q('SELECT operator_id FROM lots WHERE id = $1', [gateDev.lotId]))[0].operator_id;
    const token = await consoleToken(p, { operatorId: owner, account: `${owner}-pg` });
    const res = await fetch(`${p.httpUrl}/api/v1/operator/analytics?lotId=${gateDev.lotId}&from=${tuesday}T00:00:00Z&to=${new Date().toISOString()}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report.totals).toMatchObject({ sessions: 1, closed: 1, invoicedFen: 650, avgStayMinutes: 120 });
  });

  it('rolls occupancy up into 15-minute buckets that read as the live computation did', async () => {
    // Two samples in one bucket three hours back, one an hour back, one ten days back.
    await q(`WITH b AS (SELECT date_bin(interval '15 minutes', now() - interval '3 hours', timestamptz '2000-01-03') AS t)
      INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown)
      SELECT t + interval '1 minute', 'PG-L1', 3, 7, 0 FROM b UNION ALL SELECT t + interval '6 minutes', 'PG-L1', 5, 5, 0 FROM b
      UNION ALL VALUES (now() - interval '1 hour', 'PG-L1', 8, 2, 0), (now() - interval '10 days', 'PG-L1', 10, 0, 0)`);
    const read = () => q(`SELECT bucket, avg_occupied, max_occupied, min_free, avg_capacity FROM lot_occupancy_15m WHERE lot_id = 'PG-L1' ORDER BY bucket`);
    const live = await read();
    expect(live).toHaveLength(3);
    expect(live[1]).toMatchObject({ avg_occupied: 6, max_occupied: 7, min_free: 3, avg_capacity: 10 });
    expect(live.map((r) => r.bucket.getTime() % (15 * 60_000))).toEqual([0, 0, 0]);
    // The scheduled refresh (the last two days; a first refresh takes everything before too).
    const refresh = ingestJobs({ markUnknown: async () => {} }, 3.3, 'postgres').find((j) => j.name === 'occupancy rollup refresh')!;
    await refresh.run({ pool: p.db.pool } as ModuleContext);
    expect(Number((await q(`SELECT count(*) AS n FROM lot_occupancy_15m_rollup WHERE lot_id = 'PG-L1'`))[0].n)).toBe(3);
    expect(await read()).toEqual(live);
    // A sample after the refresh is read live until the next one.
    await q(`INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown) VALUES (now(), 'PG-L1', 0, 10, 0)`);
    expect(await read()).toHaveLength(4);
  });

  it('drops partitions past the 90-day retention and makes the coming days\' partitions, on its hourly job', async () => {
    const now = Date.now();
    // A day's partition 100 days back, as a platform running then would have made it.
    await maintainPartitions(p.db.pool, new Date(now - 100 * DAY));
    await q(`INSERT INTO device_events VALUES
      ($1, $1, 'pg-retention', 1, 'heartbeat', NULL, NULL, '{}'),
      ($2, $2, 'pg-retention', 2, 'heartbeat', NULL, NULL, '{}'),
      ($3, $3, 'pg-retention', 3, 'heartbeat', NULL, NULL, '{}')`,
    [new Date(now - 100 * DAY), new Date(now - 120 * DAY), new Date(now - DAY)]);
    const old = `device_events_p${utcDay(now - 100 * DAY)}`;
    // Ordered by time: 120 days back in the default (no partition that old), 100 days back in its
    // partition, yesterday in the default (partitions were made from the start on).
    expect(await partitionsOf(`device_id = 'pg-retention'`, [])).toEqual(['device_events_default', old, 'device_events_default']);

    const logged: unknown[] = [];
    const job = ingestJobs({ markUnknown: async () => {} }, 3.3, 'postgres').find((j) => j.name === 'partition maintenance')!;
    await job.run({ pool: p.db.pool, log: { info: (o: unknown) => logged.push(o), warn() {}, error() {} } } as unknown as ModuleContext);
    expect(logged).toEqual([expect.objectContaining({ created: [`device_events_p${utcDay(now - DAY)}`], dropped: expect.arrayContaining([old]), moved: 1, expired: 1, deferred: [] })]);
    expect(await partitionsOf(`device_id = 'pg-retention'`, [])).toEqual([`device_events_p${utcDay(now - DAY)}`]);
    expect(await q(`SELECT to_regclass($1) AS t`, [old])).toEqual([{ t: null }]);
    expect(await q(`SELECT to_regclass($1)::text AS t`, [`device_events_p${utcDay(now + 6 * DAY)}`])).toEqual([{ t: `device_events_p${utcDay(now + 6 * DAY)}` }]);
  });

  it('makes each partition once when several processes run the maintenance at once', async () => {
    const later = new Date(Date.now() + 40 * DAY);
    const reports = await Promise.all([1, 2, 3].map(() => maintainPartitions(p.db.pool, later)));
    const created = reports.flatMap((r) => r.created).filter((n) => n.startsWith('device_events_'));
    expect([...created].sort()).toEqual(Array.from({ length: 7 }, (_, i) => `device_events_p${utcDay(later.getTime() + i * DAY)}`));
    expect(reports.flatMap((r) => r.deferred)).toEqual([]);
  });
});
