// npm run provider:sim -- --webhook-url http://127.0.0.1:8080/api/v1/payments/webhook [--port 0] [--latency-ms 50]
// The simulated payment provider (payments/provider-sim) as a process of its own, for a platform
// started with PAYMENT_PROVIDER_URL pointing at it: it outlives the platform, so a platform killed
// and restarted meets the same provider, the same charges and the same webhooks still being
// retried — what `npm run chaos` needs. Webhooks are signed with PAYMENT_WEBHOOK_SECRET (the
// platform's default when unset). Prints one JSON line {"url": …} once listening; on stdin, a line
// `ledger` prints {"ledger": [every charge]} on one line. Ends on SIGTERM, SIGINT or stdin closing.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from '../core/config.ts';
import { startSimulatedProvider } from '../payments/index.ts';

const { values } = parseArgs({ options: {
  'webhook-url': { type: 'string' }, port: { type: 'string', default: '0' }, 'latency-ms': { type: 'string', default: '50' },
} });
if (!values['webhook-url']) {
  console.error('usage: npm run provider:sim -- --webhook-url http://127.0.0.1:8080/api/v1/payments/webhook [--port 0] [--latency-ms 50]');
  process.exit(2);
}
let secret: string;
try {
  secret = loadConfig().PAYMENT_WEBHOOK_SECRET;
} catch (err) {
  if (err instanceof ConfigError) { console.error(err.message); process.exit(2); }
  throw err;
}
const provider = await startSimulatedProvider({
  webhookUrl: values['webhook-url'], webhookSecret: secret, port: Number(values.port), latencyMs: Number(values['latency-ms']),
  // A platform being restarted misses deliveries for a while: keep retrying for about a minute.
  webhookAttempts: 12, webhookBackoffMs: 100,
});
console.log(JSON.stringify({ url: provider.url }));
const stop = () => void provider.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => { if (line.trim() === 'ledger') console.log(JSON.stringify({ ledger: provider.ledger() })); });
lines.on('close', stop);
