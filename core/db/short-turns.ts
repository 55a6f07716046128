// Short work on the embedded database's one connection, without queuing behind ingest. The pool
// (max 1) lends that connection to ingest's writer, which keeps it while batches keep coming and
// lets a pool waiter have it only once it has waited a while and the batches in flight are done
// (ingest/writer.ts othersKeptWaiting). A contactless charge waited so twice (its provider ids, its
// webhook group), each time behind the threshold and then behind every waiter ahead of it: most of
// exit → charge at 2,000 exits/s (docs/performance.md). Work that is short and on a charge's path
// asks for a turn here instead: while the writer holds the connection, it runs the work on it as
// soon as its batches in flight are done, before its next batch; otherwise the work takes the pool.
import type { Pool, PoolClient } from './index.ts';
import { inTransaction } from './tx.ts';

interface Turn { fn: (c: PoolClient) => Promise<unknown>; tx: boolean; resolve(v: unknown): void; reject(err: unknown): void }

export class ShortTurns {
  private queue: Turn[] = [];
  private held = false;

  constructor(private readonly pool: Pool) {}

  /** Short work waits for the holder's connection. */
  get waiting(): boolean {
    return this.queue.length > 0;
  }

  /** fn in a transaction of its own (BEGIN … COMMIT, ROLLBACK if it throws). */
  tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return this.turn(fn, true);
  }

  /** fn's statements as they are (each its own transaction): e.g. one UPDATE. */
  run<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return this.turn(fn, false);
  }

  /** The writer has the pool's connection and will run short work between its batches (runOn). */
  hold(): void {
    this.held = true;
  }

  /** Runs every turn waiting on c, in order, each on its own. */
  async runOn(c: PoolClient): Promise<void> {
    for (let t = this.queue.shift(); t; t = this.queue.shift()) await run(c, t);
  }

  /** The writer lets its connection go: what still waits takes the pool. */
  release(): void {
    this.held = false;
    for (const t of this.queue.splice(0)) this.onPool(t);
  }

  private turn<T>(fn: (c: PoolClient) => Promise<T>, tx: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t: Turn = { fn, tx, resolve: resolve as (v: unknown) => void, reject };
      if (this.held) this.queue.push(t);
      else this.onPool(t);
    });
  }

  private onPool(t: Turn): void {
    this.pool.connect().then(async (c) => {
      try {
        await run(c, t);
      } finally {
        c.release();
      }
    }, t.reject);
  }
}

async function run(c: PoolClient, t: Turn): Promise<void> {
  try {
    t.resolve(await (t.tx ? inTransaction(c, t.fn) : t.fn(c)));
  } catch (err) {
    t.reject(err);
  }
}

const turns = new WeakMap<Pool, ShortTurns>();

/** The pool's short turns (one per pool: the writer and payments share it). */
export function shortTurns(pool: Pool): ShortTurns {
  let t = turns.get(pool);
  if (!t) turns.set(pool, (t = new ShortTurns(pool)));
  return t;
}
