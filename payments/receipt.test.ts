import { describe, it, expect } from 'vitest';
import { formatYuan, receiptNumber, renderReceiptHtml } from './receipt.ts';
import type { FeeLine } from '../billing/tariff.ts';

describe('receipts', () => {
  it('formats fen as yuan without floats', () => {
    expect(formatYuan(0)).toBe('¥0.00');
    expect(formatYuan(5)).toBe('¥0.05');
    expect(formatYuan(1250)).toBe('¥12.50');
    expect(formatYuan(-300)).toBe('−¥3.00');
  });

  it('numbers receipts by local date and charge id', () => {
    // 2026-03-01 17:00 UTC is already 2 March in Shanghai.
    expect(receiptNumber(42, new Date('2026-03-01T17:00:00Z'))).toBe('OL-20260302-000042');
    expect(receiptNumber(1234567, new Date('2026-03-01T10:00:00Z'))).toBe('OL-20260301-1234567');
    // The lot's local date, not UTC's: one minute either side of midnight in Shanghai and in New York (DST).
    expect(receiptNumber(7, new Date('2026-03-01T15:59:00Z'))).toBe('OL-20260301-000007');
    expect(receiptNumber(7, new Date('2026-03-01T16:00:00Z'))).toBe('OL-20260302-000007');
    expect(receiptNumber(7, new Date('2026-07-01T03:59:00Z'), 'America/New_York')).toBe('OL-20260630-000007');
    expect(receiptNumber(7, new Date('2026-07-01T04:00:00Z'), 'America/New_York')).toBe('OL-20260701-000007');
  });

  it('renders both languages, the lines, the total, a masked plate and escapes text', () => {
    const line: FeeLine = {
      kind: 'band', name: 'Day <b>', nameZh: '白天', part: 'first-unit', from: '2026-03-02T01:00:00Z', to: '2026-03-02T02:00:00Z',
      minutes: 60, units: 1, unitMinutes: 60, unitFen: 300, amountFen: 300, description: 'x',
    };
    const html = renderReceiptHtml({
      number: 'OL-20260302-000042', issuedAt: new Date('2026-03-02T03:00:00Z'), invoiceId: 9, lotName: '金水路', lotNameEn: 'Jinshui Rd',
      plate: '豫A12345', entryTime: new Date('2026-03-02T01:00:00Z'), exitTime: new Date('2026-03-02T02:00:00Z'), amountFen: 300,
      lines: [line], method: 'contactless', status: 'succeeded', timeZone: 'Asia/Shanghai',
    });
    expect(html).toContain('停车收据 / Parking receipt');
    expect(html).toContain('OL-20260302-000042');
    expect(html).toContain('豫A·***45');
    expect(html).not.toContain('豫A12345');
    expect(html).toContain('Day &lt;b&gt;');
    expect(html).toContain('2026-03-02 09:00');
    expect(html).toMatch(/合计 \/ Total<\/th><th class="n">¥3.00/);
  });
});
