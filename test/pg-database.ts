// A database of its own on the machine's PostgreSQL server (127.0.0.1:5432, trust auth; CI machines
// run one too), for tests of several processes on one server: created empty, dropped after.
// ONELOT_TEST_PG_URL names another server's maintenance database.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.ONELOT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase { url: string; name: string; drop(): Promise<void> }

export async function createTestDatabase(prefix = 'onelot_test'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name, url: url.toString(),
    // WITH (FORCE): a process a test killed may leave a connection the server has not yet closed.
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try { await client.query(sql); } finally { await client.end(); }
}
