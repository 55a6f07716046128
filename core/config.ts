// One typed configuration, parsed once at the edge (main / CLIs) from the environment.
// Nothing below this module reads process.env: builders take a Config.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import path from 'node:path';
import { isIP } from 'node:net';
import { PROVINCES } from './plates.ts';

export const ConfigSchema = Type.Object({
  /** `production` turns on assertSafeForProduction (as binding HOST beyond loopback does). */
  NODE_ENV: Type.Optional(Type.String()),
  /** Postgres/TimescaleDB URL; unset = embedded TimescaleDB (PGlite) in DATA_DIR. */
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  DATA_DIR: Type.String({ default: './data' }),
  HOST: Type.String({ default: '127.0.0.1' }),
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  MQTT_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
  /**
   * Largest MQTT packet accepted, bytes, fixed header included: a connection announcing more is
   * closed before the body is read (ingest/packet-limit.ts). A device message is at most 4 KiB of
   * payload plus a topic of ~150 bytes; 16 KiB leaves room, and a 4–16 KiB payload still reaches
   * validation and is dead-lettered with its reason (payload_too_large) instead of a cut connection.
   */
  MQTT_MAX_PACKET_BYTES: Type.Integer({ minimum: 5120, maximum: 268_435_460, default: 16_384 }),
  /** Connection attempts from one address (outside MQTT_TRUSTED_NETWORKS): this many at once… */
  MQTT_CONNECT_ADDRESS_BURST: Type.Integer({ minimum: 1, default: 1000 }),
  /** …then this many a second (ingest/connect-rate.ts: a NAT of 5,000 devices is back within 30 s). */
  MQTT_CONNECT_ADDRESS_PER_SECOND: Type.Number({ exclusiveMinimum: 0, default: 200 }),
  /** Connection attempts as one device id: this many at once… */
  MQTT_CONNECT_DEVICE_BURST: Type.Integer({ minimum: 1, default: 20 }),
  /** …then this many a minute. */
  MQTT_CONNECT_DEVICE_PER_MINUTE: Type.Number({ exclusiveMinimum: 0, default: 10 }),
  /**
   * Addresses or CIDR blocks, comma-separated, with no per-address connection limit (the per-device
   * one still holds): loopback by default, where simulators, load tests and a local TLS proxy
   * connect from. `none` limits every address.
   */
  MQTT_TRUSTED_NETWORKS: Type.String({ default: '127.0.0.0/8,::1/128' }),
  /**
   * An existing MQTT 5 broker devices connect to instead of the embedded one (docs/deploy.md):
   * `mqtt://user:password@host:1883`, the credentials of OneLot's ingest account there. Unset =
   * OneLot runs its own broker on MQTT_PORT.
   */
  MQTT_BROKER_URL: Type.Optional(Type.String({ pattern: '^mqtts?://' })),
  /**
   * The broker's provisioning account (Mosquitto's dynamic-security admin), `mqtt://admin:pw@host:1883`:
   * registering, rotating, disabling a device creates or changes its account and topics there.
   * Unset with MQTT_BROKER_URL = OneLot provisions nothing there (docs/deploy.md: the EMQX equivalent).
   */
  MQTT_BROKER_ADMIN_URL: Type.Optional(Type.String({ pattern: '^mqtts?://' })),
  /**
   * This ingest process's name on the broker: its sessions are `onelot-ingest-{INGEST_ID}-{n}`, kept
   * by the broker while it is down, and resumed (with every unacknowledged message) when a process
   * with the same INGEST_ID connects. Give each ingest process its own, stable across restarts.
   */
  INGEST_ID: Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$', default: '1' }),
  /**
   * Sessions (members of the shared subscription) one ingest process holds on the external broker.
   * A few are enough: each has up to INGEST_BROKER_IN_FLIGHT messages in hand (ingest/broker-session.ts).
   */
  INGEST_BROKER_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 1000, default: 4 }),
  /**
   * Messages the broker may send each session before it is acknowledged (MQTT 5 Receive Maximum);
   * each is acknowledged only after its commit, so sessions × this bounds what one process holds
   * uncommitted, and should be at least twice INGEST_BROKER_BATCH_MAX: one batch fills while one commits.
   */
  INGEST_BROKER_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 65535, default: 5000 }),
  /**
   * Group commit size when consuming an external broker. No device waits on these commits (the
   * broker acknowledged on receipt), so a batch may be larger than INGEST_BATCH_MAX: each batch's
   * fixed cost (its lots' locks, its bays re-read, its round trips) is paid by more messages.
   * Below capacity batches stay small (INGEST_BATCH_WAIT_MS); the limit matters under load.
   */
  INGEST_BROKER_BATCH_MAX: Type.Integer({ minimum: 1, maximum: 20000, default: 10000 }),
  /** Base map tiles; {s},{z},{x},{y} placeholders as Leaflet expects. */
  TILE_URL: Type.String({ default: 'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png' }),
  /** Group commit: flush when this many messages are waiting… */
  INGEST_BATCH_MAX: Type.Integer({ minimum: 1, maximum: 20000, default: 2000 }),
  /** …or when the oldest has waited this long (ms). Bounds PUBACK latency at low rates. */
  /** Device health (ingest/device-health.ts): a battery under this many volts raises an alert. */
  DEVICE_LOW_BATTERY_V: Type.Number({ minimum: 0, maximum: 10, default: 3.3 }),
  INGEST_BATCH_WAIT_MS: Type.Integer({ minimum: 0, maximum: 1000, default: 5 }),
  /**
   * Embedded database: each commit is synced to disk (fdatasync of the WAL) before it is acknowledged
   * (core/db/durable-fs.ts). `false` only to measure what durability costs: a power cut could then
   * lose acknowledged events and payments, so production refuses it.
   */
  EMBEDDED_FSYNC: Type.Boolean({ default: true }),
  /** Stop reading device sockets while this many messages wait to be committed (a slow or stalled database); read again at half. */
  INGEST_BACKLOG_MAX: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
  /** Seed the deterministic Zhengzhou demo district when the database is empty. */
  SEED_DEMO: Type.Boolean({ default: true }),
  /** Run the demo device simulator inside `npm start`. */
  SIMULATE: Type.Boolean({ default: true }),
  /** Simulator speed-up factor (1 = real time). */
  SIM_SPEED: Type.Number({ exclusiveMinimum: 0, default: 60 }),
  /** Payment provider base URL; unset = start the simulated provider (payments/provider-sim) in-process. */
  PAYMENT_PROVIDER_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** Shared secret the provider signs webhooks with (HMAC-SHA256). Set a real one in production. */
  PAYMENT_WEBHOOK_SECRET: Type.String({ minLength: 16, default: 'onelot-dev-webhook-secret-change-me' }),
  /** Secret that signs driver login tokens. Set a real one in production. */
  AUTH_TOKEN_SECRET: Type.String({ minLength: 16, default: 'onelot-dev-token-secret-change-me' }),
  /**
   * The province character of the city's own plates (豫 for Zhengzhou): a plate read twice that
   * differs only there, one read naming this province, is billed to it (docs/plates.md, rule 3).
   */
  PLATE_HOME_PROVINCE: Type.String({ pattern: `^[${PROVINCES}]$`, default: '豫', description: 'one province character, e.g. 豫' }),
  /** An unpaid invoice becomes overdue this many days after it is issued. */
  INVOICE_DUE_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 7 }),
  /** When overdue reminders go out (node-cron expression, lot time zone). */
  REMINDER_CRON: Type.String({ default: '0 10 * * *' }),
  /**
   * Overdue reminders are not sent between these local times of the lot's time zone (HH:MM-HH:MM,
   * may cross midnight; `none` for never): a message due inside waits for the first run after.
   */
  REMINDER_QUIET_HOURS: Type.String({ pattern: '^(none|([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9])$', default: '21:00-08:00' }),
  /** Who sends SMS (notifications/): the simulated provider (demo, tests; refused in production), Aliyun SMS or Tencent Cloud SMS. */
  SMS_PROVIDER: Type.Union([Type.Literal('sim'), Type.Literal('aliyun'), Type.Literal('tencent')], { default: 'sim' }),
  /** Aliyun AccessKey ID / Tencent Cloud SecretId. */
  SMS_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  /** Aliyun AccessKey secret / Tencent Cloud SecretKey. */
  SMS_ACCESS_KEY_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  /** The approved signature (签名) the provider prefixes every message with, e.g. OneLot停车. */
  SMS_SIGN_NAME: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * The provider's code of each approved template: `overdue-reminder=SMS_123,overdue-reminder.en=SMS_124,
   * register-code=…` (a `.en` entry for the English wording; without one the Chinese is sent).
   */
  SMS_TEMPLATE_CODES: Type.Optional(Type.String({ minLength: 1 })),
  /** Tencent Cloud: the SMS application's SdkAppId (1400…). */
  SMS_SDK_APP_ID: Type.Optional(Type.String({ minLength: 1 })),
  /** Tencent Cloud: the region of the SMS API. */
  SMS_REGION: Type.String({ default: 'ap-guangzhou' }),
  /** Shared secret delivery receipts are signed with (HMAC-SHA256, OneLot-Signature, as payment webhooks). */
  SMS_CALLBACK_SECRET: Type.String({ minLength: 16, default: 'onelot-dev-sms-callback-secret-change-me' }),
  /**
   * Run the node-cron jobs in this process (overstay scan, aggregate refresh, analytics fold,
   * TimescaleDB policies, reminders). Off for benchmarks, which must not have a job land at a random
   * point of a run. Several `jobs` processes on one database run them once: the holder of the jobs
   * lock does (core/leader.ts).
   */
  SCHEDULED_JOBS: Type.Boolean({ default: true }),
  /**
   * What this process does (README, "Roles"): `all` (npm start: everything in one process), or any of
   * `ingest` (the MQTT broker: devices in, events stored), `api` (HTTP, SSE, the web page) and `jobs`
   * (the scheduled work), comma-separated. `main.ts --role api` sets it too. Any number of ingest and
   * api processes share one DATABASE_URL; of the jobs processes one runs the jobs at a time.
   */
  ONELOT_ROLE: Type.String({ pattern: '^(all|(ingest|api|jobs)(,(ingest|api|jobs))*)$', default: 'all' }),
  /**
   * A `jobs` process that does not hold the jobs lock (core/leader.ts) asks for it again this often
   * (ms); the holder checks its lock connection as often. A dead holder's lock is free as soon as
   * the server sees its connection close (at once on kill -9), so a successor runs the jobs within this.
   */
  JOBS_LOCK_RETRY_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000 }),
  /**
   * Believe X-Forwarded-For / X-Forwarded-Proto from the proxy in front (fastify trustProxy): set it
   * when OneLot sits behind a TLS-terminating proxy, or every client looks like the proxy's address
   * to the rate limits and the session cookie is never marked Secure. Never set it without a proxy:
   * clients could then pick their own address.
   */
  TRUST_PROXY: Type.Boolean({ default: false }),
  /** Requests a minute one address may make to the whole API (0 = no limit); see RATE_LIMIT_ALLOW_LIST. */
  API_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 0, default: 1200 }),
  /**
   * Addresses the per-address limits leave alone, comma-separated: loopback by default, so the load
   * tests and benchmarks (which drive the API from 127.0.0.1) measure the server, not the limiter.
   * AUTH_LIMIT_PER_ACCOUNT applies to every address.
   */
  RATE_LIMIT_ALLOW_LIST: Type.String({ default: '127.0.0.1,::1,::ffff:127.0.0.1' }),
  /** Sign-in, registration, code and password requests a minute from one address. */
  AUTH_LIMIT_PER_ADDRESS: Type.Integer({ minimum: 1, default: 10 }),
  /**
   * The same a minute for one phone or console account, from all addresses together: slows a
   * distributed guesser without locking the owner out for long (the window is one minute).
   */
  AUTH_LIMIT_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 20 }),
  /**
   * Requests a minute one address may make to the open-data feeds (docs/open-data.md), counted apart
   * from the API-wide limit: a portal or navigation app polls a feed every minute or so, and answers
   * are cacheable (ETag, Last-Modified), so a client that needs more is re-reading unchanged data.
   */
  OPEN_DATA_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 60 }),
  LOG_LEVEL: Type.Union(
    [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('silent')],
    { default: 'info' },
  ),
});
export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Parse environment-style key/values into a Config; throws ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw)) as Record<string, unknown>;
  const merged = { ...withDefaults, ...overrides };
  const first = Value.Errors(ConfigSchema, merged).First();
  if (first) {
    const name = first.path.replace(/^\//, '') || '(config)';
    throw new ConfigError(`Invalid configuration: ${name}=${JSON.stringify(env[name] ?? (merged as any)[name])} — ${first.message}. Fix the environment variable ${name} and start again.`);
  }
  const cfg = merged as Config;
  cfg.DATA_DIR = path.resolve(cfg.DATA_DIR);
  const badNetwork = trustedNetworks(cfg).find((n) => !isCidr(n));
  if (badNetwork !== undefined) {
    throw new ConfigError(`Invalid configuration: MQTT_TRUSTED_NETWORKS=${JSON.stringify(cfg.MQTT_TRUSTED_NETWORKS)} — "${badNetwork}" is not an address or CIDR block. Fix the environment variable MQTT_TRUSTED_NETWORKS (e.g. 127.0.0.0/8,10.0.0.0/8, or none) and start again.`);
  }
  if (!cfg.DATABASE_URL && roles(cfg).size < ROLES.length) {
    throw new ConfigError(`Invalid configuration: ONELOT_ROLE=${cfg.ONELOT_ROLE} needs DATABASE_URL — processes by role share one database server, and the embedded database belongs to one process. Set DATABASE_URL, or run every role in one process (ONELOT_ROLE=all, the default).`);
  }
  const missing = smsMissing(cfg);
  if (missing.length) {
    throw new ConfigError(`Invalid configuration: SMS_PROVIDER=${cfg.SMS_PROVIDER} needs ${missing.join(', ')}. Set them to your ${cfg.SMS_PROVIDER === 'aliyun' ? 'Aliyun SMS' : 'Tencent Cloud SMS'} account's values and start again.`);
  }
  return cfg;
}

export const ROLES = ['ingest', 'api', 'jobs'] as const;
export type Role = typeof ROLES[number];

/** ONELOT_ROLE as the set of roles this process plays (`all` = every one). */
export function roles(config: Pick<Config, 'ONELOT_ROLE'>): ReadonlySet<Role> {
  return new Set(config.ONELOT_ROLE === 'all' ? ROLES : config.ONELOT_ROLE.split(',') as Role[]);
}

/**
 * `--role ingest,api` (or `--role=api`) from a command line, as an ONELOT_ROLE value for loadConfig;
 * undefined when absent. Throws ConfigError for a flag without a value.
 */
export function roleArgument(argv: readonly string[]): string | undefined {
  for (const [i, arg] of argv.entries()) {
    if (arg.startsWith('--role=')) return arg.slice('--role='.length);
    if (arg === '--role') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigError('--role needs a value: all, or any of ingest, api, jobs comma-separated (e.g. --role api).');
      return value;
    }
  }
  return undefined;
}

/** What a real SMS provider needs that the configuration lacks. */
function smsMissing(cfg: Config): string[] {
  if (cfg.SMS_PROVIDER === 'sim') return [];
  const need: Array<keyof Config> = ['SMS_ACCESS_KEY_ID', 'SMS_ACCESS_KEY_SECRET', 'SMS_SIGN_NAME', 'SMS_TEMPLATE_CODES', ...(cfg.SMS_PROVIDER === 'tencent' ? ['SMS_SDK_APP_ID' as const] : [])];
  return need.filter((k) => cfg[k] === undefined);
}

/** MQTT_TRUSTED_NETWORKS as a list (`none` = empty). */
export function trustedNetworks(config: Pick<Config, 'MQTT_TRUSTED_NETWORKS'>): string[] {
  const value = config.MQTT_TRUSTED_NETWORKS.trim();
  return value === 'none' ? [] : value.split(',').map((s) => s.trim()).filter(Boolean);
}

function isCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Production is explicit: NODE_ENV=production, or a HOST others can reach, refuses the demo's
 * settings — dev secrets anyone can read in this file, the simulated payment provider (it accepts any
 * `tok_ok…` source and would mark real invoices paid), the demo seed (devices whose secrets are written
 * to DATA_DIR) and the demo fleet. Every problem is named at once, each with what to set, so a deploy
 * is fixed in one round. `npm start` with no environment (loopback, no NODE_ENV) is the demo as ever.
 */
export function assertSafeForProduction(config: Config): void {
  const why = productionReasons(config);
  if (why.length === 0) return;
  const problems = productionProblems(config);
  if (problems.length === 0) return;
  throw new ConfigError([
    `OneLot refuses to start as a production server (${why.join('; ')}) with the demo's settings:`,
    ...problems.map((p) => `  - ${p}`),
    'Fix these environment variables and start again (docs/security.md, "Production checklist"). To run the demo, keep HOST on loopback and NODE_ENV unset.',
  ].join('\n'));
}

function productionReasons(config: Config): string[] {
  return [
    ...(config.NODE_ENV === 'production' ? ['NODE_ENV=production'] : []),
    ...(isLoopback(config.HOST) ? [] : [`HOST=${config.HOST} is not a loopback address (127.0.0.0/8, ::1, localhost)`]),
  ];
}

/** NODE_ENV=production or a HOST others can reach: demo-only routes (the simulated SMS inbox) stay off. */
export function isProductionServer(config: Config): boolean {
  return productionReasons(config).length > 0;
}

function productionProblems(config: Config): string[] {
  const problems: string[] = [];
  const dev = ConfigSchema.properties;
  if (config.AUTH_TOKEN_SECRET === dev.AUTH_TOKEN_SECRET.default) {
    problems.push('AUTH_TOKEN_SECRET is the development default, so anyone can mint driver and operator tokens: set AUTH_TOKEN_SECRET to a random secret (e.g. `openssl rand -hex 32`).');
  }
  if (config.PAYMENT_WEBHOOK_SECRET === dev.PAYMENT_WEBHOOK_SECRET.default) {
    problems.push('PAYMENT_WEBHOOK_SECRET is the development default, so anyone can forge payment notifications: set PAYMENT_WEBHOOK_SECRET to the secret your payment provider signs webhooks with.');
  }
  if (config.PAYMENT_PROVIDER_URL === undefined) {
    problems.push('PAYMENT_PROVIDER_URL is unset, so the simulated provider would run in-process and accept any `tok_ok…` source, marking real invoices paid: set PAYMENT_PROVIDER_URL to your payment provider\'s base URL.');
  }
  if (!config.EMBEDDED_FSYNC && config.DATABASE_URL === undefined) {
    problems.push('EMBEDDED_FSYNC is false, so the embedded database acknowledges commits still in the page cache and a power cut can lose acknowledged events and payments: unset EMBEDDED_FSYNC (it defaults to true).');
  }
  if (config.SEED_DEMO) {
    problems.push('SEED_DEMO is true, so an empty database gets the demo district and devices whose secrets are written to DATA_DIR: set SEED_DEMO=false.');
  }
  if (config.SIMULATE) {
    problems.push('SIMULATE is true, so the demo fleet would publish made-up parking events: set SIMULATE=false.');
  }
  if (config.SMS_CALLBACK_SECRET === dev.SMS_CALLBACK_SECRET.default) {
    problems.push('SMS_CALLBACK_SECRET is the development default, so anyone can forge SMS delivery receipts: set SMS_CALLBACK_SECRET to the secret your receipt relay signs with.');
  }
  if (config.SMS_PROVIDER === 'sim') {
    problems.push('SMS_PROVIDER is sim, so reminders and sign-up codes would go to the simulated provider, never to a phone, and anyone could read the codes: set SMS_PROVIDER=aliyun or tencent with its keys (README, "Configuration").');
  }
  return problems;
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost, in any spelling the URL parser canonicalises. */
function isLoopback(host: string): boolean {
  if (/^localhost\.?$/i.test(host)) return true;
  let canonical: string;
  try {
    canonical = new URL(`http://${host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]` : host}/`).hostname;
  } catch {
    return false;
  }
  if (/^127\.\d+\.\d+\.\d+$/.test(canonical)) return true;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}
