// A simulated SMS provider, in-process, for the demo and the tests (as payments/provider-sim is for
// payments): it "delivers" every message a moment after it is sent and keeps the last ones so a
// developer can read them — GET /api/v1/dev/sms (notifications/http/dev.ts) or the server's log.
// It must never face the internet: anyone could read sign-up codes (that route is not registered
// on a production server, core/config.ts isProductionServer).
import { randomUUID } from 'node:crypto';
import type { DeliveryStatus, SmsReceipt, SmsSender, SmsTemplate } from '../core/sms.ts';

export interface SentSms { messageId: string; to: string; template: SmsTemplate; params: Record<string, string>; sentAt: string; status: DeliveryStatus }

/** How many messages it remembers (oldest forgotten first): bounded memory under a flood. */
const KEEP = 1000;

export class SimulatedSms implements SmsSender {
  private readonly sent: SentSms[] = [];
  constructor(private readonly log: (m: string) => void = () => {}) {}

  async send(to: string, template: SmsTemplate, params: Record<string, string>): Promise<SmsReceipt> {
    const m: SentSms = { messageId: randomUUID(), to, template, params, sentAt: new Date().toISOString(), status: 'delivered' };
    this.sent.push(m);
    if (this.sent.length > KEEP) this.sent.shift();
    this.log(`sms (simulated) to ${to}: ${template} ${JSON.stringify(params)}`);
    return { messageId: m.messageId, status: 'queued' };
  }

  async status(messageId: string): Promise<DeliveryStatus> {
    return this.sent.find((m) => m.messageId === messageId)?.status ?? 'failed';
  }

  /** The messages sent to a phone, newest first. */
  inbox(to: string): SentSms[] {
    return this.sent.filter((m) => m.to === to).reverse();
  }
}
