// The operators' review queue: sessions the matcher was not sure of and unresolved exceptions,
// each resolved by a person (dismiss, approve for charging, or void the invoice), and the plates
// in arrears. Full plates: these are operator routes.
import type { Pool } from '../core/db/index.ts';
import type { IssuedInvoice } from '../core/changes.ts';
import { OneLotError } from '../core/errors.ts';
import { audit } from '../core/audit.ts';
import { withTx } from '../core/db/tx.ts';
import { reviewReasonCodes } from './review-reasons.ts';
import { hidden, inTenant, type TenantScope } from '../core/tenancy.ts';
import { checkReason, voidInvoiceRow, type VoidReason } from './voids.ts';
import type { ArrearsPlate, ResolveAction, Resolution, ReviewQueue, ReviewSession, SessionException } from './http/schemas.ts';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

const SESSION_WITH_INVOICE = `SELECT s.*, i.id AS invoice_id, i.amount_fen, i.status AS invoice_status
   FROM sessions s LEFT JOIN invoices i ON i.session_id = s.id`;

/** `tenant`: only its lots' sessions and exceptions (null: the city's view, every lot). */
export async function reviewQueue(pool: Pool, tenant: string | null, limit: number): Promise<ReviewQueue> {
  const sessions = await pool.query(`${SESSION_WITH_INVOICE} WHERE s.status = 'review' AND ${inTenant('s.lot_id', 2)} ORDER BY s.exit_time DESC NULLS LAST LIMIT $1`, [limit, tenant]);
  const exceptions = await pool.query(
    `SELECT e.*, COALESCE(l.time_zone, 'Asia/Shanghai') AS time_zone FROM session_exceptions e LEFT JOIN lots l ON l.id = e.lot_id
      WHERE e.resolved_at IS NULL AND ${inTenant('e.lot_id', 2)} ORDER BY e.created_at DESC, e.id DESC LIMIT $1`, [limit, tenant]);
  return { sessions: sessions.rows.map(toReviewSession), exceptions: exceptions.rows.map(toException) };
}

/**
 * Resolve an exception in one transaction: approve makes its session in review chargeable, void
 * voids its outstanding invoice (and takes it out of the analytics' invoiced figures).
 */
export async function resolveException(pool: Pool, by: TenantScope, id: number, action: ResolveAction, note: string | undefined, reason?: VoidReason): Promise<Resolution> {
  // issue 11: a void says why, as a code (voids.ts).
  if (action === 'void') {
    if (!reason) throw new OneLotError('ONELOT_ERR_VALIDATION', 'voiding needs reason {code, note}: say why the stay is owed no more');
    checkReason(reason);
  }
  // One client for the whole change: with the embedded database's single connection nothing
  // else may be awaited while it is held.
  return withTx(pool, async (client) => {
    // Another tenant's exception is not there at all (core/tenancy.ts).
    const ex = (await client.query(`SELECT * FROM session_exceptions WHERE id = $1 AND lot_id IN (SELECT id FROM lots WHERE operator_id = $2) FOR UPDATE`, [id, by.operatorId])).rows[0];
    if (!ex) throw hidden(`Exception ${id}`);
    if (ex.resolved_at) throw new OneLotError('ONELOT_ERR_CONFLICT', `Exception ${ex.id} was already resolved at ${iso(ex.resolved_at)}; nothing to do.`);
    if (action !== 'dismiss' && !ex.session_id) {
      throw new OneLotError('ONELOT_ERR_CONFLICT', `Exception ${ex.id} concerns no session, so there is nothing to ${action}; dismiss it instead.`);
    }
    if (action === 'approve') {
      await client.query(`UPDATE sessions SET status = 'closed', match_method = COALESCE(match_method, 'manual'), review_reason = review_reason || ' (approved by operator)' WHERE id = $1 AND status = 'review'`, [ex.session_id]);
      // An operator who approves has checked the plate: the invoice becomes the plate's bill.
      await client.query(`UPDATE sessions SET plate_certainty = 'confirmed' WHERE id = $1 AND plate_certainty IN ('uncertain', 'pending')`, [ex.session_id]);
      await client.query(`UPDATE invoices SET plate_certain = true WHERE session_id = $1 AND NOT plate_certain`, [ex.session_id]);
    } else if (action === 'void') {
      // A held invoice too: a payment the provider reported differently (payments/provider-outcomes.ts)
      // is the operator's to settle, and voiding is how they say the stay is owed no more.
      const inv = (await client.query<{ id: number }>('SELECT id FROM invoices WHERE session_id = $1 FOR UPDATE', [ex.session_id])).rows[0];
      if (inv) await voidInvoiceRow(client, inv.id, reason!, by.accountId);
      await client.query(`UPDATE sessions SET status = 'closed', review_reason = COALESCE(review_reason || '; ', '') || 'invoice voided by operator' WHERE id = $1 AND status = 'review'`, [ex.session_id]);
    }
    const updated = (await client.query(
      `UPDATE session_exceptions e SET resolved_at = now(), detail = e.detail || ' — resolved: ' || $2 || COALESCE(' (' || $3 || ')', '')
         FROM lots l WHERE e.id = $1 AND l.id = e.lot_id RETURNING e.*, l.time_zone`,
      [ex.id, action, note ?? null])).rows[0];
    const session = ex.session_id ? (await client.query(`${SESSION_WITH_INVOICE} WHERE s.id = $1`, [ex.session_id])).rows[0] : null;
    const result = { exception: toException(updated), session: session ? toReviewSession(session) : null };
    await audit(client, {
      by, operatorId: by.operatorId, action: `exception.${action}`, objectType: 'exception', objectId: ex.id,
      before: { resolvedAt: null, detail: ex.detail }, after: { ...result, note: note ?? null, ...(reason ? { reason } : {}) },
    });
    return result;
  });
}

/**
 * The outstanding invoice of a session an operator approved, as a newly issued invoice is announced
 * (the 'invoices' change): the payments module then charges a contactless plate at once, as it would
 * have at the exit, instead of waiting for its safety-net sweep. Null when there is none.
 */
export async function approvedInvoice(pool: Pool, sessionId: number): Promise<IssuedInvoice | null> {
  const { rows } = await pool.query(
    `SELECT i.id, i.lot_id, i.plate, i.amount_fen, i.plate_certain, s.status, s.exit_device, s.exit_seq
       FROM invoices i JOIN sessions s ON s.id = i.session_id WHERE i.session_id = $1 AND i.status = 'outstanding'`, [sessionId]);
  const r = rows[0];
  if (!r) return null;
  return {
    invoiceId: Number(r.id), sessionId, lotId: r.lot_id, plate: r.plate, amountFen: r.amount_fen,
    autoCharge: r.status === 'closed' && r.plate_certain, exitDevice: r.exit_device, exitSeq: Number(r.exit_seq),
  };
}

/** Plates with overdue invoices, the largest debt first. */
export async function arrearsPlates(pool: Pool, tenant: string | null, limit: number): Promise<ArrearsPlate[]> {
  const { rows } = await pool.query(
    `SELECT plate, count(*)::int AS count, sum(amount_fen)::bigint AS total, min(due_at) AS oldest
       FROM invoices WHERE status = 'outstanding' AND plate_certain AND due_at < now() AND ${inTenant('lot_id', 2)}
      GROUP BY plate ORDER BY total DESC, plate LIMIT $1`, [limit, tenant]);
  return rows.map((r) => ({ plate: r.plate, count: r.count, totalFen: Number(r.total), oldestDueAt: iso(r.oldest)! }));
}

function toReviewSession(r: any): ReviewSession {
  return {
    id: r.id, lotId: r.lot_id, bayCode: r.bay_code, plate: r.plate, status: r.status, entryTime: iso(r.entry_time)!, exitTime: iso(r.exit_time),
    entryConfidence: r.entry_confidence, exitConfidence: r.exit_confidence, exitPlateRead: r.exit_plate_read, matchMethod: r.match_method,
    reviewReason: r.review_reason, reviewReasons: reviewReasonCodes(r.review_reason),
    invoice: r.invoice_id ? { id: r.invoice_id, amountFen: r.amount_fen, status: r.invoice_status } : null,
    plateCertainty: r.plate_certainty ?? 'certain',
    plateEvidence: r.plate_evidence?.rule ? r.plate_evidence : null,
  };
}

function toException(r: any): SessionException {
  return {
    id: r.id, kind: r.kind, lotId: r.lot_id, plate: r.plate, sessionId: r.session_id, deviceId: r.device_id, seq: r.seq,
    eventTime: iso(r.event_time)!, detail: r.detail, detailCoded: r.detail_coded ?? null, timeZone: r.time_zone,
    resolvedAt: iso(r.resolved_at), createdAt: iso(r.created_at)!,
  };
}
