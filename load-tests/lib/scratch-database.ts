// A database of one's own on a PostgreSQL server, made for a test or a benchmark run and dropped
// after it (WITH (FORCE): a killed process's connections must not keep it alive), so runs never see
// each other's rows and leave nothing behind. The server's user needs CREATEDB (trust auth as
// postgres on these machines and on CI).
import pg from 'pg';

/** The machine's PostgreSQL (15 here and on CI); ONELOT_TEST_PG_URL points elsewhere, e.g. at a Unix socket. */
export const LOCAL_SERVER_URL = process.env.ONELOT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  name: string;
  /** The new database's URL (DATABASE_URL). */
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(serverUrl: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

/**
 * A new, empty database on the server `serverUrl` reaches (any database of it), named `prefix_…`
 * so one left behind by a crash says whose it was.
 */
export async function createScratchDatabase(prefix: string, serverUrl = LOCAL_SERVER_URL): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
    },
  };
}
