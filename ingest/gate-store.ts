// The garages' gate balances (ingest/gate-balance.ts) kept in the database, for several ingest
// processes on one (shared): a garage's gate cameras may report through one process and its bay
// sensors through another, so no process's memory alone knows which cars are missing.
// - A writer loads the balances of its batch's lots under their locks (readGates), folds in the
//   batch's gate reports and sensors' changes and writes the touched ones back in the same
//   transaction (saveGates).
// - The evidence check reloads them all each pass (syncGates) and decides each garage's doubted bays
//   under its lock on the bays as the database holds them (chooseSharedDoubts); writers read the
//   doubted bays with the balance. A garage's row is small: a few timestamps per car in flight.
import type { Pool, PoolClient } from '../core/db/index.ts';
import { withTx } from '../core/db/tx.ts';
import type { BayMirror } from './bay-mirror.ts';
import type { DeviceBook } from './device-book.ts';
import type { GateBalance, GateLot } from './gate-balance.ts';
import { lockLots } from './lot-locks.ts';

interface GateRow { lot_id: string; state: Partial<GateLot>; doubted: string[] }

/** These lots' balances as the database holds them, into `gates` (a lot with no row has none). */
export async function readGates(db: Pool | PoolClient, gates: GateBalance, lotIds: string[]): Promise<void> {
  if (!lotIds.length) return;
  const { rows } = await db.query<GateRow>(`SELECT lot_id, state, doubted FROM lot_gate_balance WHERE lot_id = ANY($1::text[])`, [lotIds]);
  const byLot = new Map(rows.map((r) => [r.lot_id, r]));
  for (const id of lotIds) gates.load(id, byLot.get(id)?.state ?? null, byLot.get(id)?.doubted ?? []);
}

/**
 * These lots' balances from `gates`, as one statement's parameter: made at once when the balance
 * was folded (nothing may change it between), sent in the writer's transaction (saveGates).
 */
export function gateStates(gates: GateBalance, lotIds: Iterable<string>): string {
  return JSON.stringify([...lotIds].map((l) => ({ l, s: gates.state(l) ?? {} })));
}

/** The balances gateStates took, stored (the doubted bays stay the evidence check's). */
export async function saveGates(client: PoolClient, states: string): Promise<void> {
  await client.query(
    `INSERT INTO lot_gate_balance (lot_id, state) SELECT x.l, x.s FROM json_to_recordset($1::json) AS x(l text, s jsonb)
     ON CONFLICT (lot_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`, [states]);
}

/** Every garage's balance and doubted bays, as the database holds them now (a pass of the evidence check). */
export async function syncGates(pool: Pool, gates: GateBalance): Promise<void> {
  const { rows } = await pool.query<GateRow>(`SELECT lot_id, state, doubted FROM lot_gate_balance`);
  const now = new Set(rows.map((r) => r.lot_id));
  for (const id of [...gates.lotIds()]) if (!now.has(id)) gates.load(id, null);
  for (const r of rows) gates.load(r.lot_id, r.state, r.doubted);
}

/**
 * Shared: the garages whose doubted bays may change (cars missing, or bays doubted) decided again
 * under their locks, on their bays and sensors' faults as the database holds them; the changed
 * doubted sets stored. `choose` is the one process's rule (evidence-check.ts chooseGateDoubts).
 * Returns the bays whose standing changed.
 */
export async function chooseSharedDoubts(s: { pool: Pool; bays: BayMirror; devices: DeviceBook }, gates: GateBalance, clock: number,
  choose: (lotIds: string[]) => string[]): Promise<string[]> {
  const lots = [...gates.lotIds()].filter((l) => gates.missing(l, clock) > 0 || gates.hasDoubts(l));
  if (!lots.length) return [];
  return withTx(s.pool, async (c) => {
    await lockLots(c, lots);
    const codes = lots.flatMap((l) => [...s.bays.baysIn(l)]);
    const sensors = [...new Set(codes.flatMap((code) => s.bays.get(code)?.sensorId ?? []))];
    await Promise.all([readGates(c, gates, lots), s.bays.refresh(c, codes), s.devices.loadFaults(c, sensors)]);
    const before = new Map(lots.map((l) => [l, gates.doubtedIn(l).join(',')]));
    const changed = choose(lots);
    const moved = lots.filter((l) => gates.doubtedIn(l).join(',') !== before.get(l));
    if (moved.length) {
      await c.query(
        `INSERT INTO lot_gate_balance (lot_id, doubted) SELECT x.l, x.d FROM json_to_recordset($1::json) AS x(l text, d text[])
         ON CONFLICT (lot_id) DO UPDATE SET doubted = EXCLUDED.doubted, updated_at = now()`,
        [JSON.stringify(moved.map((l) => ({ l, d: gates.doubtedIn(l) })))]);
    }
    return changed;
  });
}
