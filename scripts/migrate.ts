// npm run db:migrate — apply migrations to DATABASE_URL (or the embedded database in DATA_DIR) and exit.
import { loadConfig } from '../core/config.ts';
import { openDatabase, migrate } from '../core/db/index.ts';

const config = loadConfig();
const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  const n = await migrate(db.pool, (m) => console.log(m));
  console.log(`database is up to date (${n} migration(s) applied)`);
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await db.close();
}
