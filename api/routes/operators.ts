// The operators' console over HTTP: sign in, and analytics for decisions (how full each lot is by
// hour of day, turnover, stays, revenue and arrears). The review queue, exceptions and arrears by
// plate are in routes/sessions.ts; refunds and reminders in routes/drivers.ts.
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { App, ApiContext } from '../app.ts';
import { createAuth, issueToken, limitedLogin, LoginLimiter, TOKEN_TTL_S } from '../auth.ts';
import { verifyOperator } from '../operator-accounts.ts';
import { OneLotError } from '../../core/errors.ts';
import { prepareAccountPasswords } from '../../core/passwords.ts';
import { analyticsReport } from '../../analytics/report.ts';

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

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 92;

export function operatorRoutes(opts: OperatorRoutesOptions) {
  return (app: App, { pool }: ApiContext): void => {
    const auth = createAuth(opts.authSecret);
    const operator = async (req: FastifyRequest) => { if (!opts.open) await auth.requireOperator(req); };
    const limiter = new LoginLimiter();
    prepareAccountPasswords();

    app.post('/api/v1/operator/login', {
      schema: {
        tags: ['operator'], summary: 'Sign in to the operators\' console; returns a bearer token valid for 12 hours',
        body: LoginBody,
        response: { 200: OperatorToken, 401: Type.Ref('ErrorBody'), 429: Type.Ref('ErrorBody') },
      },
    }, async (req, reply) => {
      const { operatorId, password } = req.body;
      const account = await limitedLogin(limiter, operatorId, reply, () => verifyOperator(pool, operatorId, password),
        'The operator id or password is wrong. Check both and try again; after 5 failures the id is locked for 15 minutes. An administrator sets passwords with `npm run operator:add`.');
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
      const report = await analyticsReport(pool, from, to, lotId);
      if (!report) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Lot ${lotId}`);
      return report;
    });
  };
}

