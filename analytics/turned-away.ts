// Arrivals turned away (migrations/030): guidance reports each on the change feed; counting them in
// memory and adding the counts every few seconds keeps a public route's requests from each costing
// a write on the one embedded database connection.
import type { ChangeFeed, TurnedAway } from '../core/changes.ts';
import type { Pool } from '../core/db/index.ts';
import type { Log } from '../core/module.ts';

const FLUSH_MS = 5_000;
const HOUR_MS = 3_600_000;

export class TurnedAwayRecorder {
  /** `lotId|hour ISO` → arrivals not written yet. */
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly onEvent = (e: TurnedAway) => {
    const hour = new Date(Math.floor(Date.parse(e.at) / HOUR_MS) * HOUR_MS).toISOString();
    const key = `${e.lotId}|${hour}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  };

  constructor(private readonly pool: Pool, private readonly feed: ChangeFeed, private readonly log: Log) {}

  start(): void {
    this.feed.on('turnedAway', this.onEvent);
    this.timer = setInterval(() => { this.flush().catch((err) => this.log.warn({ err }, 'turned-away counts not written; kept for the next try')); }, FLUSH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.feed.off('turnedAway', this.onEvent);
    clearInterval(this.timer);
    await this.flush();
  }

  /** Add what was counted since the last flush; on failure the counts stay for the next one. */
  async flush(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const batch = this.pending;
    this.pending = new Map();
    const rows = [...batch].map(([key, n]) => { const [lotId, hour] = key.split('|'); return { lotId, hour, n }; });
    try {
      await this.pool.query(
        `INSERT INTO lot_turned_away AS t (lot_id, hour, arrivals)
         SELECT r.lot_id, r.hour, r.n FROM jsonb_to_recordset($1::jsonb) AS r(lot_id text, hour timestamptz, n int)
          WHERE EXISTS (SELECT 1 FROM lots WHERE id = r.lot_id)
         ON CONFLICT (lot_id, hour) DO UPDATE SET arrivals = t.arrivals + EXCLUDED.arrivals`,
        [JSON.stringify(rows.map((r) => ({ lot_id: r.lotId, hour: r.hour, n: r.n })))]);
    } catch (err) {
      for (const [k, n] of batch) this.pending.set(k, (this.pending.get(k) ?? 0) + n);
      throw err;
    }
    return rows.length;
  }
}
