// Every lot with its live counts, held in memory and patched from the change feed, so map and
// guidance queries never wait behind an ingest commit on the (single) database connection.
// Lot metadata is reloaded from the database when operators change it (the feed's `lots` event).
// Only live lots are held: published and not retired (migrations/014); the rest are not public.
import type { Pool } from '../core/db/index.ts';
import type { ChangeFeed, AvailabilityChange } from '../core/changes.ts';
import type { LotBody } from './schemas.ts';
import { dataQuality } from '../core/data-quality.ts';

/** A lot with its live counts, and the zone its tariffs and figures are read in. */
export type Lot = LotBody & { timeZone: string };

export class AvailabilityCache {
  private lots = new Map<string, Lot>();
  /** When the lots' metadata was last read, and how many times: what the static feeds date and version by. */
  loadedAt = new Date(0);
  version = 0;
  private readonly onChange = (c: AvailabilityChange) => this.apply(c);
  private readonly onLots = () => { this.reload().catch(() => { /* the next change retries; the old lots stay */ }); };

  constructor(private readonly pool: Pool, private readonly feed: ChangeFeed) {}

  async start(): Promise<void> {
    await this.reload();
    this.feed.on('availability', this.onChange);
    this.feed.on('lots', this.onLots);
    // Changes from other processes were perhaps missed (core/change-relay.ts reconnected).
    this.feed.on('resync', this.onLots);
  }

  stop(): void {
    this.feed.off('availability', this.onChange);
    this.feed.off('lots', this.onLots);
    this.feed.off('resync', this.onLots);
  }

  async reload(): Promise<void> {
    const { rows } = await this.pool.query(
      `SELECT l.id, l.name, l.name_en, l.kind, l.district, l.address, l.lat, l.lng, l.capacity, l.time_zone, l.path,
              COALESCE(a.free, 0) AS free, COALESCE(a.occupied, 0) AS occupied, COALESCE(a.unknown, l.capacity) AS unknown, COALESCE(a.doubtful, 0) AS doubtful, a.gate_inside, a.updated_at
         FROM lots l LEFT JOIN lot_availability a ON a.lot_id = l.id
        WHERE l.published AND l.retired_at IS NULL
        ORDER BY l.id`,
    );
    const next = new Map<string, Lot>();
    for (const r of rows) {
      next.set(r.id, {
        id: r.id, name: r.name, nameEn: r.name_en, kind: r.kind, district: r.district, address: r.address,
        lat: r.lat, lng: r.lng, capacity: r.capacity, timeZone: r.time_zone, free: r.free, occupied: r.occupied,
        unknown: r.unknown, dataQuality: dataQuality({ free: r.free, occupied: r.occupied, unknown: r.unknown, doubtful: r.doubtful, gateInside: r.gate_inside }), updatedAt: r.updated_at ? new Date(r.updated_at).toISOString() : null, path: r.path ?? null,
      });
    }
    this.lots = next;
    this.loadedAt = new Date();
    this.version += 1;
  }

  private apply(change: AvailabilityChange): void {
    for (const c of change.lots) {
      const lot = this.lots.get(c.id);
      if (!lot) continue;
      lot.free = c.free;
      lot.occupied = c.occupied;
      lot.unknown = c.unknown;
      if (c.dataQuality !== undefined) lot.dataQuality = c.dataQuality;
      lot.updatedAt = c.updatedAt;
    }
  }

  get(id: string): Lot | undefined {
    return this.lots.get(id);
  }

  all(): Iterable<Lot> {
    return this.lots.values();
  }

  size(): number {
    return this.lots.size;
  }
}
