// The whole platform in one process: database (embedded or DATABASE_URL), migrations, demo seed,
// MQTT broker, HTTP API. main.ts adds the simulator, signals and printing; tests call this directly.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import type { Config } from './core/config.ts';
import { openDatabase, migrate, type Database } from './core/db/index.ts';
import { createMetrics, type Metrics } from './core/metrics.ts';
import { ChangeFeed } from './core/changes.ts';
import { buildBroker, type Broker } from './ingest/broker.ts';
import type { BatchHook } from './core/ingest-events.ts';
import { buildApi, type App, type ApiDeps } from './api/app.ts';
import { createOperator } from './api/operator-accounts.ts';
import { generateDemoCity } from './seed/demo-city.ts';
import { isEmpty, loadCity, writeCredentials, type CredentialsFile } from './seed/city-loader.ts';

export interface Platform {
  config: Config;
  db: Database;
  broker: Broker;
  api: App;
  metrics: Metrics;
  changes: ChangeFeed;
  httpUrl: string;
  mqttPort: number;
  mqttUrl: string;
  credentialsFile: string;
  close(): Promise<void>;
}

export interface PlatformExtras {
  /** Work done inside each ingest transaction (sessions from events, …). */
  hooks?: BatchHook[];
  plugins?: ApiDeps['plugins'];
  priceEstimate?: ApiDeps['priceEstimate'];
  /** Started once everything listens (workers, the simulated payment provider…); returns its stop. */
  onStarted?: Array<(platform: Platform) => Promise<() => Promise<void>>>;
}

export async function startPlatform(config: Config, extras: PlatformExtras = {}): Promise<Platform> {
  // Logs go to stderr: stdout stays free for what a command prints (benchmarks print one JSON line).
  const log = pino({ level: config.LOG_LEVEL }, pino.destination(2));
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => { for (const c of cleanups.reverse()) await c().catch((err) => log.error({ err }, 'shutdown step failed')); };
  try {
    const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
    cleanups.push(() => db.close());
    await migrate(db.pool, (m) => log.info(m));

    const credentialsFile = path.join(config.DATA_DIR, 'demo-devices.json');
    const metrics = createMetrics({ databaseBusySeconds: db.busySeconds });
    const changes = new ChangeFeed();
    const broker = await buildBroker(
      { batchMax: config.INGEST_BATCH_MAX, batchWaitMs: config.INGEST_BATCH_WAIT_MS },
      { pool: db.pool, metrics, changes, log: log.child({ part: 'ingest' }), hooks: extras.hooks },
    );
    cleanups.push(() => broker.close());
    const mqttPort = await broker.listen(config.MQTT_PORT, config.HOST);
    const mqtt = { host: config.HOST, port: mqttPort };

    if (config.SEED_DEMO && (await isEmpty(db.pool))) {
      log.info('seeding the Zhengzhou demo district (first start)');
      const city = generateDemoCity();
      await loadCity(db.pool, city, { credentialsFile, mqtt, log: (m) => log.info(m) });
      // The demo's city operator gets a console sign-in, so a first start can try the console too.
      const consoleFile = path.join(config.DATA_DIR, 'operator-console.json');
      const account = { operatorId: city.operators[0].id, password: randomBytes(12).toString('base64url') };
      await createOperator(db.pool, { id: account.operatorId, name: city.operators[0].name, password: account.password });
      writeFileSync(consoleFile, JSON.stringify(account, null, 2) + '\n', { mode: 0o600 });
      log.info(`operators' console (/#/operator): sign in as ${account.operatorId} with the password in ${consoleFile}`);
    } else if (existsSync(credentialsFile)) {
      // The broker may be on another port this time: keep the credentials file pointing at it.
      const file = JSON.parse(readFileSync(credentialsFile, 'utf8')) as CredentialsFile;
      writeCredentials(credentialsFile, { ...file, mqtt });
    }

    const api = await buildApi(
      { tileUrl: config.TILE_URL, logLevel: config.LOG_LEVEL },
      { pool: db.pool, metrics, changes, brokerStatus: () => ({ ok: !broker.aedes.closed, clients: broker.connectedClients() }), plugins: extras.plugins, priceEstimate: extras.priceEstimate },
    );
    // The API closes first so no request waits on a closing database.
    cleanups.push(() => api.close());
    await api.listen({ port: config.HTTP_PORT, host: config.HOST }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') throw new Error(`HTTP port ${config.HTTP_PORT} on ${config.HOST} is already in use. Set HTTP_PORT to a free port, e.g. HTTP_PORT=8081.`);
      throw err;
    });
    const addr = api.server.address();
    const httpPort = typeof addr === 'object' && addr ? addr.port : config.HTTP_PORT;
    const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
    let closed = false;
    const platform: Platform = {
      config, db, broker, api, metrics, changes, credentialsFile, mqttPort,
      httpUrl: `http://${host}:${httpPort}`,
      mqttUrl: `mqtt://${host}:${mqttPort}`,
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
    for (const start of extras.onStarted ?? []) cleanups.push(await start(platform));
    return platform;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
