// Sending reminders through the SMS provider (core/sms.ts), and what its receipts say.
//  1. Quiet hours: a message due inside REMINDER_QUIET_HOURS of its lot's time zone is marked
//     deferred_quiet_hours and sent by the first run after (the job runs every minute).
//  2. Never twice: a message is claimed in a transaction (attempts + 1, a lease of LEASE_MS) before
//     the provider is called outside it, and its id is the idempotency key (`reminder-<id>`): a
//     retry after a timeout or a crash between the send and its record is the same message.
//  3. Bounded retries: a refusal the provider says is temporary (throttling, its own trouble) is
//     tried again after 1, 5 and 25 minutes, then the message is failed with the last error; a
//     permanent one (a bad number) fails at once.
//  4. A bill paid before its reminder went out is not reminded of (failed, saying so).
import type { Pool } from '../core/db/index.ts';
import { withTx } from '../core/db/tx.ts';
import { SmsSendError, type DeliveryReceipt, type SmsSender, type SmsTemplate } from '../core/sms.ts';
import { inTenant } from '../core/tenancy.ts';
import { inQuietHours, type QuietHours } from './quiet-hours.ts';

export const MAX_ATTEMPTS = 4;
const LEASE_MS = 10 * 60_000;
/** Wait before attempt n+1 after n failed: 1, 5, 25 minutes. */
export const backoffMs = (attempts: number) => 60_000 * 5 ** (attempts - 1);
const DEFAULT_ZONE = 'Asia/Shanghai';

interface Due { id: number; phone: string; template: SmsTemplate; params: Record<string, string>; attempts: number; time_zone: string | null; invoice_status: string }

interface DispatchOptions { now: Date; tenant: string | null; quiet: QuietHours | null; log?: (m: string) => void; limit?: number }

/** Claim what may go out now; mark what must wait or must not go. Returns the messages to send and all touched. */
async function claim(pool: Pool, o: DispatchOptions): Promise<{ send: Due[]; touched: number[] }> {
  return withTx(pool, async (c) => {
    const { rows } = await c.query<Due>(
      `SELECT m.id, m.phone, m.template, m.params, m.attempts, l.time_zone, i.status AS invoice_status
         FROM reminder_messages m JOIN invoices i ON i.id = m.invoice_id LEFT JOIN lots l ON l.id = i.lot_id
        WHERE m.status IN ('queued', 'deferred_quiet_hours') AND m.next_attempt_at <= $1 AND ${inTenant('i.lot_id', 2)}
        ORDER BY m.id LIMIT $3 FOR UPDATE OF m SKIP LOCKED`,
      [o.now, o.tenant, o.limit ?? 500]);
    const settled = rows.filter((r) => r.invoice_status !== 'outstanding');
    const open = rows.filter((r) => r.invoice_status === 'outstanding');
    const quiet = open.filter((r) => inQuietHours(o.quiet, o.now, r.time_zone ?? DEFAULT_ZONE));
    const send = open.filter((r) => !quiet.includes(r));
    const ids = (xs: Due[]) => xs.map((r) => r.id);
    await c.query(`UPDATE reminder_messages SET status = 'deferred_quiet_hours' WHERE id = ANY($1::bigint[])`, [ids(quiet)]);
    await c.query(`UPDATE reminder_messages SET status = 'failed', failed_at = $2, next_attempt_at = NULL,
        error = 'not sent: the invoice was settled before its reminder went out' WHERE id = ANY($1::bigint[])`, [ids(settled), o.now]);
    await c.query(`UPDATE reminder_messages SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = ANY($1::bigint[])`,
      [ids(send), new Date(o.now.getTime() + LEASE_MS)]);
    return { send, touched: ids(rows) };
  });
}

/** What became of one send, to be recorded. */
interface Outcome { id: number; status: 'sent' | 'queued' | 'failed'; messageId: string | null; error: string | null; nextAt: Date | null }

/** Sends in flight at once: a provider's API answers in ~100 ms, so one at a time would take minutes for a city. */
const CONCURRENCY = 8;

async function sendOne(sms: SmsSender, m: Due, o: DispatchOptions): Promise<Outcome> {
  try {
    const { messageId } = await sms.send({ to: m.phone, template: m.template, params: m.params, idempotencyKey: `reminder-${m.id}` });
    return { id: m.id, status: 'sent', messageId, error: null, nextAt: null };
  } catch (err) {
    const code = err instanceof SmsSendError ? err.code : 'ERROR';
    const attempts = m.attempts + 1;
    // An error of ours or the network's is worth another try, as a temporary refusal is.
    const retry = (!(err instanceof SmsSendError) || err.retryable) && attempts < MAX_ATTEMPTS;
    o.log?.(`payments: reminder ${m.id} not sent (attempt ${attempts}, ${retry ? 'will retry' : 'given up'}): ${code}`);
    return { id: m.id, status: retry ? 'queued' : 'failed', messageId: null, error: `${code}: ${(err as Error).message}`.slice(0, 500), nextAt: retry ? new Date(o.now.getTime() + backoffMs(attempts)) : null };
  }
}

/** One statement for a batch of outcomes (each commit is a disk sync on the embedded database). */
async function record(pool: Pool, provider: string, now: Date, out: Outcome[]): Promise<void> {
  await pool.query(
    `UPDATE reminder_messages m SET status = u.status, error = u.error, next_attempt_at = u.next_at,
        provider = CASE WHEN u.status = 'sent' THEN $6 ELSE m.provider END,
        provider_message_id = coalesce(u.message_id, m.provider_message_id),
        sent_at = CASE WHEN u.status = 'sent' THEN $7::timestamptz ELSE m.sent_at END,
        failed_at = CASE WHEN u.status = 'failed' THEN $7::timestamptz ELSE m.failed_at END
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS u(id, status, message_id, error, next_at)
      WHERE m.id = u.id AND m.status IN ('queued', 'deferred_quiet_hours')`,
    [out.map((x) => x.id), out.map((x) => x.status), out.map((x) => x.messageId), out.map((x) => x.error), out.map((x) => x.nextAt), provider, now]);
}

/** Send every claimed message; returns the ids of all messages this pass touched. */
export async function dispatchReminders(pool: Pool, sms: SmsSender, o: DispatchOptions): Promise<number[]> {
  const { send, touched } = await claim(pool, o);
  // Recorded CONCURRENCY at a time, so a crash loses at most that many records; their lease then
  // runs out and the retry under the same key is the same message at the provider.
  for (let i = 0; i < send.length; i += CONCURRENCY) {
    const out = await Promise.all(send.slice(i, i + CONCURRENCY).map((m) => sendOne(sms, m, o)));
    await record(pool, sms.provider, o.now, out);
  }
  return touched;
}

/** A delivery receipt: a sent message becomes delivered or failed (a repeat or a late one changes nothing). */
export async function applyDeliveryReceipt(pool: Pool, provider: string, r: DeliveryReceipt): Promise<boolean> {
  if (r.status === 'accepted') return false;
  const { rowCount } = await pool.query(
    `UPDATE reminder_messages SET status = $3,
        delivered_at = CASE WHEN $3 = 'delivered' THEN $4::timestamptz END,
        failed_at = CASE WHEN $3 = 'failed' THEN $4::timestamptz END,
        error = CASE WHEN $3 = 'failed' THEN 'not delivered: ' || coalesce($5, 'no reason given') END
      WHERE provider = $1 AND provider_message_id = $2 AND status = 'sent'`,
    [provider, r.messageId, r.status, r.at, r.errorCode]);
  return (rowCount ?? 0) > 0;
}

/** Ask the provider about messages sent a while ago whose receipt never came (a lost callback, a provider that only polls). */
export async function pollDeliveries(pool: Pool, sms: SmsSender, now: Date, olderThanMs = 2 * 60_000): Promise<number> {
  const { rows } = await pool.query<{ provider_message_id: string; phone: string; sent_at: Date }>(
    `SELECT provider_message_id, phone, sent_at FROM reminder_messages
      WHERE status = 'sent' AND provider = $1 AND sent_at < $2 AND sent_at > $2::timestamptz - interval '3 days' ORDER BY sent_at LIMIT 100`,
    [sms.provider, new Date(now.getTime() - olderThanMs)]);
  let applied = 0;
  for (const r of rows) {
    const receipt = await sms.status({ messageId: r.provider_message_id, to: r.phone, sentAt: r.sent_at }).catch(() => null);
    if (receipt && await applyDeliveryReceipt(pool, sms.provider, receipt)) applied++;
  }
  return applied;
}
