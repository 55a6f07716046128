// Runs in a worker thread: the embedded TimescaleDB and its wire-protocol server, on their own core.
// PGlite is synchronous WASM; in the main thread every query would stall MQTT and HTTP handling.
import { parentPort, workerData } from 'node:worker_threads';
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
