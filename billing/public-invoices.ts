// What a plate owes and what a lot charges, as anyone may see them. Plates are personal data
// (migrations/004, 011): a plate's lookup shows only what is needed to pay what is outstanding —
// amount, lot, date and the invoice's unguessable reference — never times, history or the driver.
// A lot's tariff is explained line by line.
import type { Pool } from '../core/db/index.ts';
import { maskPlate } from '../core/plates.ts';
import { localDay } from '../core/local-time.ts';
import { OneLotError } from '../core/errors.ts';
import { ownTariffId, pickVersion } from './billing-book.ts';
import { computeFee, describeTariff, explainBill, parseTariff, priceStays, typicalStays, type Tariff } from './tariff.ts';
import type { LotTariff, PlateInvoices, PublicInvoice } from './http/schemas.ts';


/** A (normalised) plate's outstanding and paying invoices, newest first. */
export async function plateInvoices(pool: Pool, plate: string): Promise<PlateInvoices> {
  const { rows } = await pool.query<{
    public_ref: string; plate: string; lot_id: string; lot_name: string; lot_name_en: string; time_zone: string; amount_fen: number;
    status: string; due_at: Date; exit_time: Date | null; issued_at: Date; tariff_id: string; tariff_version: number;
  }>(
    `SELECT i.public_ref, i.plate, i.lot_id, l.name AS lot_name, l.name_en AS lot_name_en, l.time_zone, i.amount_fen, i.status, i.due_at,
            s.exit_time, i.issued_at, i.tariff_id, i.tariff_version
       FROM invoices i JOIN sessions s ON s.id = i.session_id JOIN lots l ON l.id = i.lot_id
      WHERE i.plate = $1 AND i.status IN ('outstanding', 'paying') AND i.plate_certain ORDER BY i.issued_at DESC LIMIT 200`, [plate]);
  const now = Date.now();
  const invoices: PublicInvoice[] = rows.map((r) => ({
    ref: r.public_ref, plate: maskPlate(r.plate), lotId: r.lot_id, lotName: r.lot_name, lotNameEn: r.lot_name_en,
    date: localDay(r.exit_time ?? r.issued_at, r.time_zone), amountFen: r.amount_fen, status: r.status,
    overdue: r.status === 'outstanding' && r.due_at.getTime() < now, dueDate: localDay(r.due_at, r.time_zone),
    tariff: { id: r.tariff_id, version: r.tariff_version },
  }));
  return {
    plate: maskPlate(plate), invoices,
    totalFen: invoices.reduce((s, i) => s + i.amountFen, 0),
    overdueFen: invoices.filter((i) => i.overdue).reduce((s, i) => s + i.amountFen, 0),
  };
}

/** A version as the public page shows it: its rules in words and typical stays explained. */
function publicVersion(t: Tariff, now: Date): LotTariff['current'] {
  const after = new Date(Math.max(now.getTime(), Date.parse(t.validFrom)));
  return {
    version: t.version, validFrom: new Date(t.validFrom).toISOString(), tariff: t,
    description: { zh: describeTariff(t, 'zh'), en: describeTariff(t, 'en') },
    examples: priceStays(t, typicalStays(t, after)),
  };
}

/**
 * The tariff in force at a lot now and the next approved one (fees are public), with example
 * stays explained; 404 without one. Only approved versions: drafts and versions waiting for the
 * city are not prices yet.
 */
export async function lotTariff(pool: Pool, lotId: string, now = new Date()): Promise<LotTariff> {
  const { rows } = await pool.query(
    `SELECT l.kind, b.tariff_id, t.id, t.lot_id, t.body
       FROM lots l LEFT JOIN lot_billing b ON b.lot_id = l.id
       JOIN tariffs t ON t.status = 'approved' AND (t.lot_id = l.id OR (t.lot_id IS NULL AND t.id = b.tariff_id))
      WHERE l.id = $1`, [lotId]);
  const own = rows.filter((r) => r.lot_id).map((r) => parseTariff(r.body));
  const shared = rows.filter((r) => !r.lot_id).map((r) => parseTariff(r.body));
  const lists = [[ownTariffId(lotId), own], [rows[0]?.tariff_id ?? '', shared]] as const;
  const inForce = pickVersion(lists, now);
  if (!inForce) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `A tariff for lot ${lotId} in force now`);
  const tariff = inForce.tariff;
  // The next version that takes over: the earliest approved validFrom after now, of either list.
  const next = [...own, ...shared].filter((t) => Date.parse(t.validFrom) > now.getTime()).sort((a, b) => Date.parse(a.validFrom) - Date.parse(b.validFrom))[0];
  // Example stays from now, so a driver sees what parking here costs today.
  const examples = [60, 180, 600].map((m) => {
    const fee = computeFee(tariff, { plateKind: 'standard' }, now, new Date(now.getTime() + m * 60_000));
    return { stayMinutes: m, entry: now.toISOString(), totalFen: fee.totalFen, explanation: { zh: explainBill(fee, 'zh'), en: explainBill(fee, 'en') } };
  });
  return {
    lotId, tariffId: inForce.tariffId, tariff, examples,
    current: publicVersion(tariff, now), next: next ? publicVersion(next, now) : null,
    approvedBy: rows[0].kind === 'street' ? 'city' : 'operator',
  };
}
