import { describe, expect, it } from 'vitest';
import { englishDetail, type ExceptionDetail } from '../../billing/exception-details.ts';
import { alertFigureText, apiErrorText, exceptionDetailText, paymentFailureText, refusalText, rejectText, timeZoneText } from './server-texts.ts';

/** One detail of every code the server writes (billing/exception-details.ts), as it stores them. */
const DETAILS: ExceptionDetail[] = [
  { code: 'low-confidence', params: { plate: '豫E88888', entryConfidence: 0.97, exitConfidence: 0.62, minConfidence: 0.8 } },
  { code: 'unreadable-gate', params: { direction: 'in', read: '豫' } },
  { code: 'unreadable-bay', params: { bay: 'ZZ-JS-0001-01', read: null } },
  { code: 'exit-invalid-plate', params: { plate: '豫A012345' } },
  { code: 'double-entry-open-session', params: { plate: '豫D77777', enteredAt: '2026-03-02T03:00:00.000Z', sessionId: 42, openSince: '2026-03-02T02:00:00.000Z' } },
  { code: 'exit-ambiguous', params: { plate: '豫A012345', candidates: ['豫AD12345', '皖AD12345'] } },
  { code: 'exit-before-entry', params: { plate: '豫A12345', exitAt: '2026-03-02T01:00:00.000Z', entryAt: '2026-03-02T01:40:00.000Z' } },
  { code: 'exit-no-session', params: { plate: '豫A99999', exitAt: '2026-03-02T04:30:00.000Z' } },
  { code: 'bay-handover', params: { plate: '豫B22222', bay: 'ZZ-JS-0001-02' } },
  { code: 'no-tariff', params: { entryAt: '2026-03-02T01:00:00.000Z', scheduled: true } },
  { code: 'no-tariff', params: { entryAt: '2026-03-02T01:00:00.000Z', scheduled: false } },
  { code: 'tariff-error', params: { message: 'band Day ends at 20:00 but the next band, Night, starts at 21:00' } },
  { code: 'overstay', params: { openSince: '2026-03-01T16:00:00Z', maxStayHours: 72 } },
  {
    code: 'uncertain-plate', params: {
      plate: '豫A12345', rule: 'reads-disagree', candidates: ['豫A12345', '豫A1234S'], confusableInLot: [],
      reads: [{ role: 'entry', read: '豫A1234S', confidence: 0.86, at: '2026-03-02T01:00:00.000Z' }, { role: 'exit', read: '豫A12345', confidence: 0.93, at: '2026-03-02T03:00:00.000Z' }],
    },
  },
  { code: 'payment-mismatch', params: { held: true, reportedStatus: 'succeeded', reportedAmount: '1 fen "CNY"', chargeId: 7, invoiceId: 9, amountFen: 900 } },
];

/** Latin words of four letters or more, ids and plates (tokens with a digit) left out. */
const englishWords = (s: string) => (s.match(/[A-Za-z0-9_.-]+/g) ?? []).filter((t) => !/\d/.test(t)).flatMap((t) => t.match(/[A-Za-z]{4,}/g) ?? []);

describe('exception details from their codes', () => {
  it('say every code in Chinese without an English word, times in the lot\'s zone', () => {
    for (const d of DETAILS) {
      const zh = exceptionDetailText({ detailCoded: d, timeZone: 'Asia/Shanghai' }, 'zh')!;
      expect(englishWords(zh), `${d.code}: ${zh}`).toEqual([]);
    }
    const double = exceptionDetailText({ detailCoded: DETAILS[4], timeZone: 'Asia/Shanghai' }, 'zh');
    expect(double).toBe('车牌 豫D77777 于 2026-03-02 11:00 再次入场，而停车记录 #42（2026-03-02 10:00 入场）尚未结束：可能漏拍出场、套牌或误识别');
    // Another zone moves the times with it.
    expect(exceptionDetailText({ detailCoded: DETAILS[7], timeZone: 'Asia/Urumqi' }, 'zh')).toContain('2026-03-02 10:30');
  });

  it('say every code in English with the parameters the server wrote', () => {
    for (const d of DETAILS) {
      const en = exceptionDetailText({ detailCoded: d, timeZone: 'Asia/Shanghai' }, 'en')!;
      expect(en.length, d.code).toBeGreaterThan(20);
      // Every text parameter appears as written; times are reformatted, the direction and a plate rule are worded.
      for (const [k, v] of Object.entries(d.params)) {
        for (const x of [v].flat()) if (typeof x === 'string' && k !== 'direction' && k !== 'rule' && !/^\d{4}-\d\d-\d\dT/.test(x)) expect(en, d.code).toContain(x);
      }
    }
    expect(exceptionDetailText({ detailCoded: DETAILS[4], timeZone: 'Asia/Shanghai' }, 'en')).toContain('entered at 2026-03-02 11:00 while session #42');
    // The server's stored sentence says the same, in UTC (for the log).
    expect(englishDetail(DETAILS[4])).toBe('plate 豫D77777 entered at 2026-03-02T03:00:00.000Z while session #42 (entered 2026-03-02T02:00:00.000Z) is still open: a missed exit, a cloned plate or a misread');
  });

  it('leave an exception written before codes to its stored sentence', () => {
    expect(exceptionDetailText({ detailCoded: null, timeZone: 'Asia/Shanghai' }, 'zh')).toBeNull();
  });
});

describe('API errors in the page\'s language', () => {
  it('word a known code in Chinese; the API\'s specifics follow where its message carries them', () => {
    expect(apiErrorText('ONELOT_ERR_RATE_LIMITED', 'Too many requests; wait…', 'zh')).toBe('请求过于频繁，请稍候一分钟再试。');
    expect(apiErrorText('ONELOT_ERR_CONFLICT', 'Exception 5 was already resolved.', 'zh')).toMatch(/^当前状态不允许此操作.*：Exception 5 was already resolved\.$/);
    expect(apiErrorText('ONELOT_ERR_HTTP_502', 'Bad Gateway', 'zh')).toBe('服务器返回错误（HTTP 502），请稍后重试。');
  });

  it('keep the English message in English, and for a code the page does not know', () => {
    expect(apiErrorText('ONELOT_ERR_CONFLICT', 'Exception 5 was already resolved.', 'en')).toBe('Exception 5 was already resolved.');
    expect(apiErrorText('ONELOT_ERR_SOMETHING_NEW', 'A new refusal.', 'zh')).toBe('A new refusal.');
  });
});

describe('other codes the server sends', () => {
  it('refused device messages, payment failures, alert figures and zones in Chinese; an unknown code as sent', () => {
    expect(rejectText('invalid_json', 'zh')).toBe('不是有效的 JSON');
    expect(rejectText('made_up', 'zh')).toBeNull();
    expect(paymentFailureText('card_declined', 'zh')).toBe('银行卡被拒');
    expect(paymentFailureText('made_up', 'zh')).toBe('made_up');
    expect(alertFigureText('lastSeen', '2026-03-02T01:00:00.000Z', 'zh')).toBe('最后在线：2026-03-02 09:00');
    expect(alertFigureText('occupied', true, 'en')).toBe('Occupied: yes');
    expect(timeZoneText('Asia/Shanghai', 'zh')).toBe('北京时间');
    expect(timeZoneText('Asia/Shanghai', 'en')).toBe('Asia/Shanghai');
    expect(refusalText({ why: 'bay-here', reason: 'this lot has the bay already' }, 'zh')).toBe('本停车场已有此车位');
    expect(refusalText({ why: 'bay-here', reason: 'this lot has the bay already' }, 'en')).toBe('this lot has the bay already');
    expect(refusalText({ why: 'ONELOT_ERR_CONFLICT', reason: 'Device x exists already.' }, 'zh')).toMatch(/^当前状态不允许此操作.*：Device x exists already\.$/);
  });
});
