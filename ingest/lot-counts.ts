// A lot's counts as ingest reports them (with its data-quality figure, core/data-quality.ts), and
// a garage's gate count: cars in (+1) and out (−1) by its gate cameras' new events, kept beside its
// bay counts so a drift between the two lowers the lot's data quality (migrations/024).
import type { PoolClient } from '../core/db/index.ts';
import type { LotCounts } from '../core/changes.ts';
import type { IngestEvent } from '../core/ingest-events.ts';
import { dataQuality } from '../core/data-quality.ts';

/** A lot_availability row as the batch statement returns it. */
export function lotCounts(c: { lot_id: string; free: number; occupied: number; unknown: number; doubtful: number; gate_inside: number | null; updated_at: string }): LotCounts {
  const dq = dataQuality({ free: c.free, occupied: c.occupied, unknown: c.unknown, doubtful: c.doubtful, gateInside: c.gate_inside });
  return { id: c.lot_id, free: c.free, occupied: c.occupied, unknown: c.unknown, dataQuality: dq, updatedAt: new Date(c.updated_at).toISOString() };
}

/** Cars in (+1) and out (−1) of each garage by its gate cameras' new events. */
export function gateCounts(events: IngestEvent[]): Array<{ l: string; d: number }> {
  const by = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'gate' || !e.lotId) continue;
    const dir = (e.payload as { direction?: string }).direction;
    by.set(e.lotId, (by.get(e.lotId) ?? 0) + (dir === 'in' ? 1 : dir === 'out' ? -1 : 0));
  }
  return [...by].filter(([, d]) => d !== 0).map(([l, d]) => ({ l, d }));
}

export async function countGates(client: PoolClient, gates: Array<{ l: string; d: number }>): Promise<LotCounts[]> {
  const { rows } = await client.query(
    `UPDATE lot_availability a SET gate_inside = greatest(0, coalesce(a.gate_inside, 0) + x.d), updated_at = now()
       FROM json_to_recordset($1::json) AS x(l text, d int) WHERE a.lot_id = x.l
     RETURNING a.lot_id, a.free, a.occupied, a.unknown, a.doubtful, a.gate_inside, a.updated_at`, [JSON.stringify(gates)]);
  return rows.map(lotCounts);
}

/** The newest counts per lot (the gate update ran after the batch statement). */
export function mergeLots(a: LotCounts[], b: LotCounts[]): LotCounts[] {
  const by = new Map(a.map((l) => [l.id, l]));
  for (const l of b) by.set(l.id, l);
  return [...by.values()];
}
