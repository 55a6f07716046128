// Who gets the embedded database's one connection while ingest's writer holds it (the pool has
// max 1; with DATABASE_URL the pool has several and nobody waits). Batches keep going out behind
// each other until either:
// - others have waited in the pool long enough: they get the connection once the batches in
//   flight are done (the writer lets it go, and asks for it again behind them);
// - short work waits for a turn (core/db/short-turns.ts: a charge's provider ids, a webhook
//   group): it runs on the writer's connection once the batches in flight are done, before the next.
import type { Pool, PoolClient } from '../core/db/index.ts';
import { shortTurns, type ShortTurns } from '../core/db/short-turns.ts';

/**
 * How long others may wait for the connection while batches keep going out behind each other.
 * bench:billing at 2,000 exits/s, interleaved: exit → invoice p99 440–1,007 ms (one run of five
 * 2,500 on a loaded machine) at 100 ms, 831–1,528 ms when yielding at once. Not at once: yielding
 * after every batch left the database idle while the writer planned the next.
 */
const YIELD_AFTER_MS = 100;

export class ConnectionShare {
  /** When the writer first saw others waiting for its connection. */
  private othersWaitingSince: number | undefined;
  private readonly turns: ShortTurns | undefined;

  constructor(private readonly pool: Pool, shared: boolean) {
    this.turns = shared ? undefined : shortTurns(pool);
  }

  /** The writer has the connection: short work now comes to it. */
  held(): void {
    this.othersWaitingSince = undefined;
    this.turns?.hold();
  }

  /** …and lets it go: short work still waiting takes the pool. */
  released(): void {
    this.turns?.release();
  }

  /** No one has waited long and no short work waits: another batch may go out behind those in flight. */
  mayFollow(): boolean {
    return !this.othersKeptWaiting() && !this.turns?.waiting;
  }

  /** Between batches, none in flight: the short work waiting runs now; whether the writer may go on (nobody kept waiting in the pool). */
  async between(client: PoolClient): Promise<boolean> {
    if (this.turns?.waiting) await this.turns.runOn(client);
    return !this.othersKeptWaiting();
  }

  private othersKeptWaiting(): boolean {
    if (this.pool.waitingCount === 0) {
      this.othersWaitingSince = undefined;
      return false;
    }
    const now = performance.now();
    this.othersWaitingSince ??= now;
    return now - this.othersWaitingSince >= YIELD_AFTER_MS;
  }
}
