import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import { loadOperatorSession, loginFailure, OPERATOR_TOKEN_STORAGE_KEY, saveOperatorSession } from './operator-auth.ts';

/** The Storage methods the module uses, in memory. */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

describe('operator session storage', () => {
  const now = Date.parse('2026-03-02T10:00:00Z');
  const session = { token: 'abc.def', accountId: 'op-zzpark', operatorId: 'op-zzpark', role: 'admin' as const, name: '郑州停车', expiresAt: '2026-03-02T22:00:00Z' };

  it('round-trips a live session and forgets it on sign-out', () => {
    const s = memoryStorage();
    saveOperatorSession(session, s);
    expect(loadOperatorSession(now, s)).toEqual(session);
    saveOperatorSession(null, s);
    expect(s.getItem(OPERATOR_TOKEN_STORAGE_KEY)).toBeNull();
    expect(loadOperatorSession(now, s)).toBeNull();
  });

  it('drops expired, corrupt and incomplete values', () => {
    const s = memoryStorage();
    saveOperatorSession({ ...session, expiresAt: '2026-03-02T09:59:59Z' }, s);
    expect(loadOperatorSession(now, s)).toBeNull();
    s.setItem(OPERATOR_TOKEN_STORAGE_KEY, '{not json');
    expect(loadOperatorSession(now, s)).toBeNull();
    s.setItem(OPERATOR_TOKEN_STORAGE_KEY, JSON.stringify({ token: 'abc', expiresAt: session.expiresAt }));
    expect(loadOperatorSession(now, s)).toBeNull();
  });

  it('works without storage (blocked): signed out, nothing thrown', () => {
    expect(loadOperatorSession(now, null)).toBeNull();
    expect(() => saveOperatorSession(session, null)).not.toThrow();
  });
});

describe('loginFailure', () => {
  it('names a wrong id or password and a lock-out in the page language, keeping the API message', () => {
    expect(loginFailure(new ApiError(401, 'ONELOT_ERR_UNAUTHORIZED', 'The operator id or password is wrong.'))).toEqual({
      lead: 'opWrongCredentials',
      detail: 'The operator id or password is wrong.',
    });
    expect(loginFailure(new ApiError(429, 'ONELOT_ERR_RATE_LIMITED', 'Too many requests; wait a moment and try again.'))).toEqual({
      lead: 'opLocked',
      detail: 'Too many requests; wait a moment and try again.',
    });
  });
  it('words anything else as every other error of the page (Chinese by default), an unknown error as it is', () => {
    expect(loginFailure(new ApiError(0, 'ONELOT_ERR_NETWORK', 'Failed to fetch'))).toEqual({ lead: null, detail: '网络连接失败，请检查网络后重试。' });
    expect(loginFailure(new Error('boom'))).toEqual({ lead: null, detail: 'boom' });
  });
});
