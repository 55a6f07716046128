// The composition root: database (embedded or DATABASE_URL), migrations, demo seed, MQTT broker,
// HTTP API, and a plain list of domain modules (core/module.ts) plugged into them. main.ts adds the
// simulator, signals and printing; tests call startPlatform directly.
import { assertSafeForProduction, trustedNetworks, type Config } from './core/config.ts';
import { openDatabase, migrate, type Database } from './core/db/index.ts';
import { createMetrics, type Metrics } from './core/metrics.ts';
import { ChangeFeed } from './core/changes.ts';
import { createLogger } from './core/logger.ts';
import { scheduleJobs } from './core/jobs.ts';
import { sessionJobs } from './core/session-jobs.ts';
import type { App, ModuleContext, OneLotModule } from './core/module.ts';
import { buildBroker, consumeBroker, DynsecAccounts, ingestJobs, type Broker, type BrokerConsumer } from './ingest/index.ts';
import { buildApi } from './api/app.ts';
import { billingModule, type BillingModule, type BillingModuleOptions } from './billing/index.ts';
import { paymentsModule, type PaymentsModule, type PaymentsModuleOptions } from './payments/index.ts';
import { analyticsModule } from './analytics/index.ts';
import { operatorsModule } from './operators/index.ts';
import { notificationsModule } from './notifications/index.ts';
import { ensureBillingSeed, seedDemo } from './seed/index.ts';

export interface Platform {
  config: Config;
  db: Database;
  /** The embedded broker, or with MQTT_BROKER_URL the consumer of the external one. */
  broker: Broker | BrokerConsumer;
  api: App;
  metrics: Metrics;
  changes: ChangeFeed;
  modules: readonly OneLotModule[];
  httpUrl: string;
  mqttPort: number;
  mqttUrl: string;
  credentialsFile: string;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** The domain modules to run (default none: the live map alone). npm start runs cityModules(). */
  modules?: readonly OneLotModule[];
}

/** Every module of the city platform, as npm start runs them; options let tests tune one. */
export function cityModules(config: Config, opts: { billing?: BillingModuleOptions; payments?: PaymentsModuleOptions } = {}) {
  // Lots without a tariff get the demo defaults (seed/billing-seed.ts) until operators set their own.
  const billing: BillingModule = billingModule(config, { ensureTariffs: ensureBillingSeed, ...opts.billing });
  const payments: PaymentsModule = paymentsModule(config, opts.payments);
  const notifications = notificationsModule(config);
  return { modules: [billing, payments, analyticsModule(), operatorsModule(), notifications] as const, billing, payments, notifications };
}

export async function startPlatform(config: Config, opts: PlatformOptions = {}): Promise<Platform> {
  // Here as well as in main.ts: every way of starting the server (tests, benchmarks) gets the check.
  assertSafeForProduction(config);
  const log = createLogger(config.LOG_LEVEL);
  const modules = opts.modules ?? [];
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => { for (const c of cleanups.reverse()) await c().catch((err) => log.error({ err }, 'shutdown step failed')); };
  try {
    const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, durable: config.EMBEDDED_FSYNC });
    cleanups.push(() => db.close());
    log.info({ mode: db.mode, engine: db.engine }, db.engine === 'timescaledb'
      ? 'database: TimescaleDB (hypertables, compression, retention and continuous aggregate policies)'
      : 'database: PostgreSQL without TimescaleDB (native daily partitions of the event tables, retention by dropping partitions, OneLot\'s own occupancy rollup)');
    await migrate(db.pool, (m) => log.info(m));

    const metrics = createMetrics({ databaseBusySeconds: db.busySeconds, databaseSyncs: db.syncs, database: { mode: db.mode, engine: db.engine } });
    const changes = new ChangeFeed();
    // Devices on an external broker (MQTT_BROKER_URL): OneLot provisions their accounts there.
    const brokerAccounts = config.MQTT_BROKER_ADMIN_URL ? await DynsecAccounts.connect(config.MQTT_BROKER_ADMIN_URL) : undefined;
    if (brokerAccounts) cleanups.push(() => brokerAccounts.close());
    const ctx: ModuleContext = { config, pool: db.pool, metrics, changes, log, sms: modules.find((m) => m.sms)?.sms, brokerAccounts };
    const ingestDeps = { pool: db.pool, metrics, changes, log: log.child({ part: 'ingest' }), hooks: modules.flatMap((m) => m.hooks ?? []) };
    let broker: Broker | BrokerConsumer;
    let mqtt: { host: string; port: number };
    if (config.MQTT_BROKER_URL) {
      broker = await consumeBroker({
        url: config.MQTT_BROKER_URL, ingestId: config.INGEST_ID, connections: config.INGEST_BROKER_CONNECTIONS,
        batchMax: config.INGEST_BATCH_MAX, batchWaitMs: config.INGEST_BATCH_WAIT_MS,
      }, ingestDeps);
      cleanups.push(() => broker.close());
      const url = new URL(config.MQTT_BROKER_URL);
      mqtt = { host: url.hostname, port: Number(url.port || 1883) };
    } else {
      const embedded = await buildBroker(
        {
          batchMax: config.INGEST_BATCH_MAX, batchWaitMs: config.INGEST_BATCH_WAIT_MS, backlogMax: config.INGEST_BACKLOG_MAX, maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
          connectRates: {
            addressBurst: config.MQTT_CONNECT_ADDRESS_BURST, addressPerSecond: config.MQTT_CONNECT_ADDRESS_PER_SECOND,
            deviceBurst: config.MQTT_CONNECT_DEVICE_BURST, devicePerMinute: config.MQTT_CONNECT_DEVICE_PER_MINUTE,
            trustedNetworks: trustedNetworks(config),
          },
        },
        ingestDeps,
      );
      broker = embedded;
      cleanups.push(() => embedded.close());
      mqtt = { host: config.HOST, port: await embedded.listen(config.MQTT_PORT, config.HOST) };
    }
    const mqttPort = mqtt.port;
    const credentialsFile = await seedDemo(db.pool, { dataDir: config.DATA_DIR, seed: config.SEED_DEMO, mqtt, log: (m) => log.info(m) });

    const api = await buildApi(
      { tileUrl: config.TILE_URL },
      { ...ctx, logger: log, modules, brokerStatus: () => ({ ok: broker.healthy() }) },
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
    const httpUrl = `http://${host}:${httpPort}`;

    for (const m of modules) {
      const stop = await m.start?.({ ...ctx, httpUrl });
      if (stop) cleanups.push(stop);
    }
    if (config.SCHEDULED_JOBS) cleanups.push(scheduleJobs([...ingestJobs(broker.writer, config.DEVICE_LOW_BATTERY_V, db.engine), ...sessionJobs, ...modules.flatMap((m) => m.jobs ?? [])], ctx));

    let closed = false;
    return {
      config, db, broker, api, metrics, changes, modules, credentialsFile, mqttPort, httpUrl,
      mqttUrl: `mqtt://${mqtt.host.includes(':') ? `[${mqtt.host}]` : mqtt.host}:${mqttPort}`,
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
