// A simulated SMS provider, in-process, for the demo and the tests (as payments/provider-sim is for
// payments). It behaves as Aliyun and Tencent do where it matters to OneLot: it takes only approved
// templates with their exact parameters, answers a message id at once, treats a repeated
// idempotency key as the same message (no second SMS), refuses some numbers at send and fails
// others at delivery, and reports delivery a moment later by a signed callback (OneLot-Signature,
// core/webhook-signature.ts) to /api/v1/notifications/sms/receipts — the same path a relay of a
// real provider's receipts takes. It keeps the last messages so a developer can read them:
// GET /api/v1/dev/sms (notifications/http/dev.ts). It must never face the internet: anyone could
// read sign-up codes (that route is not registered on a production server, and production refuses
// SMS_PROVIDER=sim: core/config.ts).
import { randomUUID } from 'node:crypto';
import { checkSmsParams, renderSms, SmsSendError, type DeliveryReceipt, type DeliveryStatus, type ReceiptHandler, type SmsRequest, type SmsSender, type SmsTemplate } from '../core/sms.ts';
import { signWebhook, SIGNATURE_HEADER } from '../core/webhook-signature.ts';

export interface SentSms {
  messageId: string; to: string; template: SmsTemplate; params: Record<string, string>; text: string;
  sentAt: string; status: DeliveryStatus; errorCode: string | null;
}

export interface SimSmsOptions {
  /** How long after a send the delivery receipt comes (ms). */
  receiptDelayMs?: number;
  /** The carrier's error for a number it cannot deliver to, or null. Default: numbers starting 1990000 (an unassigned range). */
  undeliverable?: (to: string) => string | null;
  /** A send refused as a provider throttles (retryable). Default: numbers starting 1980000. */
  throttled?: (to: string) => boolean;
  log?: (m: string) => void;
}

/** How many messages it remembers (oldest forgotten first): bounded memory under a flood. */
const KEEP = 1000;

export class SimulatedSms implements SmsSender {
  readonly provider = 'sim' as const;
  private readonly sent: SentSms[] = [];
  private readonly byKey = new Map<string, SentSms>();
  private readonly handlers = new Set<ReceiptHandler>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private callback: { url: string; secret: string } | null = null;
  private readonly opts: Required<Omit<SimSmsOptions, 'log'>>;
  private log: (m: string) => void;

  constructor(opts: SimSmsOptions = {}) {
    this.opts = {
      receiptDelayMs: opts.receiptDelayMs ?? 1000,
      undeliverable: opts.undeliverable ?? ((to) => (to.startsWith('1990000') ? 'UNDELIV' : null)),
      throttled: opts.throttled ?? ((to) => to.startsWith('1980000')),
    };
    this.log = opts.log ?? (() => {});
  }

  setLog(log: (m: string) => void): void {
    this.log = log;
  }

  /** Where receipts are POSTed, signed with `secret`; unset, handlers are called in-process. */
  setCallback(url: string, secret: string): void {
    this.callback = { url, secret };
  }

  async send(req: SmsRequest): Promise<{ messageId: string }> {
    checkSmsParams(req.template, req.params);
    if (!/^1[3-9][0-9]{9}$/.test(req.to)) throw new SmsSendError('MOBILE_NUMBER_ILLEGAL', false, `${req.to} is not a mainland mobile number`);
    const again = this.byKey.get(req.idempotencyKey);
    if (again) return { messageId: again.messageId };
    if (this.opts.throttled(req.to)) throw new SmsSendError('BUSINESS_LIMIT_CONTROL', true, 'the provider throttles this number; try again later');
    const m: SentSms = {
      messageId: `sim-${randomUUID()}`, to: req.to, template: req.template, params: req.params, text: renderSms(req.template, req.params, req.lang),
      sentAt: new Date().toISOString(), status: 'accepted', errorCode: null,
    };
    this.sent.push(m);
    this.byKey.set(req.idempotencyKey, m);
    if (this.sent.length > KEEP) {
      const old = this.sent.shift();
      for (const [k, v] of this.byKey) if (v === old) this.byKey.delete(k);
    }
    this.log(`sms (simulated) ${req.template} to ${req.to}: ${m.text}`);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const errorCode = this.opts.undeliverable(m.to);
      m.status = errorCode ? 'failed' : 'delivered';
      m.errorCode = errorCode;
      void this.report({ messageId: m.messageId, status: m.status, errorCode, at: new Date() });
    }, this.opts.receiptDelayMs);
    this.timers.add(timer);
    return { messageId: m.messageId };
  }

  async status(ref: { messageId: string }): Promise<DeliveryReceipt | null> {
    const m = this.sent.find((s) => s.messageId === ref.messageId);
    return m ? { messageId: m.messageId, status: m.status, errorCode: m.errorCode, at: new Date() } : null;
  }

  onReceipt(handler: ReceiptHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** A receipt from the callback route (already verified): to every subscriber. */
  async receive(r: DeliveryReceipt): Promise<void> {
    for (const h of this.handlers) await h(r);
  }

  /** The messages sent to a phone, newest first. */
  inbox(to: string): SentSms[] {
    return this.sent.filter((m) => m.to === to).reverse();
  }

  /** Stop the receipts still waiting (shutdown). */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async report(r: DeliveryReceipt): Promise<void> {
    if (!this.callback) return this.receive(r).catch((err) => this.log(`sms (simulated) receipt handler failed: ${err}`));
    const body = JSON.stringify({ messageId: r.messageId, status: r.status, errorCode: r.errorCode, at: r.at.toISOString() });
    // As a provider does: a few tries, then the receipt is left to polling (`status`).
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await fetch(this.callback.url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(this.callback.secret, body) }, body });
        if (res.ok) return;
      } catch { /* the platform is restarting or gone: try again */ }
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
    this.log(`sms (simulated) receipt for ${r.messageId} not accepted by ${this.callback.url}`);
  }
}
