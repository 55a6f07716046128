// Which engine OneLot picks for a database, and the servers it refuses with a message saying what to
// do. (Against real servers: test/postgres.e2e.test.ts and test/startup.e2e.test.ts for PostgreSQL 15
// without TimescaleDB, the embedded database for TimescaleDB; no older server runs on these machines.)
import { describe, it, expect } from 'vitest';
import { decideEngine, type ServerFacts } from './engine.ts';

const pg15: ServerFacts = { version: 150020, name: '15.20', installed: false, available: false, migrated: false, external: true };

describe('decideEngine', () => {
  it('runs TimescaleDB where it is installed, and creates it in a new database where the server has it', () => {
    expect(decideEngine({ ...pg15, installed: true, available: true, migrated: true })).toEqual({ engine: 'timescaledb', createExtension: false });
    expect(decideEngine({ ...pg15, available: true })).toEqual({ engine: 'timescaledb', createExtension: true });
    expect(decideEngine({ ...pg15, version: 170005, installed: true, external: false })).toEqual({ engine: 'timescaledb', createExtension: false });
  });

  it('keeps a database migrated without TimescaleDB in plain mode when the server gains it', () => {
    expect(decideEngine({ ...pg15, available: true, migrated: true })).toEqual({ engine: 'postgres', createExtension: false });
  });

  it('runs plain PostgreSQL 15 and newer without TimescaleDB', () => {
    expect(decideEngine(pg15)).toEqual({ engine: 'postgres', createExtension: false });
    expect(decideEngine({ ...pg15, version: 170002, name: '17.2' })).toEqual({ engine: 'postgres', createExtension: false });
  });

  it('refuses an older server without TimescaleDB, naming its version and the ways out', () => {
    const r = decideEngine({ ...pg15, version: 140011, name: '14.11' });
    expect(r).toEqual({ refused: expect.stringMatching(/PostgreSQL 14\.11 without TimescaleDB.*15 or newer.*install TimescaleDB.*unset DATABASE_URL/) });
    // With TimescaleDB, an older server is TimescaleDB's to support.
    expect(decideEngine({ ...pg15, version: 140011, available: true })).toEqual({ engine: 'timescaledb', createExtension: true });
  });

  it('refuses an embedded database without TimescaleDB (a broken install), saying how to repair it', () => {
    expect(decideEngine({ ...pg15, version: 170005, external: false })).toEqual({ refused: expect.stringMatching(/npm install/) });
  });
});
