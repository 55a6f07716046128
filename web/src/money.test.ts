import { describe, expect, it } from 'vitest';
import { formatFen, parseYuan, sumFen } from './money.ts';

describe('formatFen', () => {
  it('formats integer fen as yuan with two decimals', () => {
    expect(formatFen(0)).toBe('¥0.00');
    expect(formatFen(5)).toBe('¥0.05');
    expect(formatFen(10)).toBe('¥0.10');
    expect(formatFen(1250)).toBe('¥12.50');
    expect(formatFen(900)).toBe('¥9.00');
    expect(formatFen(123456789)).toBe('¥1,234,567.89');
  });

  it('puts the sign before the currency', () => {
    expect(formatFen(-5)).toBe('−¥0.05');
    expect(formatFen(-1250)).toBe('−¥12.50');
  });

  it('never shows float noise', () => {
    // 0.1 + 0.2 yuan in fen: integers all the way.
    expect(formatFen(sumFen([10, 20]))).toBe('¥0.30');
    expect(formatFen(sumFen([1999, 1, 33, 67]))).toBe('¥21.00');
  });

  it('refuses non-integers rather than rounding money', () => {
    expect(formatFen(12.5)).toBe('¥—');
    expect(formatFen(Number.NaN)).toBe('¥—');
    expect(formatFen(Number.POSITIVE_INFINITY)).toBe('¥—');
  });
});

describe('parseYuan', () => {
  it('reads what an operator types as yuan into integer fen', () => {
    expect(parseYuan('3')).toBe(300);
    expect(parseYuan('3.5')).toBe(350);
    expect(parseYuan(' ¥3.05 ')).toBe(305);
    expect(parseYuan('0.01')).toBe(1);
    expect(parseYuan('1234567.89')).toBe(123456789);
    // Sums of tenths stay exact: no float arithmetic on the way.
    expect(parseYuan('0.3')).toBe(30);
  });
  it('refuses anything that is not a plain amount', () => {
    for (const bad of ['', '3.505', '-3', '3,50', 'abc', '1e3', '.5']) expect(parseYuan(bad)).toBeNull();
  });
});
