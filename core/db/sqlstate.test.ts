import { describe, it, expect } from 'vitest';
import pg from 'pg';
import { outcomeUnknown } from './sqlstate.ts';

const sqlError = (code: string) => Object.assign(new pg.DatabaseError('boom', 0, 'error'), { code });

describe('outcomeUnknown', () => {
  it('an SQL error is a rollback; a broken connection or 08007 may have committed', () => {
    expect(outcomeUnknown(sqlError('23505'))).toBe(false);
    expect(outcomeUnknown(sqlError('40001'))).toBe(false);
    expect(outcomeUnknown(sqlError('08007'))).toBe(true);
    expect(outcomeUnknown(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
  });
});
