// Overdue reminders (issue 11): a run decides which overdue invoices get a reminder today — at most
// one a day each, never a second while one is still waiting to go out — and records each as a
// message (migrations/019 reminder_messages): to the plate owner's phone, or `no_recipient` when the
// plate has no account (the bill is then shown at lookup only). Sending is reminder-dispatch.ts:
// the provider interface of core/sms.ts, quiet hours in the lot's time zone, retries with backoff.
import type { Pool } from '../core/db/index.ts';
import { withTx } from '../core/db/tx.ts';
import { maskPlate } from '../core/plates.ts';
import type { SmsSender } from '../core/sms.ts';
import { inTenant } from '../core/tenancy.ts';
import { dispatchReminders } from './reminder-dispatch.ts';
import type { QuietHours } from './quiet-hours.ts';
import { REMINDER_STATUSES, reminderViews, type ReminderStatus, type ReminderView } from './reminder-views.ts';

export interface RunOptions {
  now: Date;
  /** Only invoices of this tenant's lots (an operator's run); null: the whole city (the job, the city role). */
  tenant: string | null;
  quiet: QuietHours | null;
  log?: (m: string) => void;
}

/** How many of a run's messages its answer lists. */
const LISTED = 500;

export interface RemindersRunResult {
  /** Reminders this run decided, and older ones it sent (after quiet hours or a retry), as they stand now: the first LISTED. */
  messages: ReminderView[];
  /** All of them by status. */
  counts: Record<ReminderStatus, number>;
  /** How many of `messages` this run created. */
  created: number;
}

/** Decide today's reminders (one statement per step, in one transaction); returns the new messages' ids. */
export async function enqueueReminders(pool: Pool, now: Date, tenant: string | null): Promise<number[]> {
  return withTx(pool, async (c) => {
    // 23 h, not 24: a daily cron firing a few seconds early must not skip a day.
    const { rows } = await c.query<{ id: number; plate: string; amount_fen: number; public_ref: string; lot: string | null; phone: string | null }>(
      `UPDATE invoices i SET reminders_sent = i.reminders_sent + 1, last_reminded_at = $1
        WHERE i.status = 'outstanding' AND i.plate_certain AND i.due_at < $1
          AND (i.last_reminded_at IS NULL OR i.last_reminded_at <= $1::timestamptz - interval '23 hours')
          AND NOT EXISTS (SELECT 1 FROM reminder_messages m WHERE m.invoice_id = i.id AND m.status IN ('queued', 'deferred_quiet_hours'))
          AND ${inTenant('i.lot_id', 2)}
        RETURNING i.id, i.plate, i.amount_fen, i.public_ref,
          (SELECT l.name FROM lots l WHERE l.id = i.lot_id) AS lot,
          -- the owner only for a stay since their claim: a new owner is not told of an earlier one
          (SELECT d.phone FROM driver_plates dp JOIN drivers d ON d.id = dp.driver_id JOIN sessions s ON s.id = i.session_id
            WHERE dp.plate = i.plate AND s.entry_time >= dp.claimed_at) AS phone`,
      [now, tenant]);
    if (rows.length === 0) return [];
    // The template's parameters (core/sms.ts 'overdue-reminder'): the plate masked, as anyone but its
    // owner may see it (an SMS can be read over a shoulder), the amount in yuan, the lot, the bill's public reference.
    const params = rows.map((r) => JSON.stringify({ plate: maskPlate(r.plate), amount: (r.amount_fen / 100).toFixed(2), lot: (r.lot ?? '').slice(0, 35), ref: r.public_ref }));
    const ins = await c.query<{ id: number }>(
      `INSERT INTO reminder_messages (invoice_id, plate, phone, template, params, status, next_attempt_at, created_at)
       SELECT u.invoice_id, u.plate, u.phone, 'overdue-reminder', u.params::jsonb,
              CASE WHEN u.phone IS NULL THEN 'no_recipient' ELSE 'queued' END, CASE WHEN u.phone IS NULL THEN NULL ELSE $5::timestamptz END, $5
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(invoice_id, plate, phone, params)
       RETURNING id`,
      [rows.map((r) => r.id), rows.map((r) => r.plate), rows.map((r) => r.phone), params, now]);
    return ins.rows.map((r) => r.id);
  });
}

/**
 * One reminder run, as the daily job and an operator's "send now" do it: decide today's reminders,
 * then send what may be sent now (this run's and any waiting from before). Without an SMS provider
 * (no notifications module) the messages stay queued.
 */
export async function runReminders(pool: Pool, sms: SmsSender | undefined, o: RunOptions): Promise<RemindersRunResult> {
  const created = await enqueueReminders(pool, o.now, o.tenant);
  const sent = sms ? await dispatchReminders(pool, sms, o) : [];
  const ids = [...new Set([...created, ...sent])];
  // Counted in SQL over all of them; listed up to LISTED (a city-wide run may touch tens of thousands).
  const { rows } = await pool.query<{ status: ReminderStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM reminder_messages WHERE id = ANY($1::bigint[]) GROUP BY status', [ids]);
  const counts = Object.fromEntries(REMINDER_STATUSES.map((s) => [s, 0])) as Record<ReminderStatus, number>;
  for (const r of rows) counts[r.status] = r.n;
  const messages = await reminderViews(pool, ids.slice(0, LISTED));
  o.log?.(`payments: reminder run: ${created.length} new, ${REMINDER_STATUSES.map((s) => `${counts[s]} ${s}`).join(', ')}`);
  return { messages, counts, created: created.length };
}
