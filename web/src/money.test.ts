import { describe, expect, it } from 'vitest';
import { formatFen, sumFen } from './money.ts';

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
