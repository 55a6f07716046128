import { describe, expect, it } from 'vitest';
import { auditChanges, auditRange, localDayStart } from './audit.ts';

describe('auditChanges', () => {
  it('shows only the fields that changed, with both values', () => {
    const before = { accountId: 'li@op', active: true, refundLimitFen: 500, name: 'Li' };
    const after = { accountId: 'li@op', active: false, refundLimitFen: 2000, name: 'Li' };
    expect(auditChanges(before, after)).toEqual([
      { field: 'active', before: 'true', after: 'false' },
      { field: 'refundLimitFen', before: '500', after: '2000' },
    ]);
  });

  it('reads a creation as every field added, nested objects as dotted fields', () => {
    expect(auditChanges(null, { name: '测试停车', admin: { accountId: 'wang@op', role: 'admin', limit: null } })).toEqual([
      { field: 'name', before: undefined, after: '测试停车' },
      { field: 'admin.accountId', before: undefined, after: 'wang@op' },
      { field: 'admin.role', before: undefined, after: 'admin' },
      { field: 'admin.limit', before: undefined, after: 'null' },
    ]);
  });

  it('shows a removed field, arrays as their JSON, and nothing for an entry without values', () => {
    expect(auditChanges({ plates: ['豫A1'], note: 'x' }, { plates: ['豫A1', '豫B2'] })).toEqual([
      { field: 'plates', before: '["豫A1"]', after: '["豫A1","豫B2"]' },
      { field: 'note', before: 'x', after: undefined },
    ]);
    expect(auditChanges(null, null)).toEqual([]);
    expect(auditChanges(undefined, 3)).toEqual([{ field: 'value', before: undefined, after: '3' }]);
  });
});

describe('local days of the filter', () => {
  it('reads a day as Asia/Shanghai midnight (UTC+8) and the last day whole', () => {
    expect(localDayStart('2026-11-29')).toBe('2026-11-28T16:00:00.000Z');
    expect(auditRange('2026-11-01', '2026-11-29')).toEqual({ from: '2026-10-31T16:00:00.000Z', to: '2026-11-29T16:00:00.000Z' });
    expect(auditRange('', '2026-03-02', 'UTC')).toEqual({ from: undefined, to: '2026-03-03T00:00:00.000Z' });
    expect(localDayStart('29/11/2026')).toBeNull();
  });
});
