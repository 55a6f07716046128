// The demo city's billing: its tariffs, and a tariff for every lot that has none (street lots the
// street tariff, garages the garage tariff). Runs at every start, so lots added by hand are billed.
import { tariffFamilyId, type Queryable } from '../billing/index.ts';
import { DEMO_TARIFFS } from './demo-tariffs.ts';

/** Insert the demo tariffs and a lot_billing row for every lot lacking one (or only `lotIds`). Idempotent. */
export async function ensureBillingSeed(q: Queryable, lotIds?: readonly string[]): Promise<void> {
  const t = DEMO_TARIFFS;
  await q.query(
    `INSERT INTO tariffs (id, version, valid_from, body)
     SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::jsonb[]) ON CONFLICT DO NOTHING`,
    [t.map(tariffFamilyId), t.map((x) => x.version), t.map((x) => x.validFrom), t.map((x) => JSON.stringify(x))],
  );
  // Street lots get the street tariff, garages the garage tariff (demo district).
  await q.query(
    `INSERT INTO lot_billing (lot_id, tariff_id)
     SELECT l.id, CASE l.kind WHEN 'street' THEN 'zz-street' ELSE 'zz-garage' END
       FROM lots l WHERE NOT EXISTS (SELECT 1 FROM lot_billing b WHERE b.lot_id = l.id) AND ($1::text[] IS NULL OR l.id = ANY($1))
     ON CONFLICT (lot_id) DO NOTHING`, // the session hook and a new lot's listener (billing/module.ts) may both run it
    [lotIds ?? null],
  );
}
