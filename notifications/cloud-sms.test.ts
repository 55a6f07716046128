// The real adapters' requests, as they would leave for Aliyun and Tencent (the network is a stub
// here: no internet). The signing itself is checked against the providers' published examples in
// cloud-signing.test.ts; here, that each call is SendSms with the approved template code, the
// parameters as each provider takes them (Aliyun by name in JSON, Tencent by position), the
// idempotency key carried along, and the providers' answers mapped to core/sms.ts.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { SmsSendError, type SmsRequest } from '../core/sms.ts';
import { AliyunSms, TencentSms } from './cloud-sms.ts';

const KEYS = { SMS_ACCESS_KEY_ID: 'AKIDexample', SMS_ACCESS_KEY_SECRET: 'secret-example', SMS_SIGN_NAME: 'OneLot停车', SMS_TEMPLATE_CODES: 'overdue-reminder=SMS_1001, overdue-reminder.en=SMS_1002', SMS_SDK_APP_ID: '1400000001' };
const REMINDER: SmsRequest = { to: '13911220001', template: 'overdue-reminder', params: { plate: '豫A·***01', amount: '12.50', lot: '二七广场', ref: 'ABC123' }, idempotencyKey: 'reminder-7' };

function stub(answer: unknown) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const http = (async (url: string, init: RequestInit) => { calls.push({ url, init }); return new Response(JSON.stringify(answer), { status: 200 }); }) as typeof fetch;
  return { calls, http };
}

describe('Aliyun SMS adapter', () => {
  it('sends SendSms with the template code, named parameters and OutId, signed ACS3', async () => {
    const { calls, http } = stub({ Code: 'OK', BizId: '900619746936498440^0', RequestId: 'r' });
    const sms = new AliyunSms(loadConfig({ SMS_PROVIDER: 'aliyun', ...KEYS }), http);
    expect(await sms.send(REMINDER)).toEqual({ messageId: '900619746936498440^0' });
    const url = new URL(calls[0].url);
    expect(url.host).toBe('dysmsapi.aliyuncs.com');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      OutId: 'reminder-7', PhoneNumbers: '13911220001', SignName: 'OneLot停车', TemplateCode: 'SMS_1001', TemplateParam: JSON.stringify(REMINDER.params),
    });
    const h = calls[0].init.headers as Record<string, string>;
    expect(h).toMatchObject({ 'x-acs-action': 'SendSms', 'x-acs-version': '2017-05-25', host: 'dysmsapi.aliyuncs.com' });
    expect(h.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=AKIDexample,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/);
    await sms.send({ ...REMINDER, lang: 'en' });
    expect(new URL(calls[1].url).searchParams.get('TemplateCode')).toBe('SMS_1002');
  });

  it('maps refusals: throttling is retryable, a bad number is not', async () => {
    const throttled = new AliyunSms(loadConfig({ SMS_PROVIDER: 'aliyun', ...KEYS }), stub({ Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发天级流控' }).http);
    await expect(throttled.send(REMINDER)).rejects.toMatchObject({ code: 'isv.BUSINESS_LIMIT_CONTROL', retryable: true });
    const bad = new AliyunSms(loadConfig({ SMS_PROVIDER: 'aliyun', ...KEYS }), stub({ Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' }).http);
    await expect(bad.send(REMINDER)).rejects.toMatchObject({ code: 'isv.MOBILE_NUMBER_ILLEGAL', retryable: false });
    // No free text: a parameter the template does not take never leaves.
    await expect(bad.send({ ...REMINDER, params: { ...REMINDER.params, note: 'pay now http://x' } })).rejects.toBeInstanceOf(SmsSendError);
  });

  it('polls QuerySendDetails for delivery', async () => {
    const { http } = stub({ Code: 'OK', SmsSendDetailDTOs: { SmsSendDetailDTO: [{ SendStatus: 2, ErrCode: 'DELIVERED_FAILED' }] } });
    const sms = new AliyunSms(loadConfig({ SMS_PROVIDER: 'aliyun', ...KEYS }), http);
    expect(await sms.status({ messageId: 'b1', to: '13911220001', sentAt: new Date() })).toMatchObject({ status: 'failed', errorCode: 'DELIVERED_FAILED' });
  });
});

describe('Tencent Cloud SMS adapter', () => {
  it('sends SendSms with +86, the template id, positional parameters and SessionContext, signed TC3', async () => {
    const { calls, http } = stub({ Response: { SendStatusSet: [{ SerialNo: '5000:1045710669157053657849499619', Code: 'Ok', Message: 'send success' }], RequestId: 'r' } });
    const sms = new TencentSms(loadConfig({ SMS_PROVIDER: 'tencent', ...KEYS }), http);
    expect(await sms.send(REMINDER)).toEqual({ messageId: '5000:1045710669157053657849499619' });
    expect(calls[0].url).toBe('https://sms.tencentcloudapi.com/');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({
      PhoneNumberSet: ['+8613911220001'], SmsSdkAppId: '1400000001', SignName: 'OneLot停车', TemplateId: 'SMS_1001',
      TemplateParamSet: ['豫A·***01', '12.50', '二七广场', 'ABC123'], SessionContext: 'reminder-7',
    });
    const h = calls[0].init.headers as Record<string, string>;
    expect(h).toMatchObject({ 'x-tc-action': 'SendSms', 'x-tc-version': '2021-01-11', 'x-tc-region': 'ap-guangzhou' });
    expect(h.authorization).toMatch(/^TC3-HMAC-SHA256 Credential=AKIDexample\/\d{4}-\d{2}-\d{2}\/sms\/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$/);
  });

  it('maps an API error and a per-number failure', async () => {
    const limited = new TencentSms(loadConfig({ SMS_PROVIDER: 'tencent', ...KEYS }), stub({ Response: { Error: { Code: 'LimitExceeded.PhoneNumberDailyLimit', Message: 'daily limit' } } }).http);
    await expect(limited.send(REMINDER)).rejects.toMatchObject({ code: 'LimitExceeded.PhoneNumberDailyLimit', retryable: true });
    const invalid = new TencentSms(loadConfig({ SMS_PROVIDER: 'tencent', ...KEYS }), stub({ Response: { SendStatusSet: [{ Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: 'bad number' }] } }).http);
    await expect(invalid.send(REMINDER)).rejects.toMatchObject({ code: 'InvalidParameterValue.IncorrectPhoneNumber', retryable: false });
  });
});
