// Overdue reminders: at most one a day per overdue invoice, logged (no SMS gateway yet).
import type { Pool } from '../core/db/index.ts';
import { maskPlate } from '../core/plates.ts';
import { inTenant } from '../core/tenancy.ts';

type Log = (msg: string) => void;

export interface ReminderSent {
  invoiceId: number;
  plate: string; // masked
  amountFen: number;
  dueAt: Date;
  remindersSent: number;
  /** Masked phone of the plate's account, or null when the plate has no account. */
  recipient: string | null;
}

/**
 * Remind about invoices that are overdue (outstanding and past due_at), at most once a day each.
 * There is no SMS gateway in OneLot yet: a reminder is a log line; the count and time are kept so
 * operators see what was "sent" and a gateway can be plugged in here.
 */
export async function sendOverdueReminders(pool: Pool, now: Date = new Date(), log: Log = () => {}, tenant: string | null = null): Promise<ReminderSent[]> {
  // `tenant`: only invoices of its lots (an operator's run); null: the whole city (the job, the city role).
  // 23 h, not 24: a daily cron firing a few seconds early must not skip a day.
  const { rows } = await pool.query<{ id: number; plate: string; amount_fen: number; due_at: Date; reminders_sent: number; phone: string | null }>(
    `UPDATE invoices i SET reminders_sent = i.reminders_sent + 1, last_reminded_at = $1
      WHERE i.status = 'outstanding' AND i.due_at < $1
        AND (i.last_reminded_at IS NULL OR i.last_reminded_at <= $1::timestamptz - interval '23 hours')
        AND ${inTenant('i.lot_id', 2)}
      RETURNING i.id, i.plate, i.amount_fen, i.due_at, i.reminders_sent,
        -- the owner only for a stay since their claim: a new owner is not told of an earlier one
        (SELECT d.phone FROM driver_plates dp JOIN drivers d ON d.id = dp.driver_id JOIN sessions s ON s.id = i.session_id
          WHERE dp.plate = i.plate AND s.entry_time >= dp.claimed_at) AS phone`,
    [now, tenant]);
  const sent = rows.map((r) => ({
    invoiceId: r.id, plate: maskPlate(r.plate), amountFen: r.amount_fen, dueAt: r.due_at, remindersSent: r.reminders_sent,
    recipient: r.phone ? `${r.phone.slice(0, 3)}****${r.phone.slice(-4)}` : null,
  }));
  for (const s of sent) {
    log(`payments: overdue reminder #${s.remindersSent} for invoice ${s.invoiceId} (${s.plate}, ${s.amountFen} fen) to ${s.recipient ?? 'no account (shown at lookup only)'} — logged only, no SMS gateway configured`);
  }
  return sent.sort((a, b) => a.invoiceId - b.invoiceId);
}
