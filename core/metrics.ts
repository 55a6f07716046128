// Prometheus metrics for the whole platform, on one registry served at GET /metrics.
import { performance } from 'node:perf_hooks';
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
import type { SyncCounts } from './db/sync-counters.ts';

/**
 * Bucket bounds (seconds) for latencies a person waits on, from 2 ms to 131 s: four per doubling,
 * so each bucket is 19 % wider than the one before and a p50 or p99 read from it (interpolated
 * within the bucket, as Prometheus's histogram_quantile does) is within ±10 % from 10 ms up. The
 * top is that high because automatic charges lag exits by a minute when billing is saturated
 * (docs/performance.md, billing benchmark); a figure past the last bound reads as that bound.
 */
export const LATENCY_BUCKETS = Array.from({ length: 65 }, (_, k) => Number((0.002 * 2 ** (k / 4)).toPrecision(3)));

export interface MetricsOptions {
  /** Seconds the embedded database's thread has been busy since it started (core/db: Database.busySeconds). */
  databaseBusySeconds?: () => number;
  /** The embedded database's syncs to disk so far (core/db: Database.syncs). */
  databaseSyncs?: () => SyncCounts;
  /** The embedded database thread's JS heap (core/db: Database.heap). */
  databaseHeap?: () => { used: number; limit: number; external: number } | undefined;
  /** Where the database is and how it keeps the event tables (core/db: Database.mode, Database.engine). */
  database?: { mode: string; engine: string };
}

/** onelot_database_info: which database this process runs on, as labels (the start-up log says it too); and its thread's heap. */
function databaseInfo(registers: Registry[], database: { mode: string; engine: string }, heap: MetricsOptions['databaseHeap']): void {
  if (heap) databaseHeap(registers, heap);
  new Gauge({
    name: 'onelot_database_info', labelNames: ['mode', 'engine'] as const, registers,
    help: 'Always 1; the labels say the database: mode embedded or external (DATABASE_URL), engine timescaledb (hypertables) or postgres (native partitions, core/db/engine.ts)',
  }).set(database, 1);
}

/** onelot_db_heap_bytes: the embedded database thread's heap, read at scrape time. */
function databaseHeap(registers: Registry[], heap: NonNullable<MetricsOptions['databaseHeap']>): void {
  new Gauge({
    name: 'onelot_db_heap_bytes',
    help: 'Embedded database: its thread\'s JS heap (used, and the limit past which the thread dies out of memory) and external memory (buffers), bytes',
    labelNames: ['what'] as const,
    registers,
    collect() {
      const h = heap();
      if (h) for (const what of ['used', 'limit', 'external'] as const) this.set({ what }, h[what]);
    },
  });
}

export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'onelot_process_' });
  const r = [registry];
  // Busy time as a counter, read at scrape time: a scraper divides the increase by its own window,
  // so any number of scrapers (a benchmark's start/end, a progress line every second) each get
  // the share over their own window, as with process_cpu_seconds_total. A "share since the last
  // read" gauge would hand each scraper whatever the previous one left.
  let mainAt = 0;
  let databaseAt = 0;
  const busy = new Counter({
    name: 'onelot_event_loop_busy_seconds_total',
    help: 'Time the thread was busy (event loop utilization × elapsed): main = MQTT, validation, pg client, HTTP; database = the embedded database (embedded mode only)',
    labelNames: ['thread'] as const,
    registers: r,
    collect() {
      const main = performance.eventLoopUtilization().active / 1000;
      if (main > mainAt) { this.inc({ thread: 'main' }, main - mainAt); mainAt = main; }
      const database = opts.databaseBusySeconds?.();
      if (database !== undefined && database > databaseAt) { this.inc({ thread: 'database' }, database - databaseAt); databaseAt = database; }
    },
  });
  const synced = { wal: 0, other: 0, seconds: 0 };
  new Counter({
    name: 'onelot_db_sync_seconds_total',
    help: 'Embedded database: time its thread spent waiting for syncs to disk (the cost of durable commits)',
    registers: opts.databaseSyncs ? r : [],
    collect() {
      const now = opts.databaseSyncs?.();
      if (now && now.seconds > synced.seconds) { this.inc(now.seconds - synced.seconds); synced.seconds = now.seconds; }
    },
  });
  new Counter({
    name: 'onelot_db_syncs_total',
    help: 'Embedded database: syncs to disk (core/db/durable-fs.ts); wal = a WAL segment at COMMIT (one per commit that wrote), other = checkpoints, new files, directories',
    labelNames: ['what'] as const,
    registers: opts.databaseSyncs ? r : [],
    collect() {
      const now = opts.databaseSyncs?.();
      if (!now) return;
      for (const what of ['wal', 'other'] as const) {
        if (now[what] > synced[what]) { this.inc({ what }, now[what] - synced[what]); synced[what] = now[what]; }
      }
    },
  });
  if (opts.database) databaseInfo(r, opts.database, opts.databaseHeap);
  return {
    registry,
    eventLoopBusySeconds: busy,
    mqttReceived: new Counter({ name: 'onelot_mqtt_messages_received_total', help: 'Device messages received on an allowed topic', registers: r }),
    mqttStored: new Counter({ name: 'onelot_mqtt_messages_stored_total', help: 'Device events durably stored (new, not duplicates)', registers: r }),
    mqttDuplicates: new Counter({ name: 'onelot_mqtt_messages_duplicate_total', help: 'Repeated (device, seq) messages stored once', registers: r }),
    mqttLate: new Counter({ name: 'onelot_mqtt_messages_late_total', help: 'Events older than the bay state they would change (stored, state kept)', registers: r }),
    mqttRejected: new Counter({ name: 'onelot_mqtt_messages_rejected_total', help: 'Messages dead-lettered by validation, by code (core/protocol.ts REJECT_CODES; the full reason is in dead_letters)', labelNames: ['reason'] as const, registers: r }),
    mqttRefused: new Counter({ name: 'onelot_mqtt_refused_total', help: 'Connections, publishes and subscriptions refused by authorization', labelNames: ['what'] as const, registers: r }),
    mqttCut: new Counter({ name: 'onelot_mqtt_connections_cut_total', help: 'Connections closed while reading a packet (ingest/packet-limit.ts): packet_too_large, bad_length (malformed remaining length)', labelNames: ['reason'] as const, registers: r }),
    mqttThrottled: new Counter({ name: 'onelot_mqtt_connect_throttled_total', help: 'CONNECTs refused for coming too often (ingest/connect-rate.ts), by the key that was over its rate: address, device', labelNames: ['by'] as const, registers: r }),
    mqttClients: new Gauge({ name: 'onelot_mqtt_connected_clients', help: 'Devices connected now', registers: r }),
    // ingest/writer.ts: what the broker has read and not yet committed. Past INGEST_BACKLOG_MAX the
    // broker stops reading sockets (ingest/read-gate.ts), so a stalled database does not turn into
    // memory (docs/security.md, "Chaos").
    ingestBacklog: new Gauge({ name: 'onelot_ingest_backlog', help: 'Device messages read from sockets and not yet committed (waiting for or in a group commit)', registers: r }),
    ingestReadingPaused: new Gauge({ name: 'onelot_ingest_reading_paused', help: '1 while the broker reads no device socket because INGEST_BACKLOG_MAX messages wait to be committed (ingest/read-gate.ts)', registers: r }),
    commitBatchSize: new Histogram({ name: 'onelot_ingest_commit_batch_size', help: 'Messages per group commit', buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2000, 5000], registers: r }),
    commitSeconds: new Histogram({ name: 'onelot_ingest_commit_seconds', help: 'Group commit latency', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: r }),
    httpSeconds: new Histogram({ name: 'onelot_http_request_seconds', help: 'HTTP request latency', labelNames: ['method', 'route', 'status'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: r }),
    // billing/sessions.ts, after the ingest transaction that closed the session commits.
    invoicesIssued: new Counter({ name: 'onelot_billing_invoices_issued_total', help: 'Invoices issued for closed sessions (committed)', registers: r }),
    exitToInvoiceSeconds: new Histogram({
      name: 'onelot_billing_exit_to_invoice_seconds', buckets: LATENCY_BUCKETS, registers: r,
      help: 'From the broker receiving an exit event to its invoice committed (exits billed in the batch that brought them)',
    }),
    // payments/provider-outcomes.ts, after the transaction that applied the provider's success commits.
    exitToChargeSeconds: new Histogram({
      name: 'onelot_payments_exit_to_charge_seconds', buckets: LATENCY_BUCKETS, registers: r,
      help: 'Contactless ("leave and go") charges: from the exit (the session\'s exit_time, as the gate camera timestamped it) to the charge recorded as succeeded',
    }),
    // analytics/hourly-stats.ts foldHourlyDeltas, run by the scheduled job every 10 s.
    analyticsFoldSeconds: new Histogram({
      name: 'onelot_analytics_fold_seconds', help: 'One fold of lot_hourly_deltas into lot_hourly_stats (holds the database connection)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: r,
    }),
    // core/jobs.ts: every scheduled job's run, failed ones included (device health must fit its 1-minute slot).
    jobSeconds: new Histogram({
      name: 'onelot_job_duration_seconds', help: 'One run of a scheduled job (core/jobs.ts), by job name; outcome ok or failed',
      labelNames: ['job', 'outcome'] as const, buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: r,
    }),
    jobLastSeconds: new Gauge({ name: 'onelot_job_last_duration_seconds', help: 'The last run of a scheduled job, seconds (exact, where the histogram has buckets)', labelNames: ['job'] as const, registers: r }),
    analyticsDeltasFolded: new Counter({ name: 'onelot_analytics_deltas_folded_total', help: 'Hourly deltas folded into lot_hourly_stats', registers: r }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
