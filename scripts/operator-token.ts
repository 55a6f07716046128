// npm run operator:token -- <account> [hours]
// Opens a console session for an existing, active account and prints its bearer token, for scripts
// and integrations; people sign in to the console instead (POST /api/v1/operator/login). Writes to
// the database DATABASE_URL / DATA_DIR points at (the embedded one by default: stop OneLot first,
// the embedded database has one owner). Revoke it by disabling the account or changing its password.
import { loadConfig, ConfigError } from '../core/config.ts';
import { openDatabase, migrate } from '../core/db/index.ts';
import { openSession } from '../core/sessions.ts';

const [account, hours = '12'] = process.argv.slice(2);
if (!account || !Number.isFinite(Number(hours)) || Number(hours) <= 0) {
  console.error('usage: npm run operator:token -- <console account, e.g. op-zzpark> [hours, default 12]');
  process.exit(2);
}
try {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    await migrate(db.pool);
    const { rows } = await db.pool.query('SELECT 1 FROM operator_accounts WHERE id = $1 AND active', [account]);
    if (rows.length === 0) throw new Error(`no active console account "${account}"; create one with npm run operator:add`);
    const session = await openSession(db.pool, config.AUTH_TOKEN_SECRET, { accountId: account }, Math.floor(Date.now() / 1000), Math.round(Number(hours) * 3600));
    console.log(session.token);
  } finally {
    await db.close();
  }
} catch (err) {
  if (err instanceof ConfigError) { console.error(err.message); process.exit(2); }
  console.error((err as Error).message);
  process.exit(1);
}
