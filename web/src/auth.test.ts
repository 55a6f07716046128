import { describe, expect, it } from 'vitest';
import { isLive } from './auth.ts';

describe('isLive', () => {
  const now = Date.parse('2026-03-02T10:00:00Z');
  it('keeps tokens until they expire', () => {
    expect(isLive({ token: 'abc', expiresAt: '2026-03-02T10:00:01Z' }, now)).toBe(true);
    expect(isLive({ token: 'abc', expiresAt: '2026-03-02T10:00:00Z' }, now)).toBe(false);
  });
  it('drops empty tokens and unreadable expiry', () => {
    expect(isLive({ token: '', expiresAt: '2026-03-03T00:00:00Z' }, now)).toBe(false);
    expect(isLive({ token: 'abc', expiresAt: 'soon' }, now)).toBe(false);
  });
});
