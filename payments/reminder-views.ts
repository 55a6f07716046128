// Reminder messages as operators see them: the run's result and one plate's history. The phone is
// masked (138****8000): operators need to see that a reminder reached someone, not the number.
import type { Pool } from '../core/db/index.ts';
import { maskPlate } from '../core/plates.ts';
import { maskPhone } from '../core/sms.ts';
import { hidden, inTenant } from '../core/tenancy.ts';

export const REMINDER_STATUSES = ['queued', 'deferred_quiet_hours', 'sent', 'delivered', 'failed', 'no_recipient'] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

export interface ReminderView {
  id: number; invoiceId: number; plate: string; amountFen: number; recipient: string | null;
  status: ReminderStatus; error: string | null; attempts: number;
  createdAt: string; sentAt: string | null; deliveredAt: string | null; failedAt: string | null;
}

interface Row {
  id: number; invoice_id: number; plate: string; amount_fen: number; phone: string | null; status: ReminderStatus; error: string | null;
  attempts: number; created_at: Date; sent_at: Date | null; delivered_at: Date | null; failed_at: Date | null;
}

const COLUMNS = `m.id, m.invoice_id, m.plate, i.amount_fen, m.phone, m.status, m.error, m.attempts, m.created_at, m.sent_at, m.delivered_at, m.failed_at`;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toView(r: Row, plate: (p: string) => string): ReminderView {
  return {
    id: Number(r.id), invoiceId: Number(r.invoice_id), plate: plate(r.plate), amountFen: r.amount_fen, recipient: r.phone ? maskPhone(r.phone) : null,
    status: r.status, error: r.error, attempts: r.attempts,
    createdAt: r.created_at.toISOString(), sentAt: iso(r.sent_at), deliveredAt: iso(r.delivered_at), failedAt: iso(r.failed_at),
  };
}

/** The messages of a run, by id (plates masked, as the run's list shows many drivers at once). */
export async function reminderViews(pool: Pool, ids: number[]): Promise<ReminderView[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM reminder_messages m JOIN invoices i ON i.id = m.invoice_id WHERE m.id = ANY($1::bigint[]) ORDER BY m.id`, [ids]);
  return rows.map((r) => toView(r, maskPlate));
}

/**
 * Every reminder about a plate at the caller's lots, newest first. A plate with no invoice there
 * answers 404, as a plate that does not exist would (core/tenancy.ts, sealing rule).
 */
export async function plateReminderHistory(pool: Pool, plate: string, tenant: string | null): Promise<{ plate: string; messages: ReminderView[] }> {
  const known = await pool.query(`SELECT 1 FROM invoices i WHERE i.plate = $1 AND ${inTenant('i.lot_id', 2)} LIMIT 1`, [plate, tenant]);
  if (known.rows.length === 0) throw hidden(`Plate ${plate} at your lots`);
  const { rows } = await pool.query<Row>(
    `SELECT ${COLUMNS} FROM reminder_messages m JOIN invoices i ON i.id = m.invoice_id
      WHERE m.plate = $1 AND ${inTenant('i.lot_id', 2)} ORDER BY m.created_at DESC, m.id DESC LIMIT 200`, [plate, tenant]);
  return { plate, messages: rows.map((r) => toView(r, (p) => p)) };
}
