// npm run operator:token -- <operator id> [hours]
// Mints a bearer token for the operator routes (review queue, arrears, refunds) with
// AUTH_TOKEN_SECRET, for scripts and integrations; people sign in to the console instead
// (POST /api/v1/operator/login, accounts from `npm run operator:add`).
import { loadConfig, ConfigError } from '../core/config.ts';
import { issueToken } from '../core/tokens.ts';

const [operatorId, hours = '12'] = process.argv.slice(2);
if (!operatorId || !Number.isFinite(Number(hours)) || Number(hours) <= 0) {
  console.error('usage: npm run operator:token -- <operator id, e.g. op-zzpark> [hours, default 12]');
  process.exit(2);
}
try {
  const config = loadConfig();
  console.log(issueToken(config.AUTH_TOKEN_SECRET, { operatorId }, Math.floor(Date.now() / 1000), Math.round(Number(hours) * 3600)));
} catch (err) {
  if (err instanceof ConfigError) { console.error(err.message); process.exit(2); }
  throw err;
}
