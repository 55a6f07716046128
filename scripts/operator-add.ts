// npm run operator:add -- <operator id> "<name>"   (password from ONELOT_OPERATOR_PASSWORD, or asked)
// Creates an operators' console account, or sets a new password for an existing operator, in the
// database DATABASE_URL / DATA_DIR points at (the embedded one by default; stop OneLot first: the
// embedded database has one owner).
import { createInterface } from 'node:readline/promises';
import { loadConfig, ConfigError } from '../core/config.ts';
import { openDatabase, migrate } from '../core/db/index.ts';
import { createOperator } from '../operators/index.ts';

const [id, name] = process.argv.slice(2);
if (!id || !name) {
  console.error('usage: npm run operator:add -- <operator id, e.g. op-zzpark> "<name, e.g. 郑州停车>"  (password: ONELOT_OPERATOR_PASSWORD or typed)');
  process.exit(2);
}
let password = process.env.ONELOT_OPERATOR_PASSWORD;
if (!password) {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  password = await rl.question(`password for ${id} (at least 10 characters): `);
  rl.close();
}
try {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    await migrate(db.pool); // a fresh data directory has no operators table yet
    const op = await createOperator(db.pool, { id, name, password });
    console.log(`operator ${op.accountId} (${op.name}) can sign in to the operators' console: /#/operator`);
  } finally {
    await db.close();
  }
} catch (err) {
  if (err instanceof ConfigError) { console.error(err.message); process.exit(2); }
  console.error((err as Error).message);
  process.exit(1);
}
