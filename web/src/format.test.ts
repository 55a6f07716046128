import { describe, expect, it } from 'vitest';
import { formatElapsed, formatLocalTime } from './format.ts';

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
