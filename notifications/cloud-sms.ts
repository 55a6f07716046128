// The real providers behind core/sms.ts: Aliyun SMS (dysmsapi 2017-05-25, SendSms and
// QuerySendDetails) and Tencent Cloud SMS (sms 2021-01-11, SendSms and
// PullSmsSendStatusByPhoneNumber), signed by cloud-signing.ts. Chosen by SMS_PROVIDER. Neither
// offers an idempotency key on SendSms: OneLot keeps that promise itself (a reminder is claimed
// before it is sent and sent under one key, payments/reminder-dispatch.ts), and passes the key as
// Aliyun's OutId / Tencent's SessionContext so a receipt names the reminder it belongs to.
// Receipts are polled (`status`); a relay of the providers' push reports may post them, signed, to
// the receipts route. The network is injected (`fetch`) so tests see the exact request.
import { randomUUID } from 'node:crypto';
import type { Config } from '../core/config.ts';
import { checkSmsParams, SMS_TEMPLATES, SmsSendError, type DeliveryReceipt, type ReceiptHandler, type SmsRequest, type SmsSender, type SmsTemplate } from '../core/sms.ts';
import { signAliyun, signTencent } from './cloud-signing.ts';

type Fetch = typeof fetch;

/** SMS_TEMPLATE_CODES `template=code,template.en=code` as a lookup; a missing code refuses the send. */
export function templateCodes(spec: string): (t: SmsTemplate, lang: 'zh' | 'en') => string {
  const codes = new Map(spec.split(',').map((e) => e.trim()).filter(Boolean).map((e) => e.split('=').map((x) => x.trim()) as [string, string]));
  return (t, lang) => {
    const code = (lang === 'en' ? codes.get(`${t}.en`) : undefined) ?? codes.get(t);
    if (!code) throw new SmsSendError('TEMPLATE_NOT_CONFIGURED', false, `SMS_TEMPLATE_CODES has no code for ${t}`);
    return code;
  };
}

/** Throttling and the provider's own trouble are worth another try; a bad number or template is not. */
const RETRYABLE = /LIMIT|Throttl|InternalError|ServiceUnavailable|RequestLimitExceeded|isp\.SYSTEM_ERROR/i;

abstract class CloudSms implements SmsSender {
  abstract readonly provider: 'aliyun' | 'tencent';
  private readonly handlers = new Set<ReceiptHandler>();
  protected readonly code: ReturnType<typeof templateCodes>;
  constructor(protected readonly config: Config, protected readonly http: Fetch = fetch) {
    this.code = templateCodes(config.SMS_TEMPLATE_CODES ?? '');
  }
  abstract send(req: SmsRequest): Promise<{ messageId: string }>;
  abstract status(ref: { messageId: string; to: string; sentAt: Date }): Promise<DeliveryReceipt | null>;
  onReceipt(handler: ReceiptHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  /** A receipt a relay posted to the callback route (verified there). */
  async receive(r: DeliveryReceipt): Promise<void> {
    for (const h of this.handlers) await h(r);
  }
  protected async call(url: string, init: RequestInit): Promise<any> {
    let res: Response;
    try {
      res = await this.http(url, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new SmsSendError('NETWORK', true, `${this.provider} SMS unreachable: ${(err as Error).message}`);
    }
    const body = await res.json().catch(() => ({}));
    if (res.status >= 500) throw new SmsSendError(`HTTP_${res.status}`, true, `${this.provider} SMS answered ${res.status}`);
    return body;
  }
}

export class AliyunSms extends CloudSms {
  readonly provider = 'aliyun' as const;
  private readonly host = 'dysmsapi.aliyuncs.com';

  private request(action: string, params: Record<string, string>) {
    const s = signAliyun({
      method: 'POST', host: this.host, action, version: '2017-05-25', params,
      accessKeyId: this.config.SMS_ACCESS_KEY_ID!, accessKeySecret: this.config.SMS_ACCESS_KEY_SECRET!,
      date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), nonce: randomUUID().replace(/-/g, ''),
    });
    return this.call(`https://${this.host}/?${s.query}`, { method: 'POST', headers: s.headers });
  }

  async send(req: SmsRequest): Promise<{ messageId: string }> {
    checkSmsParams(req.template, req.params);
    const r = await this.request('SendSms', {
      PhoneNumbers: req.to, SignName: this.config.SMS_SIGN_NAME!, TemplateCode: this.code(req.template, req.lang ?? 'zh'),
      TemplateParam: JSON.stringify(req.params), OutId: req.idempotencyKey,
    });
    if (r.Code !== 'OK') throw new SmsSendError(String(r.Code ?? 'UNKNOWN'), RETRYABLE.test(String(r.Code)), String(r.Message ?? r.Code));
    return { messageId: String(r.BizId) };
  }

  async status(ref: { messageId: string; to: string; sentAt: Date }): Promise<DeliveryReceipt | null> {
    // SendDate is the day in China of the send (yyyyMMdd).
    const day = new Date(ref.sentAt.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
    const r = await this.request('QuerySendDetails', { PhoneNumber: ref.to, BizId: ref.messageId, SendDate: day, PageSize: '10', CurrentPage: '1' });
    const d = r.SmsSendDetailDTOs?.SmsSendDetailDTO?.[0];
    // SendStatus 1: waiting for the carrier, 2: failed, 3: delivered.
    if (!d || d.SendStatus === 1) return null;
    return { messageId: ref.messageId, status: d.SendStatus === 3 ? 'delivered' : 'failed', errorCode: d.SendStatus === 3 ? null : String(d.ErrCode ?? 'FAILED'), at: new Date() };
  }
}

export class TencentSms extends CloudSms {
  readonly provider = 'tencent' as const;
  private readonly host = 'sms.tencentcloudapi.com';

  private request(action: string, payload: object) {
    const body = JSON.stringify(payload);
    const s = signTencent({
      host: this.host, service: 'sms', action, version: '2021-01-11', region: this.config.SMS_REGION, body,
      secretId: this.config.SMS_ACCESS_KEY_ID!, secretKey: this.config.SMS_ACCESS_KEY_SECRET!, timestamp: Math.floor(Date.now() / 1000),
    });
    return this.call(`https://${this.host}/`, { method: 'POST', headers: s.headers, body });
  }

  async send(req: SmsRequest): Promise<{ messageId: string }> {
    checkSmsParams(req.template, req.params);
    const r = await this.request('SendSms', {
      PhoneNumberSet: [`+86${req.to}`], SmsSdkAppId: this.config.SMS_SDK_APP_ID!, SignName: this.config.SMS_SIGN_NAME!,
      TemplateId: this.code(req.template, req.lang ?? 'zh'),
      // Tencent takes the parameters by position, in the order the template was approved with.
      TemplateParamSet: SMS_TEMPLATES[req.template].params.map((k) => req.params[k]),
      SessionContext: req.idempotencyKey,
    });
    const err = r.Response?.Error;
    if (err) throw new SmsSendError(String(err.Code), RETRYABLE.test(String(err.Code)), String(err.Message ?? err.Code));
    const one = r.Response?.SendStatusSet?.[0];
    if (!one || one.Code !== 'Ok') throw new SmsSendError(String(one?.Code ?? 'UNKNOWN'), RETRYABLE.test(String(one?.Code)), String(one?.Message ?? 'no send status'));
    return { messageId: String(one.SerialNo) };
  }

  async status(ref: { messageId: string; to: string; sentAt: Date }): Promise<DeliveryReceipt | null> {
    const begin = Math.floor(ref.sentAt.getTime() / 1000) - 60;
    const r = await this.request('PullSmsSendStatusByPhoneNumber', {
      BeginTime: begin, EndTime: begin + 7 * 86_400, Offset: 0, Limit: 100, PhoneNumber: `+86${ref.to}`, SmsSdkAppId: this.config.SMS_SDK_APP_ID!,
    });
    const s = (r.Response?.PullSmsSendStatusSet ?? []).find((x: { SerialNo?: string }) => x.SerialNo === ref.messageId);
    if (!s) return null;
    const ok = s.ReportStatus === 'SUCCESS';
    return { messageId: ref.messageId, status: ok ? 'delivered' : 'failed', errorCode: ok ? null : String(s.Description ?? 'FAIL'), at: new Date() };
  }
}
