// The contract for sending SMS (as Aliyun SMS and Tencent Cloud SMS offer it): a message is a
// template and its parameters, sent to a phone; the provider answers with a message id at once and
// learns later whether it was delivered (poll `status`). notifications/ owns the implementations
// (a simulated provider in the demo); payments' sign-up codes and overdue reminders use it through
// ModuleContext.sms, never a provider directly.

/** The texts OneLot sends; the provider holds the approved wording of each (zh and en). */
export type SmsTemplate =
  | 'register-code'   // {code}: your OneLot sign-up code
  | 'account-exists'  // someone asked to sign up with this phone, which has an account: sign in or reset
  | 'reset-code';     // {code}: your OneLot password reset code

export type DeliveryStatus = 'queued' | 'delivered' | 'failed';

export interface SmsReceipt { messageId: string; status: DeliveryStatus }

export interface SmsSender {
  send(to: string, template: SmsTemplate, params: Record<string, string>): Promise<SmsReceipt>;
  /** Delivery as the provider last reported it. */
  status(messageId: string): Promise<DeliveryStatus>;
}
