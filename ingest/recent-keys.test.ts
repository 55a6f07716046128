import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.ts';

describe('RecentKeys', () => {
  it('remembers the last `capacity` keys and forgets the oldest first', () => {
    const r = new RecentKeys(3);
    for (const k of ['a', 'b', 'c']) r.add(k);
    expect(['a', 'b', 'c'].map((k) => r.has(k))).toEqual([true, true, true]);
    r.add('d');
    expect(r.has('a')).toBe(false);
    expect(['b', 'c', 'd'].map((k) => r.has(k))).toEqual([true, true, true]);
    expect(r.size).toBe(3);
  });

  it('adding a key it holds does not push another out', () => {
    const r = new RecentKeys(2);
    r.add('a');
    r.add('b');
    r.add('a');
    expect(r.has('a') && r.has('b')).toBe(true);
  });

  it('holds nothing with capacity 0', () => {
    const none = new RecentKeys(0);
    none.add('a');
    expect(none.has('a')).toBe(false);
    expect(none.size).toBe(0);
  });
});
