// Shared mode (several ingest processes on one database server): a batch locks the lots it
// touches before it reads their bays and sessions, so two processes never decide one lot at once.
import type { PoolClient } from '../core/db/index.ts';
import type { IngestEvent } from '../core/ingest-events.ts';
import type { BayMirror } from './bay-mirror.ts';

/** Advisory locks per lot, a namespace of their own (core/leader.ts uses another). */
const LOT_LOCK_NAMESPACE = 0x0e1f;

/**
 * Transaction locks on these lots, taken in the order of their hashes: every writer takes them in
 * that one order, so two writers never each hold a lot the other waits for (two ids of one hash
 * are one lock, which the order also keeps acyclic).
 */
export async function lockLots(client: PoolClient, lotIds: string[]): Promise<void> {
  if (!lotIds.length) return;
  await client.query(
    `SELECT pg_advisory_xact_lock(${LOT_LOCK_NAMESPACE}, h) FROM (SELECT DISTINCT hashtext(id) AS h FROM unnest($1::text[]) AS id ORDER BY 1) AS s`,
    [lotIds],
  );
}

/** Every lot a batch touches: its events' and its bays' (a recheck names only a bay). */
export async function lotsOf(client: PoolClient, events: IngestEvent[], codes: string[], mirror: BayMirror): Promise<string[]> {
  await mirror.ensure(client, codes);
  const lots = new Set<string>();
  for (const e of events) if (e.lotId) lots.add(e.lotId);
  for (const code of codes) {
    const lotId = mirror.get(code)?.lotId;
    if (lotId) lots.add(lotId);
  }
  return [...lots];
}
