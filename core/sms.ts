// The contract for sending SMS, as Aliyun SMS and Tencent Cloud SMS offer it: a message is an
// approved template and its parameters (no free text: Chinese carriers only deliver wording the
// provider approved beforehand), sent to a phone with an idempotency key; the provider answers with
// a message id at once and learns later whether the handset got it — a delivery receipt, pushed to
// a signed callback (notifications/http/receipts.ts) or polled (`status`). notifications/ owns the
// implementations (simulated in the demo, Aliyun and Tencent adapters) and is chosen by
// SMS_PROVIDER; payments' sign-up codes and overdue reminders use it through ModuleContext.sms.

/** The texts OneLot sends; the provider holds the approved wording of each (zh and en). */
export type SmsTemplate =
  | 'register-code'    // {code}: your OneLot sign-up code
  | 'account-exists'   // someone asked to sign up with this phone, which has an account: sign in or reset
  | 'reset-code'       // {code}: your OneLot password reset code
  | 'overdue-reminder'; // {plate} (masked) owes {amount} yuan at {lot}; pay with reference {ref}

export type SmsLang = 'zh' | 'en';

interface TemplateSpec {
  /** Parameter names, in the order Tencent's TemplateParamSet takes them (Aliyun takes them by name). */
  params: readonly string[];
  /** The wording submitted for approval; `${name}` is a parameter. */
  zh: string;
  en: string;
}

export const SMS_TEMPLATES: Readonly<Record<SmsTemplate, TemplateSpec>> = {
  'register-code': {
    params: ['code', 'minutes'],
    zh: '您的OneLot注册验证码为${code}，${minutes}分钟内有效，请勿告诉他人。',
    en: 'Your OneLot sign-up code is ${code}, valid for ${minutes} minutes. Do not share it.',
  },
  'account-exists': {
    params: [],
    zh: '有人用本号码申请注册OneLot，但本号码已有账户：请直接登录，或找回密码。',
    en: 'Someone asked to sign up to OneLot with this number, which already has an account: sign in, or reset your password.',
  },
  'reset-code': {
    params: ['code', 'minutes'],
    zh: '您的OneLot找回密码验证码为${code}，${minutes}分钟内有效，请勿告诉他人。',
    en: 'Your OneLot password reset code is ${code}, valid for ${minutes} minutes. Do not share it.',
  },
  'overdue-reminder': {
    params: ['plate', 'amount', 'lot', 'ref'],
    zh: '您的车辆${plate}在${lot}的停车费${amount}元已逾期未缴，请凭账单号${ref}在OneLot“按车牌缴费”页面缴纳。',
    en: 'The parking fee of ${amount} yuan for ${plate} at ${lot} is overdue. Pay it on OneLot\'s "pay by plate" page, bill reference ${ref}.',
  },
};

export interface SmsRequest {
  to: string;
  template: SmsTemplate;
  params: Record<string, string>;
  lang?: SmsLang;
  /** The same key is one message, however often it is sent (a retry after a timeout, a restart). */
  idempotencyKey: string;
}

/** What the provider last said of a message: accepted (on its way), delivered to the handset, or failed. */
export type DeliveryStatus = 'accepted' | 'delivered' | 'failed';

export interface DeliveryReceipt {
  messageId: string;
  status: DeliveryStatus;
  /** The provider's (or carrier's) code when failed, e.g. isv.MOBILE_NUMBER_ILLEGAL, UNDELIV. */
  errorCode: string | null;
  at: Date;
}

/** A send the provider refused; `retryable` when trying again later may succeed (throttling, a timeout). */
export class SmsSendError extends Error {
  constructor(readonly code: string, readonly retryable: boolean, message: string = code) {
    super(message);
  }
}

export type ReceiptHandler = (r: DeliveryReceipt) => Promise<void>;

export interface SmsSender {
  readonly provider: 'sim' | 'aliyun' | 'tencent';
  /** Resolves with the provider's message id once it accepted the message; throws SmsSendError when refused. */
  send(req: SmsRequest): Promise<{ messageId: string }>;
  /** Ask the provider what became of a message (the polled path); null when it does not know yet. */
  status(ref: { messageId: string; to: string; sentAt: Date }): Promise<DeliveryReceipt | null>;
  /** Receipts as they arrive by the provider's callback; returns the unsubscribe. */
  onReceipt(handler: ReceiptHandler): () => void;
}

/**
 * Refuse what the provider would: an unknown template, a missing or extra parameter, or a value that
 * carries a link or is longer than the 35 characters Aliyun allows a variable.
 */
export function checkSmsParams(template: SmsTemplate, params: Record<string, string>): void {
  const spec = SMS_TEMPLATES[template];
  if (!spec) throw new SmsSendError('TEMPLATE_UNKNOWN', false, `no approved SMS template ${template}`);
  const given = Object.keys(params).sort();
  const wanted = [...spec.params].sort();
  if (given.join(',') !== wanted.join(',')) {
    throw new SmsSendError('TEMPLATE_PARAMS', false, `template ${template} takes {${wanted.join(', ')}}, got {${given.join(', ')}}`);
  }
  for (const [k, v] of Object.entries(params)) {
    if (v.length > 35 || /https?:|www\./i.test(v)) throw new SmsSendError('TEMPLATE_PARAMS', false, `parameter ${k} of ${template} is too long or carries a link`);
  }
}

/** The text a handset shows: the approved wording with the parameters in place. */
export function renderSms(template: SmsTemplate, params: Record<string, string>, lang: SmsLang = 'zh'): string {
  return SMS_TEMPLATES[template][lang].replace(/\$\{(\w+)\}/g, (_m, k: string) => params[k] ?? '');
}

/** 138****8000: how a phone is shown anywhere but the message itself. */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}
