// Sessions and invoices over HTTP. Public routes show what a plate owes, explained line by line,
// with the plate masked and nothing about the driver (plates are personal data, migrations/004).
// Operator routes show the review queue, exceptions and arrears with full plates.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { App, ApiContext } from '../app.ts';
import { createAuth } from '../auth.ts';
import { addToHourlyStats, invoicedDeltas } from '../../analytics/hourly-stats.ts';
import { OneLotError } from '../../core/errors.ts';
import { normalizePlate, maskPlate, type PlateKind } from '../../core/plates.ts';
import { explainBill, computeFee, tariffInForce, parseTariff, TariffSchema, type FeeLine, type FeeResult } from '../../billing/tariff.ts';

export interface SessionRoutesOptions {
  /**
   * Config AUTH_TOKEN_SECRET: operator routes then need an operator token (api/auth.ts, the same
   * tokens the payments operator routes take). Unset = operator routes open (development only).
   */
  authSecret?: string;
}

const Iso = Type.String({ description: 'UTC ISO 8601 instant' });
const PublicInvoice = Type.Object({
  id: Type.Integer(),
  plate: Type.String({ description: 'masked, e.g. 豫A·***45' }),
  lotId: Type.String(),
  lotName: Type.String(),
  lotNameEn: Type.String(),
  entryTime: Iso,
  exitTime: Iso,
  amountFen: Type.Integer(),
  status: Type.String({ description: 'outstanding | paying | paid | void | refunded' }),
  overdue: Type.Boolean(),
  issuedAt: Iso,
  dueAt: Iso,
  tariff: Type.Object({ id: Type.String(), version: Type.Integer() }),
  lines: Type.Array(Type.Object({ kind: Type.String(), description: Type.String(), amountFen: Type.Integer(), from: Iso, to: Type.String() })),
  explanation: Type.Object({ zh: Type.Array(Type.String()), en: Type.Array(Type.String()) }),
}, { $id: 'PublicInvoice' });
type PublicInvoiceBody = Static<typeof PublicInvoice>;

const SessionBody = Type.Object({
  id: Type.Integer(), lotId: Type.String(), bayCode: Type.Union([Type.String(), Type.Null()]), plate: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(), entryTime: Iso, exitTime: Type.Union([Iso, Type.Null()]),
  entryConfidence: Type.Union([Type.Number(), Type.Null()]), exitConfidence: Type.Union([Type.Number(), Type.Null()]),
  exitPlateRead: Type.Union([Type.String(), Type.Null()]), matchMethod: Type.Union([Type.String(), Type.Null()]),
  reviewReason: Type.Union([Type.String(), Type.Null()]),
  invoice: Type.Union([Type.Object({ id: Type.Integer(), amountFen: Type.Integer(), status: Type.String() }), Type.Null()]),
});
const ExceptionBody = Type.Object({
  id: Type.Integer(), kind: Type.String(), lotId: Type.String(), plate: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.Integer(), Type.Null()]), deviceId: Type.Union([Type.String(), Type.Null()]), seq: Type.Union([Type.Integer(), Type.Null()]),
  eventTime: Iso, detail: Type.String(), resolvedAt: Type.Union([Iso, Type.Null()]), createdAt: Iso,
});

// The tariff as stored, without its $id so it can sit inside this route's response schema.
const { $id: _tariffId, ...TariffBody } = TariffSchema;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Rebuild the engine's result from a stored invoice, so explainBill words it as at issue. */
function feeResultOf(r: any): FeeResult {
  const lines = r.lines as FeeLine[];
  return {
    totalFen: r.amount_fen, lines, tariffId: r.tariff_id, tariffVersion: r.tariff_version, lotId: r.lot_id, timeZone: r.time_zone,
    plateKind: (r.plate_kind ?? 'standard') as PlateKind, entry: iso(r.entry_time)!, exit: iso(r.exit_time)!,
    stayMinutes: Math.floor((Date.parse(r.exit_time) - Date.parse(r.entry_time)) / 60_000),
  };
}

function toPublicInvoice(r: any, now: number): PublicInvoiceBody {
  const fee = feeResultOf(r);
  return {
    id: r.id, plate: maskPlate(r.plate), lotId: r.lot_id, lotName: r.lot_name, lotNameEn: r.lot_name_en,
    entryTime: iso(r.entry_time)!, exitTime: iso(r.exit_time)!, amountFen: r.amount_fen, status: r.status,
    overdue: r.status === 'outstanding' && new Date(r.due_at).getTime() < now,
    issuedAt: iso(r.issued_at)!, dueAt: iso(r.due_at)!, tariff: { id: r.tariff_id, version: r.tariff_version },
    lines: fee.lines.map((l) => ({ kind: l.kind, description: l.description, amountFen: l.amountFen, from: l.from, to: l.to })),
    explanation: { zh: explainBill(fee, 'zh'), en: explainBill(fee, 'en') },
  };
}

const INVOICE_SELECT = `SELECT i.id, i.plate, i.lot_id, i.amount_fen, i.lines, i.tariff_id, i.tariff_version, i.status, i.issued_at, i.due_at,
        s.entry_time, s.exit_time, s.plate_kind, l.name AS lot_name, l.name_en AS lot_name_en, l.time_zone
   FROM invoices i JOIN sessions s ON s.id = i.session_id JOIN lots l ON l.id = i.lot_id`;

export function sessionRoutes(opts: SessionRoutesOptions = {}) {
  return (app: App, { pool }: ApiContext): void => {
    app.addSchema(PublicInvoice);

    app.get('/api/v1/plates/:plate/invoices', {
      schema: {
        tags: ['billing'],
        summary: 'What a plate owes: its outstanding and overdue invoices, explained (plate masked, no personal data)',
        params: Type.Object({ plate: Type.String({ minLength: 1, maxLength: 32, description: 'e.g. 豫A12345 (spaces, dots and full-width characters are fine)' }) }),
        response: {
          200: Type.Object({ plate: Type.String(), invoices: Type.Array(Type.Ref('PublicInvoice')), totalFen: Type.Integer(), overdueFen: Type.Integer() }),
          400: Type.Ref('ErrorBody'),
        },
      },
    }, async (req) => {
      const p = normalizePlate(req.params.plate);
      if (!p.ok) throw new OneLotError('ONELOT_ERR_VALIDATION', `${p.reason}; send the plate as printed`);
      const { rows } = await pool.query(`${INVOICE_SELECT} WHERE i.plate = $1 AND i.status IN ('outstanding', 'paying') ORDER BY i.issued_at DESC LIMIT 200`, [p.plate]);
      const now = Date.now();
      const invoices = rows.map((r) => toPublicInvoice(r, now));
      return {
        plate: maskPlate(p.plate), invoices,
        totalFen: invoices.reduce((s, i) => s + i.amountFen, 0),
        overdueFen: invoices.filter((i) => i.overdue).reduce((s, i) => s + i.amountFen, 0),
      };
    });

    app.get('/api/v1/lots/:id/tariff', {
      schema: {
        tags: ['billing'],
        summary: 'The tariff in force at a lot now, with example bills explained',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: {
          200: Type.Object({
            lotId: Type.String(), tariffId: Type.String(), tariff: TariffBody,
            examples: Type.Array(Type.Object({ stayMinutes: Type.Integer(), entry: Iso, totalFen: Type.Integer(), explanation: Type.Object({ zh: Type.Array(Type.String()), en: Type.Array(Type.String()) }) })),
          }),
          404: Type.Ref('ErrorBody'),
        },
      },
    }, async (req) => {
      const { rows } = await pool.query(
        `SELECT b.tariff_id, t.body FROM lot_billing b JOIN tariffs t ON t.id = b.tariff_id WHERE b.lot_id = $1`, [req.params.id]);
      if (!rows.length) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `A tariff for lot ${req.params.id}`);
      const now = new Date();
      const tariff = tariffInForce(rows.map((r) => parseTariff(r.body)), now);
      // Example stays from now, so a driver sees what parking here costs today.
      const examples = [60, 180, 600].map((m) => {
        const fee = computeFee(tariff, { plateKind: 'standard' }, now, new Date(now.getTime() + m * 60_000));
        return { stayMinutes: m, entry: now.toISOString(), totalFen: fee.totalFen, explanation: { zh: explainBill(fee, 'zh'), en: explainBill(fee, 'en') } };
      });
      return { lotId: req.params.id, tariffId: rows[0].tariff_id, tariff, examples };
    });

    // ---- operator console ------------------------------------------------------------------
    const auth = opts.authSecret ? createAuth(opts.authSecret) : null;
    const operator = async (req: FastifyRequest) => { await auth?.requireOperator(req); };

    app.get('/api/v1/operator/review', {
      preHandler: operator,
      schema: {
        tags: ['operator'],
        summary: 'The review queue: sessions in review and unresolved exceptions (full plates)',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })) }),
        response: { 200: Type.Object({ sessions: Type.Array(SessionBody), exceptions: Type.Array(ExceptionBody) }), 401: Type.Ref('ErrorBody') },
      },
    }, async (req) => {
      const limit = req.query.limit ?? 200;
      const sessions = await pool.query(
        `SELECT s.*, i.id AS invoice_id, i.amount_fen, i.status AS invoice_status
           FROM sessions s LEFT JOIN invoices i ON i.session_id = s.id
          WHERE s.status = 'review' ORDER BY s.exit_time DESC NULLS LAST LIMIT $1`, [limit]);
      const exceptions = await pool.query(
        `SELECT * FROM session_exceptions WHERE resolved_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $1`, [limit]);
      return { sessions: sessions.rows.map(toSessionBody), exceptions: exceptions.rows.map(toExceptionBody) };
    });

    app.post('/api/v1/operator/exceptions/:id/resolve', {
      preHandler: operator,
      schema: {
        tags: ['operator'],
        summary: 'Resolve an exception: dismiss it, approve its session for charging, or void its invoice',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        body: Type.Object({
          action: Type.Union([Type.Literal('dismiss'), Type.Literal('approve'), Type.Literal('void')], {
            description: 'dismiss: nothing else changes; approve: a session in review becomes closed (chargeable); void: its outstanding invoice is voided',
          }),
          note: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: { 200: Type.Object({ exception: ExceptionBody, session: Type.Union([SessionBody, Type.Null()]) }), 401: Type.Ref('ErrorBody'), 404: Type.Ref('ErrorBody'), 409: Type.Ref('ErrorBody') },
      },
    }, async (req) => {
      const { action, note } = req.body;
      // One client for the whole change: with the embedded database's single connection nothing
      // else may be awaited while it is held.
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const ex = (await client.query('SELECT * FROM session_exceptions WHERE id = $1 FOR UPDATE', [req.params.id])).rows[0];
        if (!ex) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Exception ${req.params.id}`);
        if (ex.resolved_at) throw new OneLotError('ONELOT_ERR_CONFLICT', `Exception ${ex.id} was already resolved at ${iso(ex.resolved_at)}; nothing to do.`);
        if (action !== 'dismiss' && !ex.session_id) {
          throw new OneLotError('ONELOT_ERR_CONFLICT', `Exception ${ex.id} concerns no session, so there is nothing to ${action}; dismiss it instead.`);
        }
        if (action === 'approve') {
          await client.query(`UPDATE sessions SET status = 'closed', match_method = COALESCE(match_method, 'manual'), review_reason = review_reason || ' (approved by operator)' WHERE id = $1 AND status = 'review'`, [ex.session_id]);
        } else if (action === 'void') {
          await client.query(
            `WITH v AS (UPDATE invoices SET status = 'void' WHERE session_id = $1 AND status = 'outstanding' RETURNING lot_id, issued_at, amount_fen)
             ${addToHourlyStats(invoicedDeltas('v', -1))}`, [ex.session_id]);
          await client.query(`UPDATE sessions SET status = 'closed', review_reason = COALESCE(review_reason || '; ', '') || 'invoice voided by operator' WHERE id = $1 AND status = 'review'`, [ex.session_id]);
        }
        const updated = (await client.query(
          `UPDATE session_exceptions SET resolved_at = now(), detail = detail || ' — resolved: ' || $2 || COALESCE(' (' || $3 || ')', '') WHERE id = $1 RETURNING *`,
          [ex.id, action, note ?? null])).rows[0];
        const session = ex.session_id
          ? (await client.query(`SELECT s.*, i.id AS invoice_id, i.amount_fen, i.status AS invoice_status FROM sessions s LEFT JOIN invoices i ON i.session_id = s.id WHERE s.id = $1`, [ex.session_id])).rows[0]
          : null;
        await client.query('COMMIT');
        return { exception: toExceptionBody(updated), session: session ? toSessionBody(session) : null };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    });

    // The list across plates; GET /api/v1/operator/arrears?plate= (api/routes/drivers.ts) is one plate's detail.
    app.get('/api/v1/operator/arrears/plates', {
      preHandler: operator,
      schema: {
        tags: ['operator'],
        summary: 'Plates with overdue invoices (full plates: operator console)',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })) }),
        response: {
          200: Type.Object({ plates: Type.Array(Type.Object({ plate: Type.String(), count: Type.Integer(), totalFen: Type.Integer(), oldestDueAt: Iso })) }),
          401: Type.Ref('ErrorBody'),
        },
      },
    }, async (req) => {
      const { rows } = await pool.query(
        `SELECT plate, count(*)::int AS count, sum(amount_fen)::bigint AS total, min(due_at) AS oldest
           FROM invoices WHERE status = 'outstanding' AND due_at < now()
          GROUP BY plate ORDER BY total DESC, plate LIMIT $1`, [req.query.limit ?? 500]);
      return { plates: rows.map((r) => ({ plate: r.plate, count: r.count, totalFen: Number(r.total), oldestDueAt: iso(r.oldest)! })) };
    });
  };
}

function toSessionBody(r: any): Static<typeof SessionBody> {
  return {
    id: r.id, lotId: r.lot_id, bayCode: r.bay_code, plate: r.plate, status: r.status, entryTime: iso(r.entry_time)!, exitTime: iso(r.exit_time),
    entryConfidence: r.entry_confidence, exitConfidence: r.exit_confidence, exitPlateRead: r.exit_plate_read, matchMethod: r.match_method,
    reviewReason: r.review_reason,
    invoice: r.invoice_id ? { id: r.invoice_id, amountFen: r.amount_fen, status: r.invoice_status } : null,
  };
}

function toExceptionBody(r: any): Static<typeof ExceptionBody> {
  return {
    id: r.id, kind: r.kind, lotId: r.lot_id, plate: r.plate, sessionId: r.session_id, deviceId: r.device_id, seq: r.seq,
    eventTime: iso(r.event_time)!, detail: r.detail, resolvedAt: iso(r.resolved_at), createdAt: iso(r.created_at)!,
  };
}
