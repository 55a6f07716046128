// The simulator's two schedulers. EventQueue orders timed actions (the city's cars, the fleet's
// held-back messages); TimeWheel hands out heartbeats for hundreds of thousands of devices without
// scanning them every tick.

/** A binary min-heap of timed actions; equal times run in insertion order. */
export class EventQueue {
  private heap: Array<{ at: number; n: number; run: (at: number) => void }> = [];
  private n = 0;
  push(at: number, run: (at: number) => void): void {
    const h = this.heap;
    h.push({ at, n: this.n++, run });
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  get size(): number {
    return this.heap.length;
  }
  clear(): void {
    this.heap = [];
  }
  nextAt(): number {
    return this.heap.length ? this.heap[0].at : Infinity;
  }
  runNext(): void {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    top.run(top.at);
  }
  private less(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    return x.at < y.at || (x.at === y.at && x.n < y.n);
  }
}

/**
 * A hashed timing wheel of integer ids: schedule(due, id) and drain(now) cost O(1) per id, so
 * heartbeats for 250,000 devices need no per-tick scan. Ids must be due within `horizonMs`.
 */
export class TimeWheel {
  private readonly slots: number[][];
  private cursor: number; // start time of the next slot to drain
  constructor(private readonly slotMs: number, horizonMs: number, start: number) {
    this.slots = Array.from({ length: Math.ceil(horizonMs / slotMs) + 2 }, () => []);
    this.cursor = Math.floor(start / slotMs) * slotMs;
  }
  schedule(due: number, id: number): void {
    // Never into a slot already drained: those ids would wait a whole turn.
    const at = Math.max(due, this.cursor);
    this.slots[Math.floor(at / this.slotMs) % this.slots.length].push(id);
  }
  /** Call `fn` for every id due at or before `now`, each once. */
  drain(now: number, fn: (id: number, due: number) => void): void {
    while (this.cursor <= now) {
      const i = Math.floor(this.cursor / this.slotMs) % this.slots.length;
      const due = this.cursor;
      const ids = this.slots[i];
      this.slots[i] = [];
      this.cursor += this.slotMs;
      for (const id of ids) fn(id, due);
    }
  }
}
