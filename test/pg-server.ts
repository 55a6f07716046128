// The machine's PostgreSQL server (15 on these machines and on CI; trust auth on 127.0.0.1:5432), for
// the tests of plain-PostgreSQL mode and of several processes on one database: each test makes a
// database of its own with a unique name, and drops it after (WITH (FORCE): a killed process's
// connections must not keep it alive). ONELOT_TEST_PG_URL points elsewhere, e.g. at a Unix socket.
import pg from 'pg';

const SERVER_URL = process.env.ONELOT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  /** DATABASE_URL of the new database. */
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: SERVER_URL });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

/** A new, empty database on the server; `prefix` names whose it is when one is left behind. */
export async function createTestDatabase(prefix = 'onelot_test'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await admin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
    },
  };
}
