// An ingest process of its own for test/external-broker.e2e.test.ts: consumes the external broker's
// shared subscription into DATABASE_URL, as OneLot's ingest does, so the test can kill -9 a real
// process. Prints `ready` once connected, then `stored N` (events committed) every 100 ms.
import { openDatabase } from '../core/db/index.ts';
import { createMetrics } from '../core/metrics.ts';
import { ChangeFeed } from '../core/changes.ts';
import { consumeBroker } from '../ingest/index.ts';

const env = (k: string) => process.env[k] ?? (() => { throw new Error(`${k} is required`); })();
const db = await openDatabase({ databaseUrl: env('DATABASE_URL'), dataDir: '.', poolSize: 2 });
const metrics = createMetrics();
const log = { info() {}, warn() {}, error: (o: unknown, m?: string) => console.error(m, o) };
await consumeBroker({ url: env('MQTT_BROKER_URL'), ingestId: env('INGEST_ID'), connections: Number(env('INGEST_BROKER_CONNECTIONS')), batchMax: 2000, batchWaitMs: 2 },
  { pool: db.pool, metrics, changes: new ChangeFeed(), log });
process.stdout.write('ready\n');
setInterval(async () => process.stdout.write(`stored ${(await metrics.mqttStored.get()).values[0]?.value ?? 0}\n`), 100);
