// The operators' console over HTTP: sign in, and analytics for decisions (how full each lot is by
// hour of day, turnover, stays, revenue and arrears). The review queue, exceptions and arrears by
// plate are in routes/sessions.ts; refunds and reminders in routes/drivers.ts.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { App, ApiContext } from '../app.ts';
import { createAuth, issueToken, LoginLimiter, TOKEN_TTL_S } from '../auth.ts';
import { verifyOperator } from '../operator-accounts.ts';
import { OneLotError } from '../../core/errors.ts';

export interface OperatorRoutesOptions {
  /** Config AUTH_TOKEN_SECRET: signs operator tokens; analytics then needs one. */
  authSecret: string;
  /** Leave analytics open (development and tests only), as the other operator routes allow. */
  open?: boolean;
}

const Iso = Type.String({ description: 'UTC ISO 8601 instant' });
const Fen = Type.Integer({ description: 'integer fen (CNY cents)' });
const Ratio = Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'occupied share of the bays, 0..1; null without samples' });
const Minutes = Type.Union([Type.Number(), Type.Null()]);

const LoginBody = Type.Object({
  operatorId: Type.String({ minLength: 1, maxLength: 40, examples: ['op-zzpark'] }),
  password: Type.String({ minLength: 1, maxLength: 128 }),
}, { additionalProperties: false });
const OperatorToken = Type.Object({ token: Type.String(), operatorId: Type.String(), name: Type.String(), expiresAt: Iso });

const AnalyticsQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'start (inclusive); default: 7 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'end (exclusive); default: now' })),
  lotId: Type.Optional(Type.String({ maxLength: 40, description: 'one lot only' })),
}, { additionalProperties: false });
const Analytics = Type.Object({
  from: Iso,
  to: Iso,
  lotId: Type.Union([Type.String(), Type.Null()]),
  timeZone: Type.String({ description: 'the zone hours and days are counted in (each lot\'s own)' }),
  totals: Type.Object({
    lots: Type.Integer(), bays: Type.Integer(),
    sessions: Type.Integer({ description: 'parking periods that began in the range (anonymous sensor-only ones included)' }),
    closed: Type.Integer({ description: 'parking periods that ended in the range' }),
    avgStayMinutes: Minutes,
    invoicedFen: Fen, paidFen: Fen,
    outstandingFen: Type.Integer({ description: 'of the invoices issued in the range, what is still owed' }),
    overdueFen: Type.Integer({ description: 'of that, what is past its due date' }),
    inReview: Type.Integer({ description: 'sessions waiting for an operator now' }),
    openExceptions: Type.Integer({ description: 'unresolved exceptions now' }),
  }),
  byLot: Type.Array(Type.Object({
    lotId: Type.String(), name: Type.String(), nameEn: Type.String(), kind: Type.Union([Type.Literal('street'), Type.Literal('garage')]),
    bays: Type.Integer(), sessions: Type.Integer(), avgStayMinutes: Minutes,
    turnover: Type.Number({ description: 'parking periods per bay per day' }),
    invoicedFen: Fen, paidFen: Fen, avgOccupancy: Ratio, peakOccupancy: Ratio,
  })),
  hourly: Type.Array(Type.Object({ hour: Type.Integer({ minimum: 0, maximum: 23 }), entries: Type.Integer(), avgOccupancy: Ratio })),
  daily: Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD, local' }), sessions: Type.Integer(), invoicedFen: Fen, paidFen: Fen })),
});
export type AnalyticsBody = Static<typeof Analytics>;

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 92;

export function operatorRoutes(opts: OperatorRoutesOptions) {
  return (app: App, { pool }: ApiContext): void => {
    const auth = createAuth(opts.authSecret);
    const operator = async (req: FastifyRequest) => { if (!opts.open) await auth.requireOperator(req); };
    const limiter = new LoginLimiter();

    app.post('/api/v1/operator/login', {
      schema: {
        tags: ['operator'], summary: 'Sign in to the operators\' console; returns a bearer token valid for 12 hours',
        body: LoginBody,
        response: { 200: OperatorToken, 401: Type.Ref('ErrorBody'), 429: Type.Ref('ErrorBody') },
      },
    }, async (req, reply) => {
      const { operatorId, password } = req.body;
      const wait = limiter.retryAfterMs(operatorId);
      if (wait > 0) {
        reply.header('retry-after', Math.ceil(wait / 1000));
        throw new OneLotError('ONELOT_ERR_RATE_LIMITED');
      }
      const account = await verifyOperator(pool, operatorId, password);
      if (!account) {
        limiter.fail(operatorId);
        const err = new OneLotError('ONELOT_ERR_UNAUTHORIZED');
        err.message = 'The operator id or password is wrong. Check both and try again; after 5 failures the id is locked for 15 minutes. An administrator sets passwords with `npm run operator:add`.';
        throw err;
      }
      limiter.succeed(operatorId);
      const nowS = Math.floor(Date.now() / 1000);
      req.log.info({ operator: account.id }, 'operator signed in');
      return { token: issueToken(opts.authSecret, { operatorId: account.id }, nowS), operatorId: account.id, name: account.name, expiresAt: new Date((nowS + TOKEN_TTL_S) * 1000).toISOString() };
    });

    app.get('/api/v1/operator/analytics', {
      preHandler: operator,
      schema: {
        tags: ['operator'],
        summary: 'Occupancy, turnover, stays and revenue over a range (at most 92 days), per lot, by hour of day and by day',
        querystring: AnalyticsQuery,
        response: { 200: Analytics, 400: Type.Ref('ErrorBody'), 401: Type.Ref('ErrorBody'), 404: Type.Ref('ErrorBody') },
      },
    }, async (req) => {
      const to = req.query.to ? new Date(req.query.to) : new Date();
      const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - 7 * DAY_MS);
      if (!(from < to)) throw new OneLotError('ONELOT_ERR_VALIDATION', `from (${from.toISOString()}) must be before to (${to.toISOString()}).`);
      if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
        throw new OneLotError('ONELOT_ERR_VALIDATION', `The range is longer than ${MAX_RANGE_DAYS} days; ask for a shorter one (e.g. one quarter at a time).`);
      }
      const lotId = req.query.lotId ?? null;
      return analytics(pool, from, to, lotId);
    });
  };
}

/**
 * One read-only statement per figure family; each lot's hours and days are counted in its own time
 * zone. Anonymous periods (sensor-only bays) count as parking, never as revenue.
 */
export async function analytics(pool: ApiContext['pool'], from: Date, to: Date, lotId: string | null): Promise<AnalyticsBody> {
  const lotRows = (await pool.query<{ id: string; name: string; name_en: string; kind: 'street' | 'garage'; capacity: number; time_zone: string }>(
    `SELECT id, name, name_en, kind, capacity, time_zone FROM lots WHERE $1::text IS NULL OR id = $1 ORDER BY id`, [lotId])).rows;
  if (lotId && lotRows.length === 0) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Lot ${lotId}`);
  const args = [from.toISOString(), to.toISOString(), lotId];
  // The lot filter as a CTE every query joins: `l` holds the lots asked about, with their zones.
  const lotsAt = (n: number) => `l AS (SELECT id, capacity, time_zone FROM lots WHERE $${n}::text IS NULL OR id = $${n})`;
  const lots = lotsAt(3);

  const [perLot, perHour, perDay, owed, queue, occupancy, occupancyHourly] = await Promise.all([
    pool.query(`WITH ${lots}
      SELECT s.lot_id,
             count(*) FILTER (WHERE s.entry_time >= $1 AND s.entry_time < $2)::int AS sessions,
             count(*) FILTER (WHERE s.exit_time >= $1 AND s.exit_time < $2)::int AS closed,
             sum(extract(epoch FROM s.exit_time - s.entry_time) / 60) FILTER (WHERE s.exit_time >= $1 AND s.exit_time < $2) AS stay_sum
        FROM sessions s JOIN l ON l.id = s.lot_id
       WHERE s.entry_time < $2 AND (s.exit_time IS NULL OR s.exit_time >= $1)
       GROUP BY s.lot_id`, args),
    pool.query(`WITH ${lots}
      SELECT extract(hour FROM s.entry_time AT TIME ZONE l.time_zone)::int AS hour, count(*)::int AS entries
        FROM sessions s JOIN l ON l.id = s.lot_id
       WHERE s.entry_time >= $1 AND s.entry_time < $2
       GROUP BY 1`, args),
    pool.query(`WITH ${lots}, d AS (
        SELECT to_char(s.entry_time AT TIME ZONE l.time_zone, 'YYYY-MM-DD') AS day, 1 AS sessions, 0::bigint AS invoiced, 0::bigint AS paid
          FROM sessions s JOIN l ON l.id = s.lot_id WHERE s.entry_time >= $1 AND s.entry_time < $2
        UNION ALL
        SELECT to_char(i.issued_at AT TIME ZONE l.time_zone, 'YYYY-MM-DD'), 0, i.amount_fen, 0
          FROM invoices i JOIN l ON l.id = i.lot_id WHERE i.issued_at >= $1 AND i.issued_at < $2 AND i.status <> 'void'
        UNION ALL
        SELECT to_char(i.paid_at AT TIME ZONE l.time_zone, 'YYYY-MM-DD'), 0, 0, i.amount_fen
          FROM invoices i JOIN l ON l.id = i.lot_id WHERE i.paid_at >= $1 AND i.paid_at < $2 AND i.status = 'paid')
      SELECT day, sum(sessions)::int AS sessions, sum(invoiced)::bigint AS invoiced, sum(paid)::bigint AS paid FROM d GROUP BY day ORDER BY day`, args),
    pool.query(`WITH ${lots}
      SELECT i.lot_id,
             coalesce(sum(i.amount_fen) FILTER (WHERE i.issued_at >= $1 AND i.issued_at < $2 AND i.status <> 'void'), 0)::bigint AS invoiced,
             coalesce(sum(i.amount_fen) FILTER (WHERE i.paid_at >= $1 AND i.paid_at < $2 AND i.status = 'paid'), 0)::bigint AS paid,
             coalesce(sum(i.amount_fen) FILTER (WHERE i.issued_at >= $1 AND i.issued_at < $2 AND i.status = 'outstanding'), 0)::bigint AS outstanding,
             coalesce(sum(i.amount_fen) FILTER (WHERE i.issued_at >= $1 AND i.issued_at < $2 AND i.status = 'outstanding' AND i.due_at < now()), 0)::bigint AS overdue
        FROM invoices i JOIN l ON l.id = i.lot_id
       WHERE (i.issued_at >= $1 AND i.issued_at < $2) OR (i.paid_at >= $1 AND i.paid_at < $2)
       GROUP BY i.lot_id`, args),
    pool.query(`WITH ${lotsAt(1)}
      SELECT (SELECT count(*) FROM sessions s JOIN l ON l.id = s.lot_id WHERE s.status = 'review')::int AS in_review,
             (SELECT count(*) FROM session_exceptions e JOIN l ON l.id = e.lot_id WHERE e.resolved_at IS NULL)::int AS open_exceptions`, [lotId]),
    pool.query(`WITH ${lots}
      SELECT o.lot_id, sum(o.avg_occupied) AS occupied, sum(o.avg_capacity) AS capacity, max(o.max_occupied::real / nullif(o.avg_capacity, 0)) AS peak
        FROM lot_occupancy_15m o JOIN l ON l.id = o.lot_id
       WHERE o.bucket >= $1 AND o.bucket < $2
       GROUP BY o.lot_id`, args),
    pool.query(`WITH ${lots}
      SELECT extract(hour FROM o.bucket AT TIME ZONE l.time_zone)::int AS hour, sum(o.avg_occupied) AS occupied, sum(o.avg_capacity) AS capacity
        FROM lot_occupancy_15m o JOIN l ON l.id = o.lot_id
       WHERE o.bucket >= $1 AND o.bucket < $2
       GROUP BY 1`, args),
  ]);

  const ratio = (occupied: number | null, capacity: number | null) => (capacity ? round(Number(occupied) / Number(capacity), 4) : null);
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  const byId = <T extends { lot_id: string }>(rows: T[]) => new Map(rows.map((r) => [r.lot_id, r]));
  const s = byId(perLot.rows), m = byId(owed.rows), o = byId(occupancy.rows);
  const byLot = lotRows.map((lot) => {
    const sl = s.get(lot.id), ml = m.get(lot.id), ol = o.get(lot.id);
    const sessions = sl?.sessions ?? 0;
    return {
      lotId: lot.id, name: lot.name, nameEn: lot.name_en, kind: lot.kind, bays: lot.capacity, sessions,
      avgStayMinutes: sl?.closed ? round(Number(sl.stay_sum) / sl.closed, 1) : null,
      turnover: lot.capacity ? round(sessions / lot.capacity / days, 2) : 0,
      invoicedFen: Number(ml?.invoiced ?? 0), paidFen: Number(ml?.paid ?? 0),
      avgOccupancy: ol ? ratio(ol.occupied, ol.capacity) : null,
      peakOccupancy: ol?.peak === null || ol?.peak === undefined ? null : round(Math.min(1, Number(ol.peak)), 4),
    };
  }).sort((a, b) => b.invoicedFen - a.invoicedFen || b.sessions - a.sessions || a.lotId.localeCompare(b.lotId));

  const sum = <T>(rows: T[], f: (r: T) => number) => rows.reduce((acc, r) => acc + f(r), 0);
  const closed = sum(perLot.rows, (r) => r.closed);
  const entriesByHour = new Map(perHour.rows.map((r) => [r.hour, r.entries]));
  const occByHour = new Map(occupancyHourly.rows.map((r) => [r.hour, r]));
  const zones = [...new Set(lotRows.map((l) => l.time_zone))];
  return {
    from: from.toISOString(), to: to.toISOString(), lotId,
    timeZone: zones.length === 1 ? zones[0] : zones.join(', ') || 'Asia/Shanghai',
    totals: {
      lots: lotRows.length, bays: sum(lotRows, (l) => l.capacity),
      sessions: sum(perLot.rows, (r) => r.sessions), closed,
      avgStayMinutes: closed ? round(sum(perLot.rows, (r) => Number(r.stay_sum ?? 0)) / closed, 1) : null,
      invoicedFen: sum(owed.rows, (r) => Number(r.invoiced)), paidFen: sum(owed.rows, (r) => Number(r.paid)),
      outstandingFen: sum(owed.rows, (r) => Number(r.outstanding)), overdueFen: sum(owed.rows, (r) => Number(r.overdue)),
      inReview: queue.rows[0].in_review, openExceptions: queue.rows[0].open_exceptions,
    },
    byLot,
    hourly: Array.from({ length: 24 }, (_, hour) => ({
      hour, entries: entriesByHour.get(hour) ?? 0,
      avgOccupancy: occByHour.has(hour) ? ratio(occByHour.get(hour).occupied, occByHour.get(hour).capacity) : null,
    })),
    daily: perDay.rows.map((r) => ({ day: r.day, sessions: r.sessions, invoicedFen: Number(r.invoiced), paidFen: Number(r.paid) })),
  };
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
