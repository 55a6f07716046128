// Applying what the provider says happened to a charge (succeeded, failed, refunded) to our
// records, whichever way the news arrives: a webhook (webhooks.ts) or the recovery scan asking
// (reconcile.ts). Guarantee 4 of payments/charging.ts: every change is conditional on the current
// state, so the same outcome applied twice, late or by both paths is a no-op.
// Guarantee 5: the provider's record must be the charge we asked for. Its amount (fen) and
// currency (CNY) are compared with the charge's before anything is applied; a record that differs
// is held for an operator (holdForReview), never taken as payment — a signed notification can
// still come from a provider's fault or a compromised webhook secret, and a paid invoice is final.
import type { PoolClient } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ProviderCharge, ProviderRefund } from './client.ts';
import { applyProviderRefund } from './refunds.ts';
import { closeAttempt } from './charging.ts';
import { receiptNumber } from './receipt.ts';
import { preparedQuery } from '../core/db/prepared.ts';
import { addToHourlyStats, paidDeltas } from '../analytics/index.ts';
import type { ExceptionDetail } from '../billing/index.ts';

/** Provider failure codes that are the payer's decline (status 'declined'); others are 'failed'. */
const DECLINE_CODES = new Set(['card_declined', 'insufficient_funds', 'expired_card', 'do_not_honor']);

/** Every charge we create is in renminbi (payments/charging.ts chargeRequest). */
const OUR_CURRENCY = 'CNY';

export interface Outcome {
  /** 'held': the provider's amount or currency is not the charge's; `detail` says both. */
  result: 'applied' | 'no-change' | 'unknown-charge' | 'held';
  detail?: string;
  /** A contactless charge that succeeded: the exit that billed it, for the exit → charge figure. */
  exitAt?: Date;
}

export interface ChargeRow {
  id: number; invoice_id: number; status: string; provider_charge_id: string | null; amount_fen: number; time_zone: string | null; exit_time: Date | null;
}

/** Where succeeded contactless charges are timed (core/metrics.ts). */
export type PaymentsMetrics = Pick<Metrics, 'exitToChargeSeconds'>;

/** Exit → charge, for a success that has committed (call after the transaction). */
export function observeExitToCharge(metrics: PaymentsMetrics | undefined, applied: Outcome | undefined): void {
  if (metrics && applied?.exitAt) metrics.exitToChargeSeconds.observe(Math.max(0, Date.now() - applied.exitAt.getTime()) / 1000);
}

/**
 * Bring our records in line with the provider's view of a charge, inside the caller's
 * transaction. Conditional on current state (guarantee 4): applying the same outcome twice is a no-op.
 * The charge is locked FOR NO KEY UPDATE (what its UPDATEs take anyway), not FOR UPDATE: a refund
 * requested meanwhile holds its invoice and inserts a row referencing the charge (a KEY SHARE
 * lock), and FOR UPDATE made the two wait on each other — a deadlock on any server with more than
 * one connection (found on PostgreSQL 15: test/refunds.e2e.test.ts with ONELOT_TEST_ON_POSTGRES=1).
 */
export async function applyProviderCharge(c: PoolClient, pc: ProviderCharge, refund?: ProviderRefund): Promise<Outcome> {
  const [ch] = await lockCharges(c, [pc]);
  return applyToLocked(c, ch, pc, refund);
}

/**
 * Our charges for the provider's records, one lookup for many (undefined: no such charge here),
 * locked as applyProviderCharge explains. In the order given: a webhook group locks in arrival order.
 */
export async function lockCharges(c: PoolClient, pcs: readonly ProviderCharge[]): Promise<Array<ChargeRow | undefined>> {
  const ourIds = pcs.map((pc) => Number(pc.metadata?.onelot_charge_id));
  const { rows } = await preparedQuery(c,
    `SELECT x.i, c.* FROM unnest($1::text[], $2::bigint[], $3::text[]) WITH ORDINALITY AS x(pid, our, st, i)
       CROSS JOIN LATERAL (
         SELECT c.id, c.invoice_id, c.status, c.provider_charge_id, c.amount_fen,
                (SELECT l.time_zone FROM invoices i JOIN lots l ON l.id = i.lot_id WHERE i.id = c.invoice_id) AS time_zone,
                -- The exit as the gate camera stamped it, for the exit → charge figure: two primary-key
                -- lookups (the broker's receipt is only in device_events, whose lookup plans every chunk:
                -- measured ~17 ms a charge with a month of chunks, on the connection ingest shares).
                CASE WHEN c.method = 'contactless' AND c.status = 'pending' AND x.st = 'succeeded' THEN
                  (SELECT s.exit_time FROM invoices i JOIN sessions s ON s.id = i.session_id WHERE i.id = c.invoice_id)
                END AS exit_time
           FROM charges c
          WHERE c.provider_charge_id = x.pid OR (c.provider_charge_id IS NULL AND c.id = x.our)
          LIMIT 1 FOR NO KEY UPDATE OF c) c
      ORDER BY x.i`,
    [pcs.map((pc) => String(pc.id)), ourIds.map((id) => (Number.isInteger(id) ? id : -1)), pcs.map((pc) => String(pc.status))]);
  const out: Array<ChargeRow | undefined> = pcs.map(() => undefined);
  for (const r of rows as Array<ChargeRow & { i: string }>) out[Number(r.i) - 1] = r;
  return out;
}

/** The common case, which applySucceeded settles for many at once: the capture of a pending charge, as asked. */
export function isPlainSuccess(ch: ChargeRow | undefined, pc: ProviderCharge): boolean {
  return !!ch && pc.status === 'succeeded' && ch.status === 'pending' && amountMismatch(ch, pc) === null;
}

/**
 * Plain successes (isPlainSuccess) of different charges, locked by lockCharges in this transaction:
 * paid, succeeded and receipted in one statement for all of them (every round trip holds the
 * connection that ingest shares; a group of webhooks applied one by one held it 100–800 ms at 200
 * charges a second). The provider id is kept too (the webhook can overtake the create answer).
 */
export async function applySucceeded(c: PoolClient, items: ReadonlyArray<{ ch: ChargeRow; pc: ProviderCharge }>): Promise<Outcome[]> {
  if (!items.length) return [];
  const paidAt = new Date();
  await preparedQuery(c,
    `WITH x AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS x(charge_id, invoice_id, number, pid)),
          paid AS (UPDATE invoices i SET status = 'paid', paid_at = $5 FROM x WHERE i.id = x.invoice_id AND i.status IN ('paying', 'outstanding')
                   RETURNING i.lot_id, i.paid_at, i.amount_fen),
          stats AS (${addToHourlyStats(paidDeltas('paid'))}),
          ok AS (UPDATE charges c SET status = 'succeeded', failure_reason = NULL, updated_at = now(), provider_charge_id = COALESCE(c.provider_charge_id, x.pid)
                  FROM x WHERE c.id = x.charge_id)
     INSERT INTO receipts (charge_id, invoice_id, number) SELECT charge_id, invoice_id, number FROM x ON CONFLICT (charge_id) DO NOTHING`,
    [items.map(({ ch }) => ch.id), items.map(({ ch }) => ch.invoice_id), items.map(({ ch }) => receiptNumber(ch.id, paidAt, ch.time_zone ?? 'Asia/Shanghai')),
      items.map(({ pc }) => String(pc.id)), paidAt]);
  return items.map(({ ch }) => ({ result: 'applied', exitAt: ch.exit_time ?? undefined }));
}

/** applyProviderCharge on a charge lockCharges found (or did not). */
export async function applyToLocked(c: PoolClient, ch: ChargeRow | undefined, pc: ProviderCharge, refund?: ProviderRefund): Promise<Outcome> {
  if (!ch) return { result: 'unknown-charge' };

  // Guarantee 5, checked while the charge's money is in question: before its outcome (pending) and
  // while it counts as paid (a later refund or a second report of the capture).
  const mismatch = ch.status === 'pending' || ch.status === 'succeeded' ? amountMismatch(ch, pc) : null;
  if (mismatch) return holdForReview(c, ch, pc, mismatch);

  if (isPlainSuccess(ch, pc)) return (await applySucceeded(c, [{ ch, pc }]))[0];
  // The webhook can overtake the create answer: remember the provider id here too.
  if (!ch.provider_charge_id) await c.query('UPDATE charges SET provider_charge_id = $2 WHERE id = $1', [ch.id, pc.id]);
  if (pc.status === 'failed' && ch.status === 'pending') {
    const code = pc.failure_code ?? 'processing_error';
    await closeAttempt(c, ch.id, DECLINE_CODES.has(code) ? 'declined' : 'failed', code);
    return { result: 'applied' };
  }
  // A refund the provider reports (charge.refunded with data.refund): refunds.ts applies it, partial or whole.
  if (refund && ch.status === 'succeeded') return applyProviderRefund(c, ch.id, refund);
  if (pc.status === 'refunded' && ch.status === 'succeeded') {
    // Without the refund (a provider that reports only the charge): all that was not refunded yet.
    await c.query(`UPDATE refunds SET status = 'succeeded', updated_at = now() WHERE charge_id = $1 AND status = 'requested'`, [ch.id]);
    await c.query(`UPDATE charges SET status = 'refunded', updated_at = now() WHERE id = $1`, [ch.id]);
    await c.query(
      `WITH old AS (SELECT id, refunded_fen FROM invoices WHERE id = $1 FOR UPDATE),
            r AS (UPDATE invoices i SET status = 'refunded', refunded_fen = i.amount_fen FROM old WHERE i.id = old.id AND i.status = 'paid'
                  RETURNING i.lot_id, i.paid_at, i.amount_fen - old.refunded_fen AS amount_fen)
       ${addToHourlyStats(paidDeltas('r', -1))}`, [ch.invoice_id]);
    return { result: 'applied' };
  }
  return { result: 'no-change' };
}

/** What differs between the provider's record and our charge (amount in fen, currency), or null. */
function amountMismatch(ch: ChargeRow, pc: ProviderCharge): string | null {
  if (pc.amount_fen === ch.amount_fen && pc.currency === OUR_CURRENCY) return null;
  const reported = reportedAmount(pc);
  return `the provider reported ${String(pc.status).slice(0, 20)} for ${reported} but charge ${ch.id} (provider ${String(pc.id).slice(0, 64)}) of invoice ${ch.invoice_id} was created for ${ch.amount_fen} fen "${OUR_CURRENCY}"`;
}

// JSON.stringify: shown as sent, whatever type the provider's JSON had.
const reportedAmount = (pc: ProviderCharge) => `${JSON.stringify(pc.amount_fen ?? null)} fen ${JSON.stringify(pc.currency ?? null)}`.slice(0, 120);

/**
 * Guarantee 5: nothing of the provider's record is applied. A pending charge becomes 'held' and its
 * invoice 'held' — not paid, and not payable again (money may have moved; the live-charge index
 * counts 'held'). A charge already paid stays paid. Either way the operators' review queue gets a
 * 'payment-mismatch' exception of the invoice's session, with both amounts.
 */
async function holdForReview(c: PoolClient, ch: ChargeRow, pc: ProviderCharge, mismatch: string): Promise<Outcome> {
  const detail = ch.status === 'pending'
    ? `${mismatch}: the charge and the invoice are held for review, not paid`
    : `${mismatch}: the invoice stays paid and this ${String(pc.status).slice(0, 20)} report was not applied`;
  // The console words it from the code (billing/exception-details.ts); `detail` keeps the provider's ids for the log.
  const coded: ExceptionDetail = {
    code: 'payment-mismatch',
    params: {
      held: ch.status === 'pending', reportedStatus: String(pc.status).slice(0, 20), reportedAmount: reportedAmount(pc),
      chargeId: Number(ch.id), invoiceId: Number(ch.invoice_id), amountFen: Number(ch.amount_fen),
    },
  };
  await c.query(
    `WITH held AS (UPDATE charges SET status = 'held', failure_reason = 'amount_mismatch', updated_at = now(), provider_charge_id = COALESCE(provider_charge_id, $3)
                    WHERE id = $1 AND status = 'pending' RETURNING invoice_id),
          inv AS (UPDATE invoices SET status = 'held' WHERE id IN (SELECT invoice_id FROM held) AND status IN ('paying', 'outstanding'))
     INSERT INTO session_exceptions (kind, lot_id, plate, session_id, event_time, detail, detail_coded)
     SELECT 'payment-mismatch', i.lot_id, i.plate, i.session_id, now(), $4, $5 FROM invoices i WHERE i.id = $2`,
    [ch.id, ch.invoice_id, pc.id, detail, JSON.stringify(coded)]);
  return { result: 'held', detail };
}
