// Runs in a worker thread: the embedded TimescaleDB and its wire-protocol server, on their own core.
// PGlite is synchronous WASM; in the main thread every query would stall MQTT and HTTP handling.
import { parentPort, workerData } from 'node:worker_threads';
import v8 from 'node:v8';
import { startEmbeddedDatabase } from './embedded.ts';

// The sync counters live in a SharedArrayBuffer from the main thread, which reads them with Atomics.
const db = await startEmbeddedDatabase(workerData.dataDir as string, { durable: workerData.durable as boolean, syncCounters: workerData.syncCounters as SharedArrayBuffer });
parentPort!.on('message', async (msg) => {
  if (msg === 'close') {
    await db.close();
    parentPort!.postMessage({ closed: true });
    process.exit(0);
  }
});
parentPort!.postMessage({ ready: true, connection: db.connection });
// This thread's JS heap, for /metrics (onelot_db_heap_used_bytes): it has a cap of its own, and
// running out of it ends the database (ERR_WORKER_OUT_OF_MEMORY).
setInterval(() => {
  const h = v8.getHeapStatistics();
  parentPort!.postMessage({ heap: { used: h.used_heap_size, limit: h.heap_size_limit, external: h.external_memory } });
}, 2000).unref();
