// The keys of the device events this writer committed most recently. A device resends a message
// whose PUBACK it did not see (QoS 1), usually within seconds; found here, the repeat is answered
// without the database. Found only by the insert's unique key instead, it made every batch ask the
// database which of its events were the repeats (ingest/writer.ts freshOnly: ~0.2 s for 2,000
// lookups plus ~0.15 s planning on the embedded database's hypertable), and with 1 % duplicates
// nearly every batch of the whole city has one (docs/performance.md, "Truth under faults").
// What falls out of the window, or was committed by another process, the unique key still catches.
export class RecentKeys {
  private readonly keys = new Set<string>();
  private readonly ring: Array<string | undefined>;
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Remember a committed key; the oldest is forgotten once `capacity` are held. */
  add(key: string): void {
    if (this.capacity <= 0 || this.keys.has(key)) return;
    const old = this.ring[this.next];
    if (old !== undefined) this.keys.delete(old);
    this.ring[this.next] = key;
    this.next = (this.next + 1) % this.capacity;
    this.keys.add(key);
  }

  get size(): number {
    return this.keys.size;
  }
}
