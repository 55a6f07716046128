// bench:ingest's glue baseline (issue 14): the pipeline people build instead of a platform —
// Mosquitto 2 acknowledging each QoS 1 message on receipt, and a Node subscriber batch-inserting
// into plain PostgreSQL (load-tests/lib/glue-subscriber.ts) — driven by the same generator, devices
// and window as OneLot in the same run, so the two rates compare on whatever machine runs them.
// Its PUBACK comes before any commit: what it stores is counted once the inserts have caught up.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { DeviceLoadStart } from './device-load.ts';
import { driveDevices } from './drive-devices.ts';
import { startMosquitto } from './mosquitto.ts';
import { killWithParent, procUsage } from './platform-process.ts';
import { createScratchDatabase } from './scratch-database.ts';
import type { GlueSubscriberStart } from './glue-subscriber.ts';
import { summarize } from './stats.ts';

export interface GlueFigures {
  /** Rows stored from the window's start, ÷ the window (counted once the inserts caught up). */
  storedPerSecond: number;
  /** The same rows ÷ (the window + the time the inserts took to catch up after it): the rate it sustains. */
  sustainedPerSecond: number;
  catchUpSeconds: number;
  acked: number;
  stored: number;
  publishErrors: number;
  /** Whether every acknowledged message was in the table within 30 s of the run's end. */
  caughtUp: boolean;
  pubackMs: { p50: number; p99: number; max: number };
  /** CPU in cores over the window: the broker, the subscriber. */
  cores: { mosquitto: number | null; subscriber: number | null };
}

export async function runGlueBaseline(o: Omit<DeviceLoadStart, 'mqttUrl'> & { serverUrl: string; batchMax: number; batchWaitMs: number }): Promise<GlueFigures> {
  const db = await createScratchDatabase('onelot_bench_glue', o.serverUrl);
  // Unlimited in-flight and queued messages towards the subscriber: the defaults (20 and 1,000)
  // would drop messages past them, which is not what a baseline of storing them should measure.
  const broker = await startMosquitto(['max_inflight_messages 0', 'max_queued_messages 0']);
  const sub = fork(fileURLToPath(new URL('./glue-subscriber.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
  killWithParent(sub);
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    const errors: string[] = [];
    await new Promise<void>((resolve, reject) => {
      sub.on('message', (m: { type: string; message?: string }) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'error' && errors.push(m.message!) === 1) process.stderr.write(`glue subscriber: ${m.message}\n`);
      });
      sub.once('exit', (code) => reject(new Error(`the glue subscriber exited (${code}) before subscribing`)));
      sub.send({ mqttUrl: broker.url, databaseUrl: db.url, batchMax: o.batchMax, batchWaitMs: o.batchWaitMs } satisfies GlueSubscriberStart);
    });
    let at = { wall: 0, broker: 0, sub: 0 };
    const result = await driveDevices({ ...o, mqttUrl: broker.url }, () => {
      at = { wall: performance.now(), broker: procUsage(broker.pid)?.cpuSeconds ?? NaN, sub: procUsage(sub.pid!)?.cpuSeconds ?? NaN };
    });
    const windowEnd = performance.now();
    const wall = (windowEnd - at.wall) / 1000;
    const cores = (now: number | undefined, then: number) => (now === undefined || !Number.isFinite(then) ? null : Math.round(((now - then) / wall) * 100) / 100);
    const cpu = { mosquitto: cores(procUsage(broker.pid)?.cpuSeconds, at.broker), subscriber: cores(procUsage(sub.pid!)?.cpuSeconds, at.sub) };
    // The window's rows by their event time: the warm-up's (stored or still arriving) are older.
    // A count taken when the window began would race its first inserts.
    const stored = await caughtUpWith(pool, result.startedAt, result.acked);
    const rows = stored.rows;
    const catchUpSeconds = Math.max(0, (stored.lastRowAt - windowEnd) / 1000);
    const puback = summarize(result.latencies);
    return {
      storedPerSecond: Math.round(rows / result.elapsed), sustainedPerSecond: Math.round(rows / (result.elapsed + catchUpSeconds)),
      catchUpSeconds: Math.round(catchUpSeconds * 100) / 100, acked: result.acked, stored: rows, publishErrors: result.errors,
      caughtUp: stored.caughtUp, pubackMs: { p50: puback.p50, p99: puback.p99, max: puback.max }, cores: cpu,
    };
  } finally {
    sub.disconnect();
    await new Promise((r) => { if (sub.exitCode !== null) r(null); else { sub.once('exit', r); setTimeout(() => { sub.kill('SIGKILL'); r(null); }, 5000).unref(); } });
    await pool.end();
    await broker.stop();
    await db.drop();
  }
}

const countRows = async (pool: pg.Pool, sinceMs: number) =>
  Number((await pool.query('SELECT count(*) AS n FROM glue_events WHERE event_time >= to_timestamp($1 / 1000.0)', [sinceMs])).rows[0].n);

/**
 * The rows of events at or after `sinceMs` once they reach `atLeast` and stop growing,
 * or stop growing for 2 s, or 30 s pass; `lastRowAt` (performance.now()) is when the count last grew.
 */
async function caughtUpWith(pool: pg.Pool, sinceMs: number, atLeast: number): Promise<{ rows: number; caughtUp: boolean; lastRowAt: number }> {
  const deadline = Date.now() + 30_000;
  let last = -1;
  let since = Date.now();
  let lastRowAt = performance.now();
  for (;;) {
    const rows = await countRows(pool, sinceMs);
    if (rows !== last) { last = rows; since = Date.now(); lastRowAt = performance.now(); }
    else if (rows >= atLeast && Date.now() - since >= 300) return { rows, caughtUp: true, lastRowAt };
    if (Date.now() - since > 2000 || Date.now() > deadline) return { rows, caughtUp: rows >= atLeast, lastRowAt };
    await new Promise((r) => setTimeout(r, 50));
  }
}
