// Templates, not free text: what the providers would refuse is refused before it leaves.
import { describe, expect, it } from 'vitest';
import { checkSmsParams, maskPhone, renderSms, SMS_TEMPLATES, SmsSendError } from './sms.ts';

const reminder = { plate: '豫A·***09', amount: '9.00', lot: '二七广场', ref: 'K7P2Q9' };

describe('SMS templates', () => {
  it('renders the approved wording, zh and en, with every parameter in place', () => {
    expect(renderSms('overdue-reminder', reminder)).toBe('您的车辆豫A·***09在二七广场的停车费9.00元已逾期未缴，请凭账单号K7P2Q9在OneLot“按车牌缴费”页面缴纳。');
    expect(renderSms('overdue-reminder', reminder, 'en')).toContain('The parking fee of 9.00 yuan for 豫A·***09 at 二七广场 is overdue');
    for (const [name, spec] of Object.entries(SMS_TEMPLATES)) {
      for (const lang of ['zh', 'en'] as const) {
        const used = [...spec[lang].matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(used, `${name} ${lang}`).toEqual([...spec.params].sort());
      }
    }
  });

  it('refuses a missing or extra parameter, an overlong value and a link', () => {
    expect(() => checkSmsParams('overdue-reminder', reminder)).not.toThrow();
    const refused = (p: Record<string, string>) => {
      try { checkSmsParams('overdue-reminder', p); } catch (err) { return err; }
      return null;
    };
    const { ref: _ref, ...missing } = reminder;
    for (const p of [missing, { ...reminder, extra: 'x' }, { ...reminder, lot: 'x'.repeat(36) }, { ...reminder, ref: 'https://evil.example' }]) {
      const err = refused(p);
      expect(err).toBeInstanceOf(SmsSendError);
      expect(err).toMatchObject({ code: 'TEMPLATE_PARAMS', retryable: false });
    }
  });

  it('masks a phone as operators see it', () => {
    expect(maskPhone('13800138000')).toBe('138****8000');
    expect(maskPhone('123')).toBe('****');
  });
});
