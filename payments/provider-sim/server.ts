// SimPay: a simulated payment provider (think Alipay / WeChat Pay / a card acquirer), run as its own
// small HTTP service so OneLot talks to it, and hears back from it, over real sockets.
//
// The interface is the one real providers have:
//   POST /v1/payment_methods {kind, account}            → 201 {token, label}   (tokenisation: OneLot never sees card data)
//   POST /v1/charges  (Idempotency-Key required)        → 201 {id, status:'pending', …}
//        {amount_fen, currency:'CNY', source, description, metadata}
//        The same key returns the SAME charge (200); the same key with a different body is 409.
//        The outcome arrives later as a signed webhook: charge.succeeded | charge.failed.
//   GET  /v1/charges/:id                                → the charge as the provider knows it
//   POST /v1/charges/:id/cancel                         → the charge: a pending one is now failed ('canceled',
//        webhook charge.failed); a settled one is unchanged. Safe to repeat (Alipay's trade.close,
//        WeChat Pay's closeorder, Stripe's cancel: how a merchant ends a checkout nobody finishes).
//   POST /v1/refunds  (Idempotency-Key required) {charge, amount_fen, metadata} → 201 {id, status:'pending', metadata}, then
//        webhook charge.refunded with data {charge, refund} (the charge stays 'succeeded' until refunded in full, as Stripe's)
//
// Webhooks: POST webhookUrl, body {id: 'evt_…', type, created, data: {charge}}, header
// `OneLot-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` (core/webhook-signature.ts).
// Delivery is retried with exponential backoff until a 2xx, at most `webhookAttempts` times.
//
// Behaviour by source token (the prefix decides; anything after it is free):
//   tok_ok…           succeeds
//   tok_decline…      fails with failure_code 'card_declined'
//   tok_insufficient… fails with failure_code 'insufficient_funds'
//   tok_slow…         succeeds, but the create call answers only after `slowMs` (3 s): clients time
//                     out and retry with the same key, which must not create a second charge
//   tok_wait…         stays pending until cancelled: a QR code nobody scans, a payer who never confirms
//   anything else     400 invalid_source (an unknown token is refused at create, like a real provider)
// Payment-method tokens from /v1/payment_methods take their behaviour from the account: an account
// starting with "decline", "insufficient" or "slow" gives tok_decline_pm_…, tok_insufficient_pm_…,
// tok_slow_pm_…; any other account gives tok_ok_pm_….
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes, createHash } from 'node:crypto';
import type http from 'node:http';
import { signWebhook } from '../../core/webhook-signature.ts';
import { exchange, keptAliveAgent } from '../http-exchange.ts';

export type ChargeStatus = 'pending' | 'succeeded' | 'failed' | 'refunded';

export interface SimCharge {
  id: string;
  object: 'charge';
  amount_fen: number;
  currency: string;
  source: string;
  description: string;
  metadata: Record<string, string>;
  status: ChargeStatus;
  failure_code: string | null;
  amount_refunded_fen: number;
  created: number;
  idempotency_key: string;
}

export interface SimRefund { id: string; charge: string; amount_fen: number; status: string; metadata: Record<string, string> }

export interface WebhookDelivery {
  eventId: string;
  type: string;
  body: string;
  signature: string;
  attempts: number;
  /** HTTP status of the last attempt (0 = connection failed), or null while waiting. */
  lastStatus: number | null;
  delivered: boolean;
}

export interface SimulatedProviderOptions {
  webhookUrl: string;
  webhookSecret: string;
  /** 0 = any free port. */
  port?: number;
  host?: string;
  /** Time from create to the outcome (ms). */
  latencyMs?: number;
  /** How long tok_slow… holds the create answer (ms). */
  slowMs?: number;
  /** Webhook delivery attempts before giving up, and the first backoff (ms, doubled each time). */
  webhookAttempts?: number;
  webhookBackoffMs?: number;
  log?: (msg: string) => void;
}

export interface SimulatedProvider {
  url: string;
  close(): Promise<void>;
  /** Every charge the provider holds, in creation order (tests count captures per invoice from it). */
  ledger(): SimCharge[];
  /** Every webhook the provider has sent or is sending, with the exact body and signature. */
  deliveries(): WebhookDelivery[];
  /** Point webhooks somewhere else (OneLot restarted on another port). Held deliveries resume. */
  setWebhookUrl(url: string): void;
  /** While held, outcomes are decided but no webhook leaves (simulates a delayed notification). */
  holdWebhooks(hold: boolean): void;
  /**
   * Test hook: the next charge to settle is captured with these fields changed (another amount or
   * currency than the merchant asked for), and reported so by webhook and GET.
   */
  misreportNext(change: { amount_fen?: number; currency?: string } | null): void;
}

const BEHAVIOURS = ['ok', 'decline', 'insufficient', 'slow', 'wait'] as const;
type Behaviour = (typeof BEHAVIOURS)[number];

function behaviourOf(source: string): Behaviour | null {
  for (const b of BEHAVIOURS) if (source.startsWith(`tok_${b}`)) return b;
  return null;
}

const FAILURE: Partial<Record<Behaviour, string>> = { decline: 'card_declined', insufficient: 'insufficient_funds' };

const newId = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`;
const bodyHash = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const problem = (code: string, message: string) => ({ error: { code, message } });

/** Timers that die with the provider: after close nothing scheduled fires. */
class Timers {
  closed = false;
  private readonly pending = new Set<NodeJS.Timeout>();

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.pending.delete(t); if (!this.closed) fn(); }, ms);
    this.pending.add(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}

/** Outgoing webhooks: each event signed at every attempt and retried with backoff until a 2xx. */
class WebhookOutbox {
  readonly deliveries: WebhookDelivery[] = [];
  /** While held, outcomes are decided but no webhook leaves. */
  held = false;

  constructor(
    public url: string,
    private readonly opts: { secret: string; maxAttempts: number; backoffMs: number; log: (msg: string) => void },
    private readonly timers: Timers,
  ) {}

  // Kept-alive connections to the webhook URL (which a test may change): one agent per URL.
  private agent: { url: string; agent: http.Agent } | null = null;
  private agentFor(url: string): http.Agent {
    if (this.agent?.url !== url) {
      this.agent?.agent.destroy();
      this.agent = { url, agent: keptAliveAgent(url) };
    }
    return this.agent.agent;
  }

  /** Kept-alive connections would hold the process (and a test's server) open. */
  close(): void {
    this.agent?.agent.destroy();
    this.agent = null;
  }

  emit(type: string, charge: SimCharge, extra: Record<string, unknown> = {}): void {
    const eventId = newId('evt');
    const body = JSON.stringify({ id: eventId, type, created: Math.floor(Date.now() / 1000), data: { charge, ...extra } });
    const d: WebhookDelivery = { eventId, type, body, signature: '', attempts: 0, lastStatus: null, delivered: false };
    this.deliveries.push(d);
    void this.deliver(d);
  }

  private async deliver(d: WebhookDelivery): Promise<void> {
    if (this.timers.closed || d.delivered) return;
    if (this.held) return this.timers.later(50, () => void this.deliver(d)); // held: not an attempt, just wait
    d.attempts++;
    // Signed at each attempt, like Stripe: a retry hours later must still be inside the window.
    d.signature = signWebhook(this.opts.secret, d.body);
    const res = await exchange(new URL(this.url), this.agentFor(this.url), 'POST', { 'content-type': 'application/json', 'OneLot-Signature': d.signature }, d.body, 5000);
    d.lastStatus = 'failed' in res ? 0 : res.status;
    if (!('failed' in res) && res.status >= 200 && res.status < 300) {
      d.delivered = true;
      return;
    }
    if (d.attempts >= this.opts.maxAttempts) {
      this.opts.log(`simpay: webhook ${d.eventId} (${d.type}) given up after ${d.attempts} attempts`);
      return;
    }
    this.timers.later(this.opts.backoffMs * 2 ** (d.attempts - 1), () => void this.deliver(d));
  }
}

/** The provider's books (charges, refunds, payment methods, idempotency keys) and its four routes. */
class SimPay {
  readonly charges = new Map<string, SimCharge>();
  // Idempotency-Key → what it produced and the body it was produced for (Stripe semantics).
  private readonly keys = new Map<string, { hash: string; result: { kind: 'charge' | 'refund'; id: string } }>();
  private readonly refunds = new Map<string, SimRefund>();
  private readonly methods = new Map<string, { kind: string; label: string }>();
  /** misreportNext: applied to the next charge that settles. */
  misreport: { amount_fen?: number; currency?: string } | null = null;

  constructor(
    private readonly timing: { latencyMs: number; slowMs: number },
    private readonly timers: Timers,
    private readonly webhooks: WebhookOutbox,
  ) {}

  /** POST /v1/payment_methods: tokenise an account; its prefix decides the token's behaviour. */
  createPaymentMethod(req: FastifyRequest, reply: FastifyReply) {
    const body = req.body as { kind?: string; account?: string } | undefined;
    const kind = body?.kind;
    const account = String(body?.account ?? '');
    if (kind !== 'alipay' && kind !== 'wechat' && kind !== 'card') return reply.status(400).send(problem('invalid_kind', 'kind must be alipay, wechat or card'));
    if (account.length < 4 || account.length > 64) return reply.status(400).send(problem('invalid_account', 'account must be 4–64 characters'));
    const behaviour: Behaviour = (['decline', 'insufficient', 'slow'] as const).find((b) => account.toLowerCase().startsWith(b)) ?? 'ok';
    const token = `tok_${behaviour}_pm_${randomBytes(9).toString('base64url')}`;
    const name = kind === 'alipay' ? 'Alipay' : kind === 'wechat' ? 'WeChat Pay' : 'Card';
    const label = `${name} ****${account.replace(/\s/g, '').slice(-4)}`;
    this.methods.set(token, { kind, label });
    return reply.status(201).send({ token, label });
  }

  /** POST /v1/charges: create (or, for a known key and body, return) a charge; the outcome follows by webhook. */
  async createCharge(req: FastifyRequest, reply: FastifyReply) {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length < 8 || key.length > 255) {
      return reply.status(400).send(problem('idempotency_key_required', 'send an Idempotency-Key header (8–255 characters)'));
    }
    const body = (req.body ?? {}) as Partial<SimCharge>;
    const hash = bodyHash({ a: body.amount_fen, c: body.currency, s: body.source, d: body.description, m: body.metadata });
    const seen = this.keys.get(key);
    if (seen) {
      if (seen.hash !== hash || seen.result.kind !== 'charge') {
        return reply.status(409).send(problem('idempotency_key_reused', `Idempotency-Key ${key} was used with a different request`));
      }
      return reply.status(200).send(this.charges.get(seen.result.id));
    }
    if (!Number.isInteger(body.amount_fen) || (body.amount_fen as number) <= 0) return reply.status(400).send(problem('invalid_amount', 'amount_fen must be a positive integer'));
    if (body.currency !== 'CNY') return reply.status(400).send(problem('invalid_currency', 'currency must be CNY'));
    const behaviour = behaviourOf(String(body.source ?? ''));
    if (!behaviour) return reply.status(400).send(problem('invalid_source', `unknown payment source ${String(body.source)}`));
    const charge: SimCharge = {
      id: newId('ch'), object: 'charge', amount_fen: body.amount_fen as number, currency: 'CNY', source: body.source as string,
      description: String(body.description ?? ''), metadata: { ...(body.metadata ?? {}) }, status: 'pending', failure_code: null,
      amount_refunded_fen: 0, created: Math.floor(Date.now() / 1000), idempotency_key: key,
    };
    // Recorded before the (slow) answer: a retry that arrives meanwhile finds it.
    this.charges.set(charge.id, charge);
    this.keys.set(key, { hash, result: { kind: 'charge', id: charge.id } });
    this.settle(charge);
    if (behaviour === 'slow') await sleep(this.timing.slowMs);
    return reply.status(201).send(charge);
  }

  /** GET /v1/charges/:id */
  getCharge(req: FastifyRequest, reply: FastifyReply) {
    const charge = this.charges.get((req.params as { id: string }).id);
    if (!charge) return reply.status(404).send(problem('no_such_charge', 'no such charge'));
    return charge;
  }

  /** POST /v1/charges/:id/cancel: a pending charge fails as 'canceled'; a settled one is answered as it is. */
  cancelCharge(req: FastifyRequest, reply: FastifyReply) {
    const charge = this.charges.get((req.params as { id: string }).id);
    if (!charge) return reply.status(404).send(problem('no_such_charge', 'no such charge'));
    if (charge.status === 'pending') {
      charge.status = 'failed';
      charge.failure_code = 'canceled';
      this.webhooks.emit('charge.failed', charge);
    }
    return charge;
  }

  /** POST /v1/refunds: refund (part of) a succeeded charge; charge.refunded follows by webhook. */
  createRefund(req: FastifyRequest, reply: FastifyReply) {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length < 8) return reply.status(400).send(problem('idempotency_key_required', 'send an Idempotency-Key header'));
    const body = (req.body ?? {}) as { charge?: string; amount_fen?: number; metadata?: Record<string, string> };
    const hash = bodyHash(body);
    const seen = this.keys.get(key);
    if (seen) {
      if (seen.hash !== hash || seen.result.kind !== 'refund') return reply.status(409).send(problem('idempotency_key_reused', `Idempotency-Key ${key} was used with a different request`));
      return reply.status(200).send(this.refunds.get(seen.result.id));
    }
    const charge = this.charges.get(String(body.charge));
    if (!charge) return reply.status(404).send(problem('no_such_charge', 'no such charge'));
    if (charge.status !== 'succeeded') return reply.status(400).send(problem('charge_not_refundable', `charge is ${charge.status}`));
    const amount = body.amount_fen ?? charge.amount_fen;
    if (!Number.isInteger(amount) || amount <= 0 || amount > charge.amount_fen - charge.amount_refunded_fen) {
      return reply.status(400).send(problem('invalid_amount', 'amount_fen must be positive and at most what is left to refund'));
    }
    const refund: SimRefund = { id: newId('re'), charge: charge.id, amount_fen: amount, status: 'pending', metadata: { ...(body.metadata ?? {}) } };
    this.refunds.set(refund.id, refund);
    this.keys.set(key, { hash, result: { kind: 'refund', id: refund.id } });
    this.timers.later(this.timing.latencyMs, () => {
      charge.amount_refunded_fen += amount;
      if (charge.amount_refunded_fen >= charge.amount_fen) charge.status = 'refunded';
      refund.status = 'succeeded';
      this.webhooks.emit('charge.refunded', charge, { refund });
    });
    return reply.status(201).send(refund);
  }

  /** Decide a charge's outcome by its source token, after the provider's latency, and announce it. */
  private settle(charge: SimCharge): void {
    if (behaviourOf(charge.source) === 'wait') return; // until cancelled
    this.timers.later(this.timing.latencyMs, () => {
      if (charge.status !== 'pending') return;
      if (this.misreport) Object.assign(charge, this.misreport);
      this.misreport = null;
      const failure = FAILURE[behaviourOf(charge.source) ?? 'ok'];
      charge.status = failure ? 'failed' : 'succeeded';
      charge.failure_code = failure ?? null;
      this.webhooks.emit(failure ? 'charge.failed' : 'charge.succeeded', charge);
    });
  }
}

export async function startSimulatedProvider(opts: SimulatedProviderOptions): Promise<SimulatedProvider> {
  const timers = new Timers();
  const webhooks = new WebhookOutbox(opts.webhookUrl, {
    secret: opts.webhookSecret, maxAttempts: opts.webhookAttempts ?? 8, backoffMs: opts.webhookBackoffMs ?? 100, log: opts.log ?? (() => {}),
  }, timers);
  const sim = new SimPay({ latencyMs: opts.latencyMs ?? 50, slowMs: opts.slowMs ?? 3000 }, timers, webhooks);

  const app: FastifyInstance = Fastify({ logger: false });
  app.post('/v1/payment_methods', async (req, reply) => sim.createPaymentMethod(req, reply));
  app.post('/v1/charges', async (req, reply) => sim.createCharge(req, reply));
  app.get('/v1/charges/:id', async (req, reply) => sim.getCharge(req, reply));
  app.post('/v1/charges/:id/cancel', async (req, reply) => sim.cancelCharge(req, reply));
  app.post('/v1/refunds', async (req, reply) => sim.createRefund(req, reply));

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    async close() {
      timers.close();
      webhooks.close();
      await app.close();
    },
    ledger: () => [...sim.charges.values()].map((c) => ({ ...c, metadata: { ...c.metadata } })),
    deliveries: () => webhooks.deliveries.map((d) => ({ ...d })),
    setWebhookUrl(url) { webhooks.url = url; },
    holdWebhooks(hold) { webhooks.held = hold; },
    misreportNext(change) { sim.misreport = change; },
  };
}
