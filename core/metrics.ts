// Prometheus metrics for the whole platform, on one registry served at GET /metrics.
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'onelot_process_' });
  const r = [registry];
  return {
    registry,
    mqttReceived: new Counter({ name: 'onelot_mqtt_messages_received_total', help: 'Device messages received on an allowed topic', registers: r }),
    mqttStored: new Counter({ name: 'onelot_mqtt_messages_stored_total', help: 'Device events durably stored (new, not duplicates)', registers: r }),
    mqttDuplicates: new Counter({ name: 'onelot_mqtt_messages_duplicate_total', help: 'Repeated (device, seq) messages stored once', registers: r }),
    mqttLate: new Counter({ name: 'onelot_mqtt_messages_late_total', help: 'Events older than the bay state they would change (stored, state kept)', registers: r }),
    mqttRejected: new Counter({ name: 'onelot_mqtt_messages_rejected_total', help: 'Messages dead-lettered by validation', labelNames: ['reason'] as const, registers: r }),
    mqttRefused: new Counter({ name: 'onelot_mqtt_refused_total', help: 'Connections, publishes and subscriptions refused by authorization', labelNames: ['what'] as const, registers: r }),
    mqttClients: new Gauge({ name: 'onelot_mqtt_connected_clients', help: 'Devices connected now', registers: r }),
    commitBatchSize: new Histogram({ name: 'onelot_ingest_commit_batch_size', help: 'Messages per group commit', buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2000, 5000], registers: r }),
    commitSeconds: new Histogram({ name: 'onelot_ingest_commit_seconds', help: 'Group commit latency', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: r }),
    httpSeconds: new Histogram({ name: 'onelot_http_request_seconds', help: 'HTTP request latency', labelNames: ['method', 'route', 'status'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: r }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
