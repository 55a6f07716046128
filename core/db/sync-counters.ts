// How often the embedded database synced to disk (durable-fs.ts), counted in the database thread
// and read from the main one: a SharedArrayBuffer of 64-bit slots, written and read with Atomics.
export const SYNC_SLOTS = { walSyncs: 0, otherSyncs: 1, lastWalSyncAtMs: 2, syncMicros: 3 } as const;
export const SYNC_COUNTER_BYTES = 4 * BigInt64Array.BYTES_PER_ELEMENT;

export interface SyncCounts {
  /** fdatasync()s of a WAL segment: one per commit that wrote WAL. */
  wal: number;
  /** fsync()s of anything else: checkpoints, new files, directories. */
  other: number;
  /** When the last WAL sync finished (ms since the epoch; 0 = none yet). */
  lastWalSyncAtMs: number;
  /** Time spent in those syncs, seconds (what durability costs the database thread). */
  seconds: number;
}

export function readSyncCounts(buffer: SharedArrayBuffer): SyncCounts {
  const view = new BigInt64Array(buffer);
  return {
    wal: Number(Atomics.load(view, SYNC_SLOTS.walSyncs)),
    other: Number(Atomics.load(view, SYNC_SLOTS.otherSyncs)),
    lastWalSyncAtMs: Number(Atomics.load(view, SYNC_SLOTS.lastWalSyncAtMs)),
    seconds: Number(Atomics.load(view, SYNC_SLOTS.syncMicros)) / 1e6,
  };
}
