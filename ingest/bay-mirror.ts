// The ingest writer's copy of bay_state (occupied, since, event time per bay), so deciding what a
// batch changes — and spotting late reports — costs no database reads. The database stays the
// record: the mirror is loaded from it, and updated only after a batch has committed.
// With one ingest writer per database (npm start) the mirror is the truth between loads. Where
// several processes write (processes by role), the writer re-reads each batch's bays with refresh
// under its lots' locks (ingest/writer.ts `shared`), so the database decides.
import type { Pool, PoolClient } from '../core/db/index.ts';

export interface BayRecord { lotId: string; occupied: boolean | null; since: number | null; eventTime: number | null }
export interface BayUpdate {
  /** null: unknown (the device that reported it fell silent, ingest/device-health.ts). */
  code: string; lotId: string; occupied: boolean | null; since: number; eventTime: number;
  deviceId: string; seq: number; was: boolean | null;
}

export class BayMirror {
  private bays = new Map<string, BayRecord>();

  async load(pool: Pool): Promise<void> {
    const { rows } = await pool.query(`SELECT bay_code, lot_id, occupied, since, event_time FROM bay_state`);
    this.bays = new Map(rows.map((r) => [r.bay_code, toRecord(r)]));
  }

  /** Bays created after the load (a lot added at run time): fetched once, inside the batch. */
  async ensure(client: PoolClient, codes: string[]): Promise<void> {
    const missing = codes.filter((c) => !this.bays.has(c));
    if (!missing.length) return;
    const { rows } = await client.query(`SELECT bay_code, lot_id, occupied, since, event_time FROM bay_state WHERE bay_code = ANY($1::text[])`, [missing]);
    for (const r of rows) this.bays.set(r.bay_code, toRecord(r));
  }

  /** Re-read these bays from the database (in the caller's transaction, under its locks). */
  async refresh(client: PoolClient, codes: string[]): Promise<void> {
    if (!codes.length) return;
    const { rows } = await client.query(`SELECT bay_code, lot_id, occupied, since, event_time FROM bay_state WHERE bay_code = ANY($1::text[])`, [codes]);
    for (const r of rows) this.bays.set(r.bay_code, toRecord(r));
  }

  get(code: string): BayRecord | undefined {
    return this.bays.get(code);
  }

  /** After COMMIT: the database now holds these; so does the mirror. */
  apply(updates: BayUpdate[]): void {
    for (const u of updates) this.bays.set(u.code, { lotId: u.lotId, occupied: u.occupied, since: u.since, eventTime: u.eventTime });
  }
}

function toRecord(r: { lot_id: string; occupied: boolean | null; since: Date | null; event_time: Date | null }): BayRecord {
  return { lotId: r.lot_id, occupied: r.occupied, since: r.since ? new Date(r.since).getTime() : null, eventTime: r.event_time ? new Date(r.event_time).getTime() : null };
}
