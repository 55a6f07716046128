// What a plate owes and what a lot charges, as anyone may see them: plates masked, nothing about
// the driver (plates are personal data, migrations/004), every bill explained line by line.
import type { Pool } from '../core/db/index.ts';
import { maskPlate, type PlateKind } from '../core/plates.ts';
import { OneLotError } from '../core/errors.ts';
import { ownTariffId, pickVersion } from './billing-book.ts';
import { computeFee, describeTariff, explainBill, parseTariff, priceStays, typicalStays, type FeeLine, type FeeResult, type Tariff } from './tariff.ts';
import type { LotTariff, PlateInvoices, PublicInvoice } from './http/schemas.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

const INVOICE_SELECT = `SELECT i.id, i.plate, i.lot_id, i.amount_fen, i.lines, i.tariff_id, i.tariff_version, i.status, i.issued_at, i.due_at,
        s.entry_time, s.exit_time, s.plate_kind, l.name AS lot_name, l.name_en AS lot_name_en, l.time_zone
   FROM invoices i JOIN sessions s ON s.id = i.session_id JOIN lots l ON l.id = i.lot_id`;

/** Rebuild the engine's result from a stored invoice, so explainBill words it as at issue. */
function feeResultOf(r: any): FeeResult {
  const lines = r.lines as FeeLine[];
  return {
    totalFen: r.amount_fen, lines, tariffId: r.tariff_id, tariffVersion: r.tariff_version, lotId: r.lot_id, timeZone: r.time_zone,
    plateKind: (r.plate_kind ?? 'standard') as PlateKind, entry: iso(r.entry_time), exit: iso(r.exit_time),
    stayMinutes: Math.floor((Date.parse(r.exit_time) - Date.parse(r.entry_time)) / 60_000),
  };
}

function toPublicInvoice(r: any, now: number): PublicInvoice {
  const fee = feeResultOf(r);
  return {
    id: r.id, plate: maskPlate(r.plate), lotId: r.lot_id, lotName: r.lot_name, lotNameEn: r.lot_name_en,
    entryTime: iso(r.entry_time), exitTime: iso(r.exit_time), amountFen: r.amount_fen, status: r.status,
    overdue: r.status === 'outstanding' && new Date(r.due_at).getTime() < now,
    issuedAt: iso(r.issued_at), dueAt: iso(r.due_at), tariff: { id: r.tariff_id, version: r.tariff_version },
    lines: fee.lines.map((l) => ({ kind: l.kind, description: l.description, amountFen: l.amountFen, from: l.from, to: l.to })),
    explanation: { zh: explainBill(fee, 'zh'), en: explainBill(fee, 'en') },
  };
}

/** A (normalised) plate's outstanding and paying invoices, newest first. */
export async function plateInvoices(pool: Pool, plate: string): Promise<PlateInvoices> {
  const { rows } = await pool.query(`${INVOICE_SELECT} WHERE i.plate = $1 AND i.status IN ('outstanding', 'paying') ORDER BY i.issued_at DESC LIMIT 200`, [plate]);
  const now = Date.now();
  const invoices = rows.map((r) => toPublicInvoice(r, now));
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
