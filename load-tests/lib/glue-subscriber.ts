// Child process of bench:ingest's glue baseline (load-tests/lib/glue-baseline.ts): the pipeline
// people glue together themselves — a Node subscriber on a broker's `devices/+/events`, inserting
// what arrives into a PostgreSQL table in batches. What it does NOT do is the point of comparing:
// the broker acknowledged each message on receipt (before any commit), and nothing is
// authenticated per device, validated, deduplicated, turned into state or billed.
import mqtt from 'mqtt';
import pg from 'pg';

export interface GlueSubscriberStart {
  mqttUrl: string;
  databaseUrl: string;
  /** Insert when this many messages wait, or when the oldest has waited batchWaitMs (OneLot's defaults). */
  batchMax: number;
  batchWaitMs: number;
}

/** A table as plain as such a pipeline's: the event's columns and one index to find them by time. */
const TABLE = `CREATE TABLE IF NOT EXISTS glue_events (
  event_time timestamptz NOT NULL, received_at timestamptz NOT NULL, device_id text NOT NULL,
  seq bigint NOT NULL, type text NOT NULL, payload jsonb NOT NULL);
  CREATE INDEX IF NOT EXISTS glue_events_time ON glue_events (event_time)`;

const INSERT = `INSERT INTO glue_events (event_time, received_at, device_id, seq, type, payload)
  SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::text[], $4::bigint[], $5::text[], $6::jsonb[])`;

process.on('message', async (m: GlueSubscriberStart) => {
  const pool = new pg.Pool({ connectionString: m.databaseUrl, max: 1 });
  await pool.query(TABLE);
  let waiting: Array<{ topic: string; payload: Buffer }> = [];
  let inserting = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  // One insert at a time; what arrives meanwhile waits for the next (group commit, as OneLot's writer).
  const flush = async () => {
    clearTimeout(timer);
    timer = undefined;
    if (inserting || waiting.length === 0) return;
    inserting = true;
    const batch = waiting.splice(0, m.batchMax);
    const now = new Date().toISOString();
    const cols: [string[], string[], string[], number[], string[], string[]] = [[], [], [], [], [], []];
    for (const { topic, payload } of batch) {
      const text = payload.toString('utf8');
      const e = JSON.parse(text) as { ts: string; seq: number; type: string };
      cols[0].push(e.ts); cols[1].push(now); cols[2].push(topic.split('/')[1]); cols[3].push(e.seq); cols[4].push(e.type); cols[5].push(text);
    }
    try {
      await pool.query(INSERT, cols);
    } catch (err) {
      failures++;
      process.send!({ type: 'error', message: (err as Error).message });
    }
    inserting = false;
    if (waiting.length >= m.batchMax) void flush();
    else if (waiting.length > 0) timer ??= setTimeout(flush, m.batchWaitMs);
  };

  const client = mqtt.connect(m.mqttUrl, { clientId: `glue-subscriber-${process.pid}`, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  client.on('message', (topic, payload) => {
    waiting.push({ topic, payload });
    if (waiting.length >= m.batchMax) void flush();
    else timer ??= setTimeout(flush, m.batchWaitMs);
  });
  client.on('error', (err) => process.send!({ type: 'error', message: err.message }));
  await client.subscribeAsync('devices/+/events', { qos: 1 });
  process.send!({ type: 'ready' });
  process.on('disconnect', () => {
    void client.endAsync(true).finally(() => pool.end()).finally(() => process.exit(failures > 0 ? 1 : 0));
    waiting = [];
  });
});
