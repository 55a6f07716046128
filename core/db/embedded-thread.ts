// Starts the embedded database in a worker thread (embedded-worker.ts) and hands back its address.
import { Worker } from 'node:worker_threads';
import type { EmbeddedDatabase } from './embedded.ts';
import { readSyncCounts, SYNC_COUNTER_BYTES } from './sync-counters.ts';

/** The database thread's JS heap, bytes (v8.getHeapStatistics in the worker, every 2 s). */
export interface HeapFigures { used: number; limit: number; external: number }

export function startEmbeddedDatabaseWorker(dataDir: string, durable = true): Promise<EmbeddedDatabase> {
  // The worker is TypeScript too: register tsx's loader in it first (Node 20 workers do not inherit
  // the main thread's loaders, nor honour --import in execArgv).
  const entry = new URL('./embedded-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  const syncCounters = new SharedArrayBuffer(SYNC_COUNTER_BYTES);
  const worker = new Worker(boot, { eval: true, workerData: { dataDir, durable, syncCounters } });
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`the embedded database could not start in ${dataDir}: ${err.message}`));
    const onExit = (code: number) => reject(new Error(`the embedded database exited with code ${code} while starting (is ${dataDir} used by another OneLot?)`));
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.once('message', (msg) => {
      let heap: HeapFigures | undefined;
      worker.on('message', (m) => { if (m?.heap) heap = m.heap; });
      worker.off('error', onError);
      worker.off('exit', onExit);
      let closing: Promise<void> | undefined;
      resolve({
        connection: msg.connection,
        busySeconds: () => worker.performance.eventLoopUtilization().active / 1000,
        heap: () => heap,
        syncs: durable ? () => readSyncCounts(syncCounters) : undefined,
        close() {
          closing ??= new Promise<void>((done) => {
            worker.once('exit', () => done());
            worker.postMessage('close');
          });
          return closing;
        },
      });
    });
  });
}
