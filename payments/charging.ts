// Charging invoices so that no invoice is ever charged twice, whatever is retried, replayed or
// restarted. The guarantees, and where each comes from:
//  1. One live attempt per invoice: the invoice row is locked (FOR UPDATE) while the attempt is
//     recorded, and the partial unique index charges_one_live_per_invoice refuses a second
//     pending/succeeded charge even if that lock were bypassed.
//  2. One provider charge per attempt: the idempotency key is derived from (invoice, attempt), is
//     stored before the provider is called, and every retry (client timeout, restart) re-sends it.
//  3. No transaction is open across an HTTP call (single-connection pool; a slow provider must not
//     block the database): record → COMMIT → call the provider → record the answer.
//  4. A webhook is applied at most once (webhook_events keyed by event id) and each state change
//     is conditional on the current state, so a replay, a late webhook or the recovery scan
//     reaching the same outcome first are all no-ops.
//  5. The provider's record must be the charge we asked for (amount, currency), or it is held for an
//     operator instead of applied (provider-outcomes.ts).
// This file starts a charge (guarantees 1–3). The answer arrives by webhooks.ts (at most once) or
// is fetched by reconcile.ts, and either way is applied by provider-outcomes.ts (conditional on
// state): guarantees 4 and 5.
// And no stranger gets in the way of a plate's owner: anyone may pay an invoice with a one-off token
// (the pay route needs no account), but while the owner's contactless charge is due
// (contactlessDue) only that charge or the owner may start one; every attempt that does start is
// bounded in time (reconcile.ts cancels one still waiting for its payer), and a failed one never
// stops the owner's automatic charge (auto-charger.ts counts only its own attempts).
import type { Pool, PoolClient } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { ProviderError, type ProviderCharge, type ProviderClient } from './client.ts';
import { withTx } from '../core/db/tx.ts';
import { preparedQuery } from '../core/db/prepared.ts';
import { shortTurns } from '../core/db/short-turns.ts';

export type ChargeMethod = 'contactless' | 'online';

/**
 * Contactless rule, one automatic try: the attempts that count are the invoice's own contactless
 * ones (the owner's saved method), never someone else's online attempt. `inv` is the invoice's alias.
 */
export const noContactlessAttempt = (inv: string) =>
  `NOT EXISTS (SELECT 1 FROM charges c WHERE c.invoice_id = ${inv}.id AND c.method = 'contactless')`;

/**
 * The invoice `inv` awaits its owner's automatic charge (the auto-charger's own selection,
 * auto-charger.ts recordAutoChargeable, less the invoice's status): its plate has contactless on and
 * a default method, the stay is not in review, no contactless attempt yet. `payer` is a SQL
 * expression for the paying driver's id (NULL: nobody logged in); the owner is never held back.
 */
const contactlessDue = (inv: string, payer: string) =>
  `EXISTS (SELECT 1 FROM sessions s JOIN driver_plates dp ON dp.plate = ${inv}.plate AND dp.contactless AND s.entry_time >= dp.claimed_at
            WHERE s.id = ${inv}.session_id AND s.status <> 'review' AND ${inv}.plate_certain AND dp.driver_id IS DISTINCT FROM ${payer}
              AND EXISTS (SELECT 1 FROM payment_methods m WHERE m.driver_id = dp.driver_id AND m.is_default)
              AND ${noContactlessAttempt(inv)})`;

/** Deterministic: the same attempt of the same invoice always has the same key. */
export function idempotencyKeyFor(invoiceId: number, attempt: number): string {
  return `${idempotencyKeyPrefix(invoiceId)}${attempt}`;
}
const KEY_HEAD = 'onelot-invoice-';
const KEY_TAIL = '-attempt-';
const idempotencyKeyPrefix = (invoiceId: number) => `${KEY_HEAD}${invoiceId}${KEY_TAIL}`;

export interface ChargeStarted {
  chargeId: number;
  invoiceId: number;
  status: 'pending' | 'succeeded' | 'declined' | 'failed';
  providerChargeId: string | null;
}

/**
 * Start paying an invoice. Returns once the provider has accepted the charge (status 'pending';
 * the outcome arrives by webhook). Throws 409 when the invoice is paid or being paid.
 */
export async function chargeInvoice(
  pool: Pool,
  client: ProviderClient,
  invoiceId: number,
  opts: { method: ChargeMethod; source: string; driverId?: number },
): Promise<ChargeStarted> {
  // One statement (atomic on its own, one round trip: the embedded database is shared with ingest):
  // lock the invoice, number the attempt, record it, mark the invoice as being paid — the attempt
  // only if the invoice is payable, and not reserved for its owner's contactless charge, which the
  // answer then explains.
  const { rows } = await pool.query<{ status: string; amount_fen: number; lot_id: string; plate_certain: boolean; reserved: boolean; charge_id: number | null; idempotency_key: string | null }>(
    `WITH inv AS (SELECT id, status, amount_fen, lot_id, plate, session_id, plate_certain FROM invoices WHERE id = $1 FOR UPDATE),
          res AS (SELECT $2 = 'online' AND ${contactlessDue('inv', '$5::bigint')} AS reserved FROM inv),
          attempt AS (SELECT count(*)::int + 1 AS n FROM charges WHERE invoice_id = $1),
          ins AS (
            INSERT INTO charges (invoice_id, idempotency_key, amount_fen, method, status, source)
            SELECT inv.id, $4::text || attempt.n, inv.amount_fen, $2, 'pending', $3
              FROM inv, attempt, res WHERE inv.status = 'outstanding' AND inv.plate_certain AND inv.amount_fen > 0 AND NOT res.reserved
            RETURNING id, idempotency_key),
          paying AS (UPDATE invoices SET status = 'paying' WHERE id = $1 AND EXISTS (SELECT 1 FROM ins))
     SELECT inv.status, inv.amount_fen, inv.lot_id, inv.plate_certain, res.reserved, ins.id AS charge_id, ins.idempotency_key FROM inv JOIN res ON true LEFT JOIN ins ON true`,
    [invoiceId, opts.method, opts.source, idempotencyKeyPrefix(invoiceId), opts.driverId ?? null],
  ).catch((err) => {
    // The partial unique index speaks for guarantee 1 if two writers raced past the lock.
    if ((err as { code?: string }).code === '23505') throw new OneLotError('ONELOT_ERR_CONFLICT', `A payment for invoice ${invoiceId} is in progress; wait for its result before paying again.`);
    throw err;
  });
  const inv = rows[0];
  if (!inv) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Invoice ${invoiceId}`);
  if (inv.status === 'paid') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is already paid; see its receipt.`);
  if (inv.status === 'paying') throw new OneLotError('ONELOT_ERR_CONFLICT', `A payment for invoice ${invoiceId} is in progress; wait for its result before paying again.`);
  if (inv.status === 'held') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is held for review: the payment provider's record of a payment for it did not match; an operator will settle it.`);
  if (inv.status !== 'outstanding') throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is ${inv.status} and cannot be paid.`);
  // plate rule: an invoice whose plate is not certain is nobody's bill until an operator confirms it.
  if (!inv.plate_certain) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Invoice ${invoiceId}`);
  if (inv.amount_fen <= 0) throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is for ¥0.00; there is nothing to pay.`);
  if (inv.reserved) {
    throw new OneLotError('ONELOT_ERR_CONFLICT', `Invoice ${invoiceId} is being charged automatically to the plate owner's contactless payment method; look at it again in a minute (paid, or payable here if that charge fails).`);
  }
  const charge = { id: inv.charge_id!, key: inv.idempotency_key!, amountFen: inv.amount_fen, lotId: inv.lot_id };

  // Outside any transaction (guarantee 3).
  return sendCharge(pool, client, {
    chargeId: charge.id, invoiceId, key: charge.key, amountFen: charge.amountFen, source: opts.source, lotId: charge.lotId,
  });
}

/** What became of one invoice of an auto-charge pass: started (pending at the provider, or its answer unknown), or why not. */
export type ContactlessStart = { invoiceId: number; started: ChargeStarted } | { invoiceId: number; error: string };

/** An attempt recorded by recordContactlessAttempts, to be sent to the provider. */
export interface RecordedAttempt { chargeId: number; invoiceId: number; key: string; amountFen: number; source: string; lotId: string }

/**
 * The auto-charger's starts, for many invoices at once: the same guarantees as chargeInvoice
 * (1–3), in two statements for the whole set instead of two for each invoice — one to lock the
 * invoices, number and record the attempts and mark them paying (this one), one to keep the
 * provider's ids (sendContactlessAttempts) — with the provider called in between, outside any
 * transaction. At 2,000 exits/s with one exit in ten contactless, two autocommits an invoice on the
 * connection ingest shares were ~400 commits a second. Only an outstanding invoice on a certain
 * plate, of more than ¥0, without a contactless attempt yet (re-checked under the lock: one
 * automatic try) gets one. Returns the attempts recorded, and the invoices refused.
 */
export async function recordContactlessAttempts(
  pool: Pool, wanted: ReadonlyArray<{ invoiceId: number; source: string }>,
): Promise<{ refused: ContactlessStart[]; toSend: RecordedAttempt[] }> {
  if (!wanted.length) return { refused: [], toSend: [] };
  return recordAttemptsOf(pool, 'SELECT DISTINCT ON (invoice_id) invoice_id, source FROM unnest($1::bigint[], $2::text[]) AS w(invoice_id, source)',
    [wanted.map((w) => w.invoiceId), wanted.map((w) => w.source)]);
}

/**
 * recordContactlessAttempts of the invoices a query chooses (`want`: rows of invoice_id and source,
 * with $1 and $2 its own parameters): choosing and recording in one statement, one wait for the
 * connection ingest shares instead of two (auto-charger.ts, for the invoices just issued).
 */
export async function recordAttemptsOf(
  pool: Pool, want: string, params: [unknown, unknown],
): Promise<{ refused: ContactlessStart[]; toSend: RecordedAttempt[] }> {
  const client = await pool.connect();
  try {
    return await recordAttemptsOn(client, want, params);
  } finally {
    client.release();
  }
}

/** recordAttemptsOf on the caller's client (the ingest writer's, right behind its COMMIT: contactless-hook.ts). */
export async function recordAttemptsOn(
  client: PoolClient, want: string, params: [unknown, unknown],
): Promise<{ refused: ContactlessStart[]; toSend: RecordedAttempt[] }> {
  // ON CONFLICT DO NOTHING: a live attempt the partial unique index knows of (guarantee 1) skips
  // that invoice instead of failing the others'. Named, as the pass's other statements: its
  // planning cost more than its run (auto-charger.ts).
  const { rows } = await preparedQuery(client,
    `WITH want AS (${want}),
          inv AS (SELECT i.id, i.amount_fen, i.lot_id, w.source FROM invoices i JOIN want w ON w.invoice_id = i.id
                   WHERE i.status = 'outstanding' AND i.plate_certain AND i.amount_fen > 0 AND ${noContactlessAttempt('i')}
                   ORDER BY i.id FOR UPDATE OF i),
          ins AS (
            INSERT INTO charges (invoice_id, idempotency_key, amount_fen, method, status, source)
            SELECT inv.id, $3::text || inv.id || $4::text || ((SELECT count(*) FROM charges c WHERE c.invoice_id = inv.id) + 1), inv.amount_fen, 'contactless', 'pending', inv.source
              FROM inv ORDER BY inv.id
            ON CONFLICT DO NOTHING
            RETURNING id, invoice_id, idempotency_key),
          paying AS (UPDATE invoices SET status = 'paying' WHERE id IN (SELECT invoice_id FROM ins))
     SELECT w.invoice_id, i.status, ins.id AS charge_id, ins.idempotency_key, inv.amount_fen, inv.lot_id, inv.source
       FROM want w LEFT JOIN invoices i ON i.id = w.invoice_id LEFT JOIN ins ON ins.invoice_id = w.invoice_id LEFT JOIN inv ON inv.id = w.invoice_id`,
    [...params, KEY_HEAD, KEY_TAIL],
  );
  const refused: ContactlessStart[] = [];
  const toSend: RecordedAttempt[] = [];
  for (const r of rows as Array<{ invoice_id: number; status: string | null; charge_id: number | null; idempotency_key: string | null; amount_fen: number; lot_id: string; source: string }>) {
    const invoiceId = Number(r.invoice_id);
    if (r.charge_id === null) refused.push({ invoiceId, error: r.status === null ? `invoice ${invoiceId} not found` : `invoice ${invoiceId} is ${r.status}, not chargeable automatically now` });
    else toSend.push({ chargeId: Number(r.charge_id), invoiceId, key: r.idempotency_key!, amountFen: r.amount_fen, source: r.source, lotId: r.lot_id });
  }
  return { refused, toSend };
}

/** The rest of an auto-charge pass's start: attempts recordContactlessAttempts recorded, sent to the provider, a few at a time, and the provider's ids kept. */
export async function sendContactlessAttempts(pool: Pool, client: ProviderClient, attempts: readonly RecordedAttempt[], concurrency: number): Promise<ContactlessStart[]> {
  const toSend = [...attempts];
  const out: ContactlessStart[] = [];
  // Outside any transaction (guarantee 3), a few at a time: each waits on the provider, not on us.
  const providerIds: Array<[number, string]> = [];
  const send = async () => {
    for (let a = toSend.shift(); a; a = toSend.shift()) {
      try {
        const pc = await client.createCharge(chargeRequest(a), a.key);
        providerIds.push([a.chargeId, pc.id]);
        out.push({ invoiceId: a.invoiceId, started: { chargeId: a.chargeId, invoiceId: a.invoiceId, status: 'pending', providerChargeId: pc.id } });
      } catch (err) {
        if (err instanceof ProviderError && err.kind === 'rejected') {
          await withTx(pool, (c) => closeAttempt(c, a.chargeId, 'failed', err.code ?? err.message));
          out.push({ invoiceId: a.invoiceId, error: `the payment provider refused the payment (${err.code ?? err.message})` });
        } else {
          // Unknown outcome: the attempt stays pending; reconcilePending re-sends the same key later.
          out.push({ invoiceId: a.invoiceId, started: { chargeId: a.chargeId, invoiceId: a.invoiceId, status: 'pending', providerChargeId: null } });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, send));
  // The provider's ids in one statement; a webhook that came first has kept its id already.
  if (providerIds.length) {
    // A turn between ingest's batches, not a place in the pool's queue behind them (core/db/short-turns.ts).
    await shortTurns(pool).run((c) => preparedQuery(c,
      `UPDATE charges c SET provider_charge_id = x.pid, updated_at = now() FROM unnest($1::bigint[], $2::text[]) AS x(id, pid)
        WHERE c.id = x.id AND c.provider_charge_id IS NULL`,
      [providerIds.map(([id]) => id), providerIds.map(([, pid]) => pid)]));
  }
  return out;
}

/** The create-charge body for an attempt: the same every time it is (re)sent, as idempotency requires. */
export function chargeRequest(a: { chargeId: number; invoiceId: number; amountFen: number; source: string; lotId: string }) {
  return {
    amount_fen: a.amountFen,
    currency: 'CNY' as const,
    source: a.source,
    description: `OneLot parking, lot ${a.lotId}, invoice ${a.invoiceId}`,
    metadata: { invoice_id: String(a.invoiceId), onelot_charge_id: String(a.chargeId) },
  };
}

async function sendCharge(
  pool: Pool,
  client: ProviderClient,
  a: { chargeId: number; invoiceId: number; key: string; amountFen: number; source: string; lotId: string },
): Promise<ChargeStarted> {
  let pc: ProviderCharge;
  try {
    pc = await client.createCharge(chargeRequest(a), a.key);
  } catch (err) {
    if (err instanceof ProviderError && err.kind === 'rejected') {
      // A definite refusal (bad token, bad amount): the attempt is over, the invoice is payable again.
      await withTx(pool, (c) => closeAttempt(c, a.chargeId, 'failed', err.code ?? err.message));
      throw new OneLotError('ONELOT_ERR_VALIDATION', `the payment provider refused the payment (${err.code ?? err.message}); use another payment method`);
    }
    // Unknown outcome: keep the attempt pending; reconcilePending re-sends the same key later.
    return { chargeId: a.chargeId, invoiceId: a.invoiceId, status: 'pending', providerChargeId: null };
  }
  await pool.query('UPDATE charges SET provider_charge_id = $2, updated_at = now() WHERE id = $1 AND provider_charge_id IS NULL', [a.chargeId, pc.id]);
  return { chargeId: a.chargeId, invoiceId: a.invoiceId, status: 'pending', providerChargeId: pc.id };
}

/** pending → declined/failed, and the invoice back to outstanding. No-op unless still pending. */
export async function closeAttempt(c: PoolClient, chargeId: number, status: 'declined' | 'failed', reason: string): Promise<boolean> {
  const { rows } = await c.query<{ invoice_id: number }>(
    `UPDATE charges SET status = $2, failure_reason = $3, updated_at = now() WHERE id = $1 AND status = 'pending' RETURNING invoice_id`,
    [chargeId, status, reason]);
  if (!rows[0]) return false;
  await c.query(`UPDATE invoices SET status = 'outstanding' WHERE id = $1 AND status = 'paying'`, [rows[0].invoice_id]);
  return true;
}
