import { describe, expect, it } from 'vitest';
import { formatElapsed, formatLocalTime, formatPercent, formatStay } from './format.ts';

describe('formatLocalTime', () => {
  it('shows Asia/Shanghai wall time whatever the browser zone', () => {
    expect(formatLocalTime('2026-03-02T01:00:00Z')).toBe('2026-03-02 09:00');
    expect(formatLocalTime('2026-03-02T16:30:00Z')).toBe('2026-03-03 00:30'); // crosses midnight
  });

  it('shows a dash for missing or bad times', () => {
    expect(formatLocalTime(null)).toBe('—');
    expect(formatLocalTime('not a time')).toBe('—');
  });
});

describe('formatElapsed', () => {
  it('counts hours, minutes and seconds', () => {
    expect(formatElapsed(0)).toBe('0:00:00');
    expect(formatElapsed(59_999)).toBe('0:00:59');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
    expect(formatElapsed(26 * 3_600_000)).toBe('26:00:00');
  });

  it('clamps clock skew to zero', () => {
    expect(formatElapsed(-5000)).toBe('0:00:00');
  });
});

describe('formatPercent', () => {
  it('shows a share as a percentage, a dash without one', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.625)).toBe('63%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.12345, 1)).toBe('12.3%');
    expect(formatPercent(null)).toBe('—');
    expect(formatPercent(Number.NaN)).toBe('—');
  });
});

describe('formatStay', () => {
  it('reads minutes as hours and minutes in both languages', () => {
    expect(formatStay(45, 'zh')).toBe('45 分钟');
    expect(formatStay(45, 'en')).toBe('45 min');
    expect(formatStay(125.4, 'zh')).toBe('2 小时 5 分');
    expect(formatStay(125.4, 'en')).toBe('2 h 5 min');
    expect(formatStay(120, 'en')).toBe('2 h');
    expect(formatStay(59.6, 'en')).toBe('1 h');
  });
  it('shows a dash without a figure', () => {
    expect(formatStay(null, 'zh')).toBe('—');
  });
});
