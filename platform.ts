// The composition root: database (embedded or DATABASE_URL), migrations, demo seed, MQTT broker,
// HTTP API, and a plain list of domain modules (core/module.ts) plugged into them. A process runs
// the roles ONELOT_ROLE names (startProcess: ingest = the broker, api = HTTP, jobs = the scheduled
// work); npm start and the tests run all of them (startPlatform). main.ts adds the simulator,
// signals and printing.
import { assertSafeForProduction, roles, trustedNetworks, type Config, type Role } from './core/config.ts';
import { openDatabase, migrate, analyzeGrown, startAutoAnalyze, startAutoCheckpoint, type Database, type GrownTable } from './core/db/index.ts';
import { createMetrics, type Metrics } from './core/metrics.ts';
import { ChangeFeed } from './core/changes.ts';
import { startChangeRelay } from './core/change-relay.ts';
import { followLeader, withAdvisoryLock, JOBS_LOCK, MIGRATIONS_LOCK, type Leadership } from './core/leader.ts';
import { createLogger } from './core/logger.ts';
import type { Logger } from 'pino';
import { scheduleJobs } from './core/jobs.ts';
import { sessionJobs } from './core/session-jobs.ts';
import type { App, ModuleContext, OneLotModule } from './core/module.ts';
import { buildBroker, consumeBroker, DynsecAccounts, ingestJobs, EventWriter, type Broker, type BrokerConsumer, type BrokerDeps } from './ingest/index.ts';
import { buildApi } from './api/app.ts';
import { rateLimitJobs } from './api/rate-limit-store.ts';
import { billingModule, type BillingModule, type BillingModuleOptions } from './billing/index.ts';
import { paymentsModule, type PaymentsModule, type PaymentsModuleOptions } from './payments/index.ts';
import { analyticsModule } from './analytics/index.ts';
import { operatorsModule } from './operators/index.ts';
import { notificationsModule } from './notifications/index.ts';
import { ensureBillingSeed, seedDemo } from './seed/index.ts';

/** How long a request in flight at shutdown may still take before its connection is cut. */
const API_CLOSE_GRACE_MS = 5000;

/** One OneLot process: the parts its roles run (ONELOT_ROLE; README, "Roles"). */
export interface OneLotProcess {
  config: Config;
  roles: ReadonlySet<Role>;
  db: Database;
  metrics: Metrics;
  changes: ChangeFeed;
  modules: readonly OneLotModule[];
  /** `ingest`: the MQTT broker devices connect to, or with MQTT_BROKER_URL the consumer of the external one. */
  broker?: Broker | BrokerConsumer;
  /** `api`: HTTP, SSE and the web page. */
  api?: App;
  httpUrl?: string;
  mqttPort?: number;
  mqttUrl?: string;
  /** `jobs` on a database server: whether this process runs the scheduled jobs now. */
  jobs?: Leadership;
  credentialsFile: string;
  close(): Promise<void>;
}

/** Every role in one process (npm start, tests). */
export interface Platform extends OneLotProcess {
  broker: Broker | BrokerConsumer;
  api: App;
  httpUrl: string;
  mqttPort: number;
  mqttUrl: string;
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

/** Every role in one process: what npm start and the tests run. */
export async function startPlatform(config: Config, opts: PlatformOptions = {}): Promise<Platform> {
  const p = await startProcess(config, opts);
  if (!p.broker || !p.api) {
    await p.close();
    throw new Error(`startPlatform runs every role; ONELOT_ROLE=${config.ONELOT_ROLE} is for startProcess.`);
  }
  return p as Platform;
}

/** The roles ONELOT_ROLE names, in this process. */
export async function startProcess(config: Config, opts: PlatformOptions = {}): Promise<OneLotProcess> {
  // Here as well as in main.ts: every way of starting the server (tests, benchmarks) gets the check.
  assertSafeForProduction(config);
  const log = createLogger(config.LOG_LEVEL);
  const modules = opts.modules ?? [];
  const plays = roles(config);
  // A database server may be shared by several processes (processes by role): they take turns to
  // migrate and seed, share the change feed and lock what they write (ingest/writer.ts `shared`).
  const server = config.DATABASE_URL;
  const onePerServer = <T>(lock: number, fn: () => Promise<T>) => (server ? withAdvisoryLock(server, lock, fn) : fn());
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => { for (const c of cleanups.reverse()) await c().catch((err) => log.error({ err }, 'shutdown step failed')); };
  try {
    const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, durable: config.EMBEDDED_FSYNC });
    cleanups.push(() => db.close());
    log.info({ mode: db.mode, engine: db.engine }, db.engine === 'timescaledb'
      ? 'database: TimescaleDB (hypertables, compression, retention and continuous aggregate policies)'
      : 'database: PostgreSQL without TimescaleDB (native daily partitions of the event tables, retention by dropping partitions, OneLot\'s own occupancy rollup)');
    await onePerServer(MIGRATIONS_LOCK, () => migrate(db.pool, (m) => log.info(m)));

    const metrics = createMetrics({ databaseBusySeconds: db.busySeconds, databaseSyncs: db.syncs, databaseHeap: db.heap, database: { mode: db.mode, engine: db.engine } });
    const changes = new ChangeFeed();
    if (server) cleanups.push(await startChangeRelay(changes, { connectionString: server, pool: db.pool, log: log.child({ part: 'change-relay' }) }));
    // Devices on an external broker (MQTT_BROKER_ADMIN_URL): OneLot provisions their accounts there.
    const brokerAccounts = config.MQTT_BROKER_ADMIN_URL ? await DynsecAccounts.connect(config.MQTT_BROKER_ADMIN_URL) : undefined;
    if (brokerAccounts) cleanups.push(() => brokerAccounts.close());
    const ctx: ModuleContext = { config, pool: db.pool, metrics, changes, log, sms: modules.find((m) => m.sms)?.sms, brokerAccounts };
    const hooks = modules.flatMap((m) => m.hooks ?? []);
    const broker = plays.has('ingest') ? await startBroker(config, { pool: db.pool, metrics, changes, log: log.child({ part: 'ingest' }), hooks }, cleanups) : undefined;
    const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
    const mqttPort = broker?.port;
    const mqttHost = broker?.host ?? config.HOST;
    const credentialsFile = await onePerServer(MIGRATIONS_LOCK, () => seedDemo(db.pool, {
      dataDir: config.DATA_DIR, seed: config.SEED_DEMO, mqtt: { host: mqttHost, port: mqttPort ?? config.MQTT_PORT }, log: (m) => log.info(m),
    }));
    // A server analyzes its tables itself (autovacuum) and checkpoints (its checkpointer); the
    // embedded database has neither, so both are done from here.
    if (db.mode === 'embedded') {
      cleanups.push(await autoAnalyze(db.pool, log.child({ part: 'auto-analyze' })));
      const checkpoints = startAutoCheckpoint(db.pool, (w, ms) => log.child({ part: 'auto-checkpoint' }).info(
        { walMb: Math.round(w.bytes / 2 ** 20), sinceS: Math.round(w.ageMs / 1000), ms: Math.round(ms) }, 'database: checkpointed, so the write-ahead log since can be reused'));
      cleanups.push(async () => checkpoints.stop());
    }

    let api: App | undefined;
    let httpUrl: string | undefined;
    if (plays.has('api')) {
      api = await buildApi(
        { tileUrl: config.TILE_URL },
        // Without a broker in this process, its health is the ingest processes' to report.
        { ...ctx, logger: log, modules, brokerStatus: () => ({ ok: broker ? broker.broker.healthy() : true }) },
      );
      // The API closes first so no request waits on a closing database. A request still in flight
      // gets API_CLOSE_GRACE_MS to finish, then its connection is cut: a webhook whose sender gave
      // up mid-request (the simulated provider, stopped just before) held close() for fastify's
      // 72 s keep-alive timeout, 70 s of every test file that stops a platform with payments.
      cleanups.push(async () => {
        const cut = setTimeout(() => api!.server.closeAllConnections(), API_CLOSE_GRACE_MS);
        try { await api!.close(); } finally { clearTimeout(cut); }
      });
      await api.listen({ port: config.HTTP_PORT, host: config.HOST }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') throw new Error(`HTTP port ${config.HTTP_PORT} on ${config.HOST} is already in use. Set HTTP_PORT to a free port, e.g. HTTP_PORT=8081.`);
        throw err;
      });
      const addr = api.server.address();
      httpUrl = `http://${host}:${typeof addr === 'object' && addr ? addr.port : config.HTTP_PORT}`;
    }

    for (const m of modules) {
      if (![...(m.startIn ?? ['api'])].some((r) => plays.has(r))) continue;
      const stop = await m.start?.({ ...ctx, httpUrl: httpUrl ?? '' });
      if (stop) cleanups.push(stop);
    }
    const jobs = plays.has('jobs') && config.SCHEDULED_JOBS ? await startJobs(config, ctx, db.engine, modules, broker?.broker, cleanups) : undefined;

    let closed = false;
    return {
      config, roles: plays, db, broker: broker?.broker, api, metrics, changes, modules, credentialsFile, mqttPort, httpUrl, jobs,
      mqttUrl: mqttPort === undefined ? undefined : `mqtt://${mqttHost.includes(':') ? `[${mqttHost}]` : mqttHost}:${mqttPort}`,
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

/** Tables that grew since last analyzed: all of them at start-up, then a few a minute (core/db/auto-analyze.ts). */
async function autoAnalyze(pool: Database['pool'], log: Logger): Promise<() => Promise<void>> {
  const said = (tables: GrownTable[], ms: number) => log.info({ tables: tables.map((t) => `${t.name} ${t.analyzedPages}→${t.pages} pages`), ms: Math.round(ms) }, 'database: analyzed the tables that grew');
  const started = performance.now();
  const now = await analyzeGrown(pool, Infinity);
  if (now.length) said(now, performance.now() - started);
  const timer = startAutoAnalyze(pool, said);
  return async () => timer.stop();
}

async function startBroker(config: Config, deps: BrokerDeps, cleanups: Array<() => Promise<void>>): Promise<{ broker: Broker | BrokerConsumer; host: string; port: number }> {
  if (config.MQTT_BROKER_URL) {
    // Devices on an existing broker: no broker here; consume its shared subscription (docs/deploy.md).
    const consumer = await consumeBroker({
      url: config.MQTT_BROKER_URL, ingestId: config.INGEST_ID, connections: config.INGEST_BROKER_CONNECTIONS, inFlight: config.INGEST_BROKER_IN_FLIGHT,
      batchMax: config.INGEST_BROKER_BATCH_MAX, batchWaitMs: config.INGEST_BATCH_WAIT_MS, shared: config.DATABASE_URL !== undefined,
    }, deps);
    cleanups.push(() => consumer.close());
    const url = new URL(config.MQTT_BROKER_URL);
    return { broker: consumer, host: url.hostname, port: Number(url.port || 1883) };
  }
  const broker = await buildBroker(
    {
      batchMax: config.INGEST_BATCH_MAX, batchWaitMs: config.INGEST_BATCH_WAIT_MS, backlogMax: config.INGEST_BACKLOG_MAX, maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
      connectRates: {
        addressBurst: config.MQTT_CONNECT_ADDRESS_BURST, addressPerSecond: config.MQTT_CONNECT_ADDRESS_PER_SECOND,
        deviceBurst: config.MQTT_CONNECT_DEVICE_BURST, devicePerMinute: config.MQTT_CONNECT_DEVICE_PER_MINUTE,
        trustedNetworks: trustedNetworks(config),
      },
      shared: config.DATABASE_URL !== undefined,
    },
    deps,
  );
  cleanups.push(() => broker.close());
  return { broker, host: config.HOST, port: await broker.listen(config.MQTT_PORT, config.HOST) };
}

/**
 * Every module's jobs, ingest's and the sessions'. On a database server one process runs them at a
 * time however many `jobs` processes start: the holder of the jobs lock (core/leader.ts); the
 * others wait and one takes over within JOBS_LOCK_RETRY_MS of its death.
 */
async function startJobs(config: Config, ctx: ModuleContext, engine: Database['engine'], modules: readonly OneLotModule[], broker: Pick<Broker, 'writer'> | undefined, cleanups: Array<() => Promise<void>>): Promise<Leadership | undefined> {
  // Device health marks silent bays unknown through a writer: the broker's, or one of its own.
  let writer = broker?.writer;
  if (!writer) {
    const own = new EventWriter(ctx.pool, {
      batchMax: config.INGEST_BATCH_MAX, batchWaitMs: config.INGEST_BATCH_WAIT_MS, metrics: ctx.metrics, changes: ctx.changes, log: ctx.log,
      hooks: modules.flatMap((m) => m.hooks ?? []), shared: config.DATABASE_URL !== undefined,
    });
    await own.start();
    cleanups.push(() => own.close());
    writer = own;
  }
  const jobs = [...ingestJobs(writer, config.DEVICE_LOW_BATTERY_V, engine), ...sessionJobs, ...modules.flatMap((m) => m.jobs ?? []), ...(config.DATABASE_URL ? rateLimitJobs : [])];
  if (!config.DATABASE_URL) {
    cleanups.push(scheduleJobs(jobs, ctx));
    return undefined;
  }
  const leadership = followLeader({
    connectionString: config.DATABASE_URL, lockId: JOBS_LOCK, retryMs: config.JOBS_LOCK_RETRY_MS, log: ctx.log, name: 'jobs',
    lead: () => scheduleJobs(jobs, ctx),
  });
  cleanups.push(() => leadership.stop());
  return leadership;
}
