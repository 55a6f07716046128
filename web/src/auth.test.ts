import { describe, expect, it } from 'vitest';
import { csrfToken, isLive } from './auth.ts';

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

describe('csrfToken', () => {
  it('reads the onelot_csrf cookie among others', () => {
    expect(csrfToken('a=1; onelot_csrf=AbC-12_x; b=2')).toBe('AbC-12_x');
    expect(csrfToken('onelot_csrf=v%3D1')).toBe('v=1');
  });
  it('is null when signed out', () => {
    expect(csrfToken('')).toBeNull();
    expect(csrfToken('onelot_csrf=')).toBeNull();
    expect(csrfToken('other=1')).toBeNull();
  });
});
