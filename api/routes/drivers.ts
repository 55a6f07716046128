// Drivers and payments over HTTP: accounts, plates, payment methods, contactless, invoices (by
// account, or by presenting a plate), paying, receipts, the provider's webhook, operator refunds
// and arrears. Thin: the money rules live in payments/service.ts.
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { App, ApiContext } from '../app.ts';
import type { Pool } from '../../core/db/index.ts';
import { OneLotError } from '../../core/errors.ts';
import { maskPlate, normalizePlate, type PlateKind } from '../../core/plates.ts';
import { hashPassword, verifyAccountPassword, needsRehash, prepareAccountPasswords } from '../../core/passwords.ts';
import { computeFee, parseTariff, tariffInForce, type FeeLine, type Tariff } from '../../billing/tariff.ts';
import { createAuth, issueToken, limitedLogin, LoginLimiter, TOKEN_TTL_S } from '../auth.ts';
import { chargeInvoice, handleWebhook, refundInvoice, sendOverdueReminders } from '../../payments/service.ts';
import { formatYuan, renderReceiptHtml } from '../../payments/receipt.ts';
import type { PaymentsRuntime } from '../../payments/extras.ts';
import { SIGNATURE_HEADER } from '../../payments/webhook-signature.ts';

const Err = Type.Ref('ErrorBody');
const IsoTime = Type.String({ description: 'ISO 8601 instant' });
const Phone = Type.String({ pattern: '^1[3-9][0-9]{9}$', description: 'Chinese mobile number, 11 digits starting with 1', examples: ['13800138000'] });
const DriverBody = Type.Object({ id: Type.Integer(), phone: Type.String(), name: Type.Union([Type.String(), Type.Null()]) });
const TokenBody = Type.Object({ token: Type.String(), expiresAt: IsoTime, driver: DriverBody });
const PlateBody = Type.Object({ plate: Type.String(), contactless: Type.Boolean(), addedAt: IsoTime });
const MethodBody = Type.Object({ id: Type.Integer(), label: Type.String(), isDefault: Type.Boolean() });
const LineBody = Type.Object({ kind: Type.String(), name: Type.String(), nameZh: Type.String(), from: Type.String(), to: Type.String(), minutes: Type.Number(), amountFen: Type.Integer(), description: Type.String() });
const ReceiptRef = Type.Object({ number: Type.String(), url: Type.String({ description: 'download link (includes its access key)' }) });
const InvoiceBody = Type.Object({
  id: Type.Integer(),
  lotId: Type.String(),
  lotName: Type.String(),
  lotNameEn: Type.String(),
  plate: Type.String({ description: 'masked unless you are its owner' }),
  entryTime: Type.Union([IsoTime, Type.Null()]),
  exitTime: Type.Union([IsoTime, Type.Null()]),
  amountFen: Type.Integer(),
  amount: Type.String({ examples: ['¥12.50'] }),
  lines: Type.Array(LineBody),
  status: Type.String({ description: 'outstanding | paying | paid | void | refunded' }),
  overdue: Type.Boolean(),
  issuedAt: IsoTime,
  dueAt: IsoTime,
  paidAt: Type.Union([IsoTime, Type.Null()]),
  lastFailure: Type.Union([Type.String(), Type.Null()], { description: 'why the last payment attempt failed, e.g. card_declined' }),
  receipt: Type.Union([ReceiptRef, Type.Null()]),
});
type InvoiceBodyT = Static<typeof InvoiceBody>;
const InvoiceId = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export function driverRoutes(app: App, { pool, metrics }: ApiContext, payments: PaymentsRuntime): void {
  const config = payments.config;
  const auth = createAuth(config.AUTH_TOKEN_SECRET);
  const limiter = new LoginLimiter();
  const receiptKey = (number: string) => createHmac('sha256', config.AUTH_TOKEN_SECRET).update(`receipt:${number}`).digest('base64url').slice(0, 22);
  const receiptRef = (number: string | null) => (number ? { number, url: `/api/v1/receipts/${encodeURIComponent(number)}?key=${receiptKey(number)}` } : null);

  const tokenFor = (driver: { id: number; phone: string; name: string | null }) => {
    const nowS = Math.floor(Date.now() / 1000);
    return { token: issueToken(config.AUTH_TOKEN_SECRET, { driverId: driver.id }, nowS), expiresAt: new Date((nowS + TOKEN_TTL_S) * 1000).toISOString(), driver };
  };

  // ------------------------------------------------------------------ accounts
  app.post('/api/v1/auth/register', {
    schema: {
      tags: ['drivers'], summary: 'Create a driver account',
      body: Type.Object({ phone: Phone, password: Type.String({ minLength: 8, maxLength: 128 }), name: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })) }, { additionalProperties: false }),
      response: { 201: TokenBody, 400: Err, 409: Err },
    },
  }, async (req, reply) => {
    // Hash before touching the pool: never hold the one connection through ~50 ms of scrypt.
    const hash = await hashPassword(req.body.password);
    const { rows } = await pool.query<{ id: number; phone: string; name: string | null }>(
      `INSERT INTO drivers (phone, password_hash, name) VALUES ($1, $2, $3) ON CONFLICT (phone) DO NOTHING RETURNING id, phone, name`,
      [req.body.phone, hash, req.body.name ?? null]);
    if (!rows[0]) throw new OneLotError('ONELOT_ERR_CONFLICT', 'This phone number is already registered; log in with POST /api/v1/auth/login instead.');
    return reply.status(201).send(tokenFor(rows[0]));
  });

  prepareAccountPasswords();
  app.post('/api/v1/auth/login', {
    schema: {
      tags: ['drivers'], summary: 'Log in; returns a bearer token valid for 12 hours',
      body: Type.Object({ phone: Type.String({ maxLength: 20 }), password: Type.String({ maxLength: 128 }) }, { additionalProperties: false }),
      response: { 200: TokenBody, 401: Err, 429: Err },
    },
  }, async (req, reply) => {
    const { phone, password } = req.body;
    const d = await limitedLogin(limiter, phone, reply, async () => {
      const { rows } = await pool.query<{ id: number; phone: string; name: string | null; password_hash: string }>(
        'SELECT id, phone, name, password_hash FROM drivers WHERE phone = $1', [phone]);
      return (await verifyAccountPassword(password, rows[0]?.password_hash)) ? rows[0] : null;
    }, 'The phone number or password is wrong. Check both and try again; after 5 failures the account is locked for 15 minutes.');
    if (needsRehash(d.password_hash)) await pool.query('UPDATE drivers SET password_hash = $2 WHERE id = $1', [d.id, await hashPassword(password)]);
    return reply.send(tokenFor({ id: d.id, phone: d.phone, name: d.name }));
  });

  app.get('/api/v1/me', {
    preHandler: auth.requireDriver,
    schema: {
      tags: ['drivers'], summary: 'My account, plates and payment methods', security: [{ bearer: [] }],
      response: { 200: Type.Object({ driver: DriverBody, plates: Type.Array(PlateBody), paymentMethods: Type.Array(MethodBody) }), 401: Err },
    },
  }, async (req) => {
    const id = req.driverId!;
    const d = (await pool.query<{ id: number; phone: string; name: string | null }>('SELECT id, phone, name FROM drivers WHERE id = $1', [id])).rows[0];
    if (!d) throw new OneLotError('ONELOT_ERR_UNAUTHORIZED');
    return { driver: d, plates: await platesOf(pool, id), paymentMethods: await methodsOf(pool, id) };
  });

  // ------------------------------------------------------------------ plates
  const PlateParam = Type.Object({ plate: Type.String({ minLength: 2, maxLength: 20 }) });
  const parsePlate = (input: string) => {
    const r = normalizePlate(input);
    if (!r.ok) throw new OneLotError('ONELOT_ERR_VALIDATION', r.reason);
    return r.plate;
  };

  app.post('/api/v1/me/plates', {
    preHandler: auth.requireDriver,
    schema: {
      tags: ['drivers'], summary: 'Add a plate to my account', security: [{ bearer: [] }],
      body: Type.Object({ plate: Type.String({ minLength: 2, maxLength: 20 }) }, { additionalProperties: false }),
      response: { 201: PlateBody, 200: PlateBody, 400: Err, 401: Err, 409: Err },
    },
  }, async (req, reply) => {
    const plate = parsePlate(req.body.plate);
    const { rows } = await pool.query<{ plate: string; driver_id: number; contactless: boolean; added_at: Date; inserted: boolean }>(
      `INSERT INTO driver_plates (plate, driver_id) VALUES ($1, $2)
       ON CONFLICT (plate) DO UPDATE SET plate = EXCLUDED.plate WHERE driver_plates.driver_id = $2
       RETURNING plate, driver_id, contactless, added_at, (xmax = 0) AS inserted`, [plate, req.driverId]);
    if (!rows[0]) throw new OneLotError('ONELOT_ERR_CONFLICT', `The plate ${maskPlate(plate)} belongs to another account. If it is yours, contact the operator with the vehicle registration.`);
    const r = rows[0];
    return reply.status(r.inserted ? 201 : 200).send({ plate: r.plate, contactless: r.contactless, addedAt: r.added_at.toISOString() });
  });

  app.delete('/api/v1/me/plates/:plate', {
    preHandler: auth.requireDriver,
    schema: { tags: ['drivers'], summary: 'Remove a plate from my account', security: [{ bearer: [] }], params: PlateParam, response: { 204: Type.Null(), 400: Err, 401: Err, 404: Err } },
  }, async (req, reply) => {
    const plate = parsePlate(req.params.plate);
    const r = await pool.query('DELETE FROM driver_plates WHERE plate = $1 AND driver_id = $2', [plate, req.driverId]);
    if (r.rowCount === 0) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `The plate ${plate} on your account`);
    return reply.status(204).send(null);
  });

  app.put('/api/v1/me/plates/:plate/contactless', {
    preHandler: auth.requireDriver,
    schema: {
      tags: ['drivers'], summary: 'Turn contactless ("leave and go") payment on or off for a plate', security: [{ bearer: [] }],
      params: PlateParam, body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }),
      response: { 200: PlateBody, 400: Err, 401: Err, 404: Err, 409: Err },
    },
  }, async (req) => {
    const plate = parsePlate(req.params.plate);
    if (req.body.enabled) {
      const { rows } = await pool.query('SELECT 1 FROM payment_methods WHERE driver_id = $1 AND is_default', [req.driverId]);
      if (!rows[0]) throw new OneLotError('ONELOT_ERR_CONFLICT', 'Contactless payment needs a payment method: add one with POST /api/v1/me/payment-methods first.');
    }
    const { rows } = await pool.query<{ plate: string; contactless: boolean; added_at: Date }>(
      'UPDATE driver_plates SET contactless = $3 WHERE plate = $1 AND driver_id = $2 RETURNING plate, contactless, added_at', [plate, req.driverId, req.body.enabled]);
    if (!rows[0]) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `The plate ${plate} on your account (add it with POST /api/v1/me/plates)`);
    // A plate just switched on may already have unpaid invoices: charge them now, not at the next tick.
    if (req.body.enabled) payments.autoCharger?.poke().catch(() => {});
    return { plate: rows[0].plate, contactless: rows[0].contactless, addedAt: rows[0].added_at.toISOString() };
  });

  // ------------------------------------------------------------------ payment methods
  app.post('/api/v1/me/payment-methods', {
    preHandler: auth.requireDriver,
    schema: {
      tags: ['drivers'], summary: 'Add a payment method (tokenised by the provider; it becomes the default)', security: [{ bearer: [] }],
      body: Type.Object({
        kind: Type.Union([Type.Literal('alipay'), Type.Literal('wechat'), Type.Literal('card')]),
        account: Type.String({ minLength: 4, maxLength: 64, description: 'account or card number; sent to the provider, never stored by OneLot' }),
      }, { additionalProperties: false }),
      response: { 201: MethodBody, 400: Err, 401: Err, 503: Err },
    },
  }, async (req, reply) => {
    const client = payments.requireClient();
    const pm = await client.createPaymentMethod(req.body).catch((err) => {
      throw new OneLotError('ONELOT_ERR_VALIDATION', `the payment provider did not accept the method: ${(err as Error).message}`);
    });
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('UPDATE payment_methods SET is_default = false WHERE driver_id = $1 AND is_default', [req.driverId]);
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO payment_methods (driver_id, provider, token, label, is_default) VALUES ($1, 'simpay', $2, $3, true) RETURNING id`,
        [req.driverId, pm.token, pm.label]);
      await c.query('COMMIT');
      return reply.status(201).send({ id: rows[0].id, label: pm.label, isDefault: true });
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  });

  // ------------------------------------------------------------------ sessions and invoices (mine)
  const OpenSession = Type.Object({
    sessionId: Type.Integer(), lotId: Type.String(), lotName: Type.String(), lotNameEn: Type.String(), plate: Type.String(), entryTime: IsoTime,
    runningFeeFen: Type.Union([Type.Integer(), Type.Null()], { description: 'what leaving now would cost; null when the lot has no tariff' }),
    runningFee: Type.Union([Type.String(), Type.Null()]),
  });
  const PastSession = Type.Object({
    sessionId: Type.Integer(), lotId: Type.String(), lotName: Type.String(), lotNameEn: Type.String(), plate: Type.String(), entryTime: IsoTime,
    exitTime: Type.Union([IsoTime, Type.Null()]), status: Type.String(), invoice: Type.Union([InvoiceBody, Type.Null()]),
  });
  app.get('/api/v1/me/sessions', {
    preHandler: auth.requireDriver,
    schema: {
      tags: ['drivers'], summary: 'My current stays with their running fee, and past stays with invoice and receipt', security: [{ bearer: [] }],
      response: { 200: Type.Object({ open: Type.Array(OpenSession), past: Type.Array(PastSession) }), 401: Err },
    },
  }, async (req) => {
    const { rows } = await pool.query<SessionRow>(
      `SELECT s.id, s.lot_id, s.plate, s.plate_kind, s.status, s.entry_time, s.exit_time, l.name, l.name_en, i.id AS invoice_id
         FROM sessions s JOIN driver_plates dp ON dp.plate = s.plate AND dp.driver_id = $1
         JOIN lots l ON l.id = s.lot_id LEFT JOIN invoices i ON i.session_id = s.id
        ORDER BY s.entry_time DESC LIMIT 200`, [req.driverId]);
    const now = new Date();
    const tariffs = await tariffsFor(pool, [...new Set(rows.filter((r) => r.status === 'open').map((r) => r.lot_id))]);
    const invoices = new Map((await invoicesWhere(pool, 'i.id = ANY($1::bigint[])', [rows.map((r) => r.invoice_id).filter((x) => x !== null)])).map((i) => [i.id, i]));
    const open = [];
    const past = [];
    for (const r of rows) {
      const base = { sessionId: r.id, lotId: r.lot_id, lotName: r.name, lotNameEn: r.name_en, plate: r.plate, entryTime: r.entry_time.toISOString() };
      if (r.status === 'open') {
        const fee = runningFee(tariffs.get(r.lot_id), r, now);
        open.push({ ...base, runningFeeFen: fee, runningFee: fee === null ? null : formatYuan(fee) });
      } else {
        const inv = r.invoice_id !== null ? invoices.get(r.invoice_id) : undefined;
        past.push({ ...base, exitTime: r.exit_time?.toISOString() ?? null, status: r.status, invoice: inv ? toInvoiceBody(inv, true, receiptRef) : null });
      }
    }
    return { open, past };
  });

  app.get('/api/v1/me/invoices', {
    preHandler: auth.requireDriver,
    schema: { tags: ['drivers'], summary: 'Invoices of my plates, newest first', security: [{ bearer: [] }], response: { 200: Type.Object({ invoices: Type.Array(InvoiceBody) }), 401: Err } },
  }, async (req) => {
    const rows = await invoicesWhere(pool, 'i.plate IN (SELECT plate FROM driver_plates WHERE driver_id = $1)', [req.driverId]);
    return { invoices: rows.map((r) => toInvoiceBody(r, true, receiptRef)) };
  });

  // ------------------------------------------------------------------ public: by plate
  // Presenting a plate shows its unpaid invoices: lot, times and amount, never who owns it.
  app.get('/api/v1/invoices', {
    schema: {
      tags: ['payments'], summary: 'Outstanding invoices of a plate you present (no account needed)',
      querystring: Type.Object({ plate: Type.String({ minLength: 2, maxLength: 20 }) }),
      response: { 200: Type.Object({ plate: Type.String(), invoices: Type.Array(InvoiceBody), totalOutstandingFen: Type.Integer(), totalOutstanding: Type.String() }), 400: Err },
    },
  }, async (req) => {
    const plate = parsePlate(req.query.plate);
    const rows = await invoicesWhere(pool, `i.plate = $1 AND i.status IN ('outstanding', 'paying')`, [plate]);
    const total = rows.reduce((s, r) => s + r.amount_fen, 0);
    return { plate: maskPlate(plate), invoices: rows.map((r) => toInvoiceBody(r, false, () => null)), totalOutstandingFen: total, totalOutstanding: formatYuan(total) };
  });

  app.get('/api/v1/invoices/:id', {
    schema: {
      tags: ['payments'], summary: 'One invoice of a plate you present, with its status and, once paid, the receipt link',
      params: InvoiceId, querystring: Type.Object({ plate: Type.String({ minLength: 2, maxLength: 20 }) }),
      response: { 200: InvoiceBody, 400: Err, 404: Err },
    },
  }, async (req) => {
    const plate = parsePlate(req.query.plate);
    const [row] = await invoicesWhere(pool, 'i.id = $1 AND i.plate = $2', [req.params.id, plate]);
    // The same 404 for "no such invoice" and "not this plate": ids are sequential and guessable.
    if (!row) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Invoice ${req.params.id} for plate ${maskPlate(plate)}`);
    return toInvoiceBody(row, false, receiptRef);
  });

  app.post('/api/v1/invoices/:id/pay', {
    preHandler: auth.optionalDriver,
    schema: {
      tags: ['payments'], summary: 'Pay an invoice: with a one-off token from the provider checkout, or (logged in) with my default method',
      params: InvoiceId,
      body: Type.Object({ source: Type.Optional(Type.String({ minLength: 4, maxLength: 200, description: 'one-off payment token from the provider checkout' })) }, { additionalProperties: false }),
      response: { 202: Type.Object({ chargeId: Type.Integer(), invoiceId: Type.Integer(), status: Type.Literal('pending') }), 400: Err, 401: Err, 403: Err, 404: Err, 409: Err, 503: Err },
    },
  }, async (req, reply) => {
    const client = payments.requireClient();
    let source = req.body?.source;
    if (!source) {
      if (req.driverId === undefined) throw new OneLotError('ONELOT_ERR_VALIDATION', 'send {"source": "<one-off token from the checkout>"}, or log in to pay with your default payment method');
      const { rows } = await pool.query<{ token: string; owns: boolean }>(
        `SELECT m.token, EXISTS (SELECT 1 FROM invoices i JOIN driver_plates dp ON dp.plate = i.plate WHERE i.id = $2 AND dp.driver_id = $1) AS owns
           FROM payment_methods m WHERE m.driver_id = $1 AND m.is_default ORDER BY m.created_at DESC, m.id DESC LIMIT 1`, [req.driverId, req.params.id]);
      if (!rows[0]) throw new OneLotError('ONELOT_ERR_CONFLICT', 'You have no payment method: add one with POST /api/v1/me/payment-methods, or send a one-off "source".');
      // A saved method pays only the account's own plates; anyone may pay any invoice with a one-off token.
      if (!rows[0].owns) throw new OneLotError('ONELOT_ERR_FORBIDDEN', 'Your saved payment method pays only invoices of your own plates; pay this one with a one-off "source".');
      source = rows[0].token;
    }
    const r = await chargeInvoice(pool, client, req.params.id, { method: 'online', source });
    return reply.status(202).send({ chargeId: r.chargeId, invoiceId: r.invoiceId, status: 'pending' as const });
  });

  // ------------------------------------------------------------------ receipts
  // Access: the owner of the plate (bearer token), or anyone holding the link given with the paid
  // invoice (?key= is an HMAC of the receipt number, so numbers, which are guessable, are not enough).
  app.get('/api/v1/receipts/:number', {
    preHandler: auth.optionalDriver,
    schema: {
      tags: ['payments'], summary: 'Download a receipt (HTML, Chinese and English)',
      params: Type.Object({ number: Type.String({ pattern: '^OL-[0-9]{8}-[0-9]{6,}$' }) }),
      querystring: Type.Object({ key: Type.Optional(Type.String({ maxLength: 64 })) }),
      response: { 200: Type.String({ description: 'text/html attachment' }), 400: Err, 401: Err, 404: Err },
    },
  }, async (req, reply) => {
    const { number } = req.params;
    const { rows } = await pool.query<ReceiptRow>(
      `SELECT r.number, r.issued_at, r.invoice_id, i.plate, i.amount_fen, i.lines, c.method, c.status, l.name, l.name_en, l.time_zone, s.entry_time, s.exit_time,
              EXISTS (SELECT 1 FROM driver_plates dp WHERE dp.plate = i.plate AND dp.driver_id = $2) AS owned
         FROM receipts r JOIN invoices i ON i.id = r.invoice_id JOIN charges c ON c.id = r.charge_id
         LEFT JOIN lots l ON l.id = i.lot_id LEFT JOIN sessions s ON s.id = i.session_id
        WHERE r.number = $1`, [number, req.driverId ?? -1]);
    const r = rows[0];
    const key = req.query.key;
    const expected = Buffer.from(receiptKey(number));
    const keyOk = key !== undefined && Buffer.byteLength(key) === expected.length && timingSafeEqual(Buffer.from(key), expected);
    if (!r || !(r.owned || keyOk)) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Receipt ${number} (use the link from the paid invoice, or log in as the plate's owner)`);
    const html = renderReceiptHtml({
      number: r.number, issuedAt: r.issued_at, invoiceId: r.invoice_id, lotName: r.name ?? '', lotNameEn: r.name_en ?? '', plate: r.plate,
      entryTime: r.entry_time, exitTime: r.exit_time, amountFen: r.amount_fen, lines: r.lines, method: r.method,
      status: r.status === 'refunded' ? 'refunded' : 'succeeded', timeZone: r.time_zone ?? 'Asia/Shanghai',
    });
    return reply.type('text/html; charset=utf-8').header('content-disposition', `attachment; filename="receipt-${number}.html"`).send(html);
  });

  // ------------------------------------------------------------------ provider webhook
  // Encapsulated so the raw-body JSON parser applies to this route only: the signature covers the
  // exact bytes sent, and re-serialising parsed JSON would not reproduce them.
  app.register(async (sub) => {
    sub.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    sub.withTypeProvider<TypeBoxTypeProvider>().post('/api/v1/payments/webhook', {
      schema: {
        tags: ['payments'], summary: 'Payment provider notifications (signed: OneLot-Signature)',
        response: { 200: Type.Object({ status: Type.String(), eventId: Type.String() }), 400: Err },
      },
    }, async (req) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const sig = req.headers[SIGNATURE_HEADER];
      const r = await handleWebhook(pool, raw, Array.isArray(sig) ? sig[0] : sig, config.PAYMENT_WEBHOOK_SECRET, { metrics });
      if (r.detail && r.status === 'ignored') req.log.warn({ eventId: r.eventId }, `payments webhook ignored: ${r.detail}`);
      return { status: r.status, eventId: r.eventId };
    });
  });

  // ------------------------------------------------------------------ operators
  app.post('/api/v1/operator/invoices/:id/refund', {
    preHandler: auth.requireOperator,
    schema: {
      tags: ['payments'], summary: 'Refund a paid invoice in full (the result arrives by webhook)', security: [{ bearer: [] }],
      params: InvoiceId, response: { 202: Type.Object({ invoiceId: Type.Integer(), chargeId: Type.Integer(), refundId: Type.String(), status: Type.String() }), 401: Err, 404: Err, 409: Err, 503: Err },
    },
  }, async (req, reply) => {
    const r = await refundInvoice(pool, payments.requireClient(), req.params.id);
    req.log.info({ operator: req.operatorId, invoice: req.params.id }, 'refund requested');
    return reply.status(202).send({ invoiceId: req.params.id, ...r });
  });

  app.get('/api/v1/operator/arrears', {
    preHandler: auth.requireOperator,
    schema: {
      tags: ['payments'], summary: "A plate's arrears: its overdue and outstanding invoices", security: [{ bearer: [] }],
      querystring: Type.Object({ plate: Type.String({ minLength: 2, maxLength: 20 }) }),
      response: { 200: Type.Object({ plate: Type.String(), overdueFen: Type.Integer(), outstandingFen: Type.Integer(), overdue: Type.String(), invoices: Type.Array(Type.Intersect([InvoiceBody, Type.Object({ remindersSent: Type.Integer() })])) }), 400: Err, 401: Err },
    },
  }, async (req) => {
    const plate = parsePlate(req.query.plate);
    const rows = await invoicesWhere(pool, `i.plate = $1 AND i.status IN ('outstanding', 'paying')`, [plate]);
    const now = Date.now();
    const overdueFen = rows.filter((r) => r.status === 'outstanding' && r.due_at.getTime() < now).reduce((s, r) => s + r.amount_fen, 0);
    return {
      plate, overdueFen, overdue: formatYuan(overdueFen), outstandingFen: rows.reduce((s, r) => s + r.amount_fen, 0),
      invoices: rows.map((r) => ({ ...toInvoiceBody(r, true, () => null), remindersSent: r.reminders_sent })),
    };
  });

  app.post('/api/v1/operator/reminders/run', {
    preHandler: auth.requireOperator,
    schema: {
      tags: ['payments'], summary: 'Send overdue reminders now (normally REMINDER_CRON); logged only, there is no SMS gateway', security: [{ bearer: [] }],
      response: { 200: Type.Object({ sent: Type.Array(Type.Object({ invoiceId: Type.Integer(), plate: Type.String(), amountFen: Type.Integer(), remindersSent: Type.Integer(), recipient: Type.Union([Type.String(), Type.Null()]) })) }), 401: Err },
    },
  }, async (req) => {
    const sent = await sendOverdueReminders(pool, new Date(), (m) => req.log.info(m));
    return { sent: sent.map(({ dueAt: _d, ...s }) => s) };
  });
}

// ---------------------------------------------------------------------------------------------
// Queries and shaping

async function platesOf(pool: Pool, driverId: number) {
  const { rows } = await pool.query<{ plate: string; contactless: boolean; added_at: Date }>(
    'SELECT plate, contactless, added_at FROM driver_plates WHERE driver_id = $1 ORDER BY added_at, plate', [driverId]);
  return rows.map((r) => ({ plate: r.plate, contactless: r.contactless, addedAt: r.added_at.toISOString() }));
}

async function methodsOf(pool: Pool, driverId: number) {
  const { rows } = await pool.query<{ id: number; label: string; is_default: boolean }>(
    'SELECT id, label, is_default FROM payment_methods WHERE driver_id = $1 ORDER BY created_at DESC, id DESC', [driverId]);
  return rows.map((r) => ({ id: r.id, label: r.label, isDefault: r.is_default }));
}

interface SessionRow {
  id: number; lot_id: string; plate: string; plate_kind: PlateKind | null; status: string; entry_time: Date; exit_time: Date | null;
  name: string; name_en: string; invoice_id: number | null;
}

interface ReceiptRow {
  number: string; issued_at: Date; invoice_id: number; plate: string; amount_fen: number; lines: FeeLine[]; method: 'contactless' | 'online'; status: string;
  name: string | null; name_en: string | null; time_zone: string | null; entry_time: Date | null; exit_time: Date | null; owned: boolean;
}

interface InvoiceRow {
  id: number; lot_id: string; plate: string; amount_fen: number; lines: FeeLine[]; status: string; issued_at: Date; due_at: Date; paid_at: Date | null;
  reminders_sent: number; name: string | null; name_en: string | null; entry_time: Date | null; exit_time: Date | null;
  last_failure: string | null; receipt_number: string | null;
}

async function invoicesWhere(pool: Pool, where: string, params: unknown[]): Promise<InvoiceRow[]> {
  const { rows } = await pool.query<InvoiceRow>(
    `SELECT i.id, i.lot_id, i.plate, i.amount_fen, i.lines, i.status, i.issued_at, i.due_at, i.paid_at, i.reminders_sent,
            l.name, l.name_en, s.entry_time, s.exit_time,
            (SELECT c.failure_reason FROM charges c WHERE c.invoice_id = i.id ORDER BY c.id DESC LIMIT 1) AS last_failure,
            (SELECT r.number FROM receipts r WHERE r.invoice_id = i.id ORDER BY r.id DESC LIMIT 1) AS receipt_number
       FROM invoices i LEFT JOIN lots l ON l.id = i.lot_id LEFT JOIN sessions s ON s.id = i.session_id
      WHERE ${where}
      ORDER BY i.issued_at DESC, i.id DESC LIMIT 200`, params);
  return rows;
}

function toInvoiceBody(r: InvoiceRow, owner: boolean, receiptRef: (n: string | null) => { number: string; url: string } | null): InvoiceBodyT {
  return {
    id: r.id, lotId: r.lot_id, lotName: r.name ?? '', lotNameEn: r.name_en ?? '',
    plate: owner ? r.plate : maskPlate(r.plate),
    entryTime: r.entry_time?.toISOString() ?? null, exitTime: r.exit_time?.toISOString() ?? null,
    amountFen: r.amount_fen, amount: formatYuan(r.amount_fen),
    lines: (r.lines ?? []).map((l) => ({ kind: l.kind, name: l.name, nameZh: l.nameZh, from: l.from, to: l.to, minutes: l.minutes, amountFen: l.amountFen, description: l.description })),
    status: r.status,
    // Overdue is derived, not stored: outstanding and past due_at (INVOICE_DUE_DAYS after issue).
    overdue: r.status === 'outstanding' && r.due_at.getTime() < Date.now(),
    issuedAt: r.issued_at.toISOString(), dueAt: r.due_at.toISOString(), paidAt: r.paid_at?.toISOString() ?? null,
    lastFailure: r.status === 'paid' ? null : r.last_failure,
    receipt: receiptRef(r.receipt_number),
  };
}

/** Every tariff version of each lot's tariff (lot_billing.tariff_id), unparseable versions skipped. */
async function tariffsFor(pool: Pool, lotIds: string[]): Promise<Map<string, Tariff[]>> {
  const out = new Map<string, Tariff[]>();
  if (lotIds.length === 0) return out;
  const { rows } = await pool.query<{ lot_id: string; body: unknown }>(
    'SELECT lb.lot_id, t.body FROM lot_billing lb JOIN tariffs t ON t.id = lb.tariff_id WHERE lb.lot_id = ANY($1::text[])', [lotIds]);
  for (const r of rows) {
    try {
      const t = parseTariff(r.body);
      out.set(r.lot_id, [...(out.get(r.lot_id) ?? []), t]);
    } catch { /* a bad stored version must not break the driver's page; the fee shows as unknown */ }
  }
  return out;
}

function runningFee(versions: Tariff[] | undefined, s: SessionRow, now: Date): number | null {
  if (!versions?.length) return null;
  try {
    const kind: PlateKind = s.plate_kind ?? (normalizePlate(s.plate) as { kind?: PlateKind }).kind ?? 'standard';
    // tariff rule: the version in force at entry prices the whole stay.
    return computeFee(tariffInForce(versions, s.entry_time), { plateKind: kind }, s.entry_time, now).totalFen;
  } catch {
    return null;
  }
}
