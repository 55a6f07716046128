// Production is explicit: NODE_ENV=production or a HOST beyond loopback refuses the demo's settings,
// naming every problem at once; the zero-config demo on loopback is untouched.
import { describe, it, expect } from 'vitest';
import { assertSafeForProduction, ConfigError, loadConfig, roleArgument, roles, trustedNetworks } from './config.ts';

/** Everything a production deploy must set, and set safely. */
const SAFE = {
  AUTH_TOKEN_SECRET: 'a-real-token-secret-from-the-vault',
  PAYMENT_WEBHOOK_SECRET: 'a-real-webhook-secret-from-the-provider',
  PAYMENT_PROVIDER_URL: 'https://pay.example.com',
  SEED_DEMO: 'false',
  SIMULATE: 'false',
  SMS_PROVIDER: 'tencent',
  SMS_ACCESS_KEY_ID: 'AKIDexample',
  SMS_ACCESS_KEY_SECRET: 'a-real-sms-secret',
  SMS_SIGN_NAME: 'OneLot',
  SMS_TEMPLATE_CODES: 'overdue-reminder=1234567',
  SMS_SDK_APP_ID: '1400000000',
  SMS_CALLBACK_SECRET: 'a-real-sms-callback-secret',
};

function refusal(env: Record<string, string>): string {
  try {
    assertSafeForProduction(loadConfig(env));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('assertSafeForProduction', () => {
  it('leaves the zero-config demo alone: no NODE_ENV, loopback HOST, every dev default', () => {
    expect(() => assertSafeForProduction(loadConfig({}))).not.toThrow();
    for (const HOST of ['127.0.0.1', '127.0.0.2', '127.1', 'localhost', 'LOCALHOST', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(() => assertSafeForProduction(loadConfig({ HOST })), HOST).not.toThrow();
    }
    expect(() => assertSafeForProduction(loadConfig({ NODE_ENV: 'development' }))).not.toThrow();
  });

  it('names every problem at once under NODE_ENV=production, each with what to set', () => {
    const msg = refusal({ NODE_ENV: 'production' });
    expect(msg).toContain('NODE_ENV=production');
    expect(msg).toMatch(/AUTH_TOKEN_SECRET is the development default.*set AUTH_TOKEN_SECRET to a random secret/);
    expect(msg).toMatch(/PAYMENT_WEBHOOK_SECRET is the development default.*set PAYMENT_WEBHOOK_SECRET/);
    expect(msg).toMatch(/PAYMENT_PROVIDER_URL is unset.*tok_ok.*set PAYMENT_PROVIDER_URL/);
    expect(msg).toMatch(/SEED_DEMO is true.*set SEED_DEMO=false/);
    expect(msg).toMatch(/SIMULATE is true.*set SIMULATE=false/);
    expect(msg.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(7); // the five above, SMS_CALLBACK_SECRET and SMS_PROVIDER=sim
  });

  it('treats a HOST others can reach as production, saying so', () => {
    for (const HOST of ['0.0.0.0', '::', '192.168.1.20', '10.0.0.5', '128.0.0.1', 'onelot.example.com', '::ffff:10.0.0.1', '2001:db8::1']) {
      const msg = refusal({ HOST });
      expect(msg, HOST).toContain(`HOST=${HOST} is not a loopback address`);
      expect(msg, HOST).not.toContain('NODE_ENV=production');
      expect(msg.split('\n').filter((l) => l.startsWith('  - ')), HOST).toHaveLength(7); // the five above, SMS_CALLBACK_SECRET and SMS_PROVIDER=sim
    }
    expect(refusal({ HOST: '0.0.0.0', NODE_ENV: 'production' })).toMatch(/NODE_ENV=production; HOST=0\.0\.0\.0 is not a loopback address/);
  });

  it('names only what is still wrong', () => {
    const msg = refusal({ ...SAFE, NODE_ENV: 'production', SIMULATE: 'true', AUTH_TOKEN_SECRET: 'onelot-dev-token-secret-change-me' });
    const problems = msg.split('\n').filter((l) => l.startsWith('  - '));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('AUTH_TOKEN_SECRET');
    expect(problems[1]).toContain('SIMULATE');
  });

  it('starts a production configuration that sets everything', () => {
    expect(() => assertSafeForProduction(loadConfig({ ...SAFE, NODE_ENV: 'production' }))).not.toThrow();
    expect(() => assertSafeForProduction(loadConfig({ ...SAFE, HOST: '0.0.0.0' }))).not.toThrow();
  });
});

describe('device-side limits and durability', () => {
  it('refuses to acknowledge from the page cache in production (EMBEDDED_FSYNC=false), unless the database is outside', () => {
    expect(refusal({ ...SAFE, NODE_ENV: 'production', EMBEDDED_FSYNC: 'false' })).toMatch(/EMBEDDED_FSYNC is false.*unset EMBEDDED_FSYNC/);
    expect(() => assertSafeForProduction(loadConfig({ ...SAFE, NODE_ENV: 'production', EMBEDDED_FSYNC: 'false', DATABASE_URL: 'postgres://db/onelot' }))).not.toThrow();
    expect(loadConfig({}).EMBEDDED_FSYNC).toBe(true);
  });

  it('reads MQTT_TRUSTED_NETWORKS as addresses and CIDR blocks, `none` as no exception, and names a bad entry', () => {
    expect(trustedNetworks(loadConfig({}))).toEqual(['127.0.0.0/8', '::1/128']);
    expect(trustedNetworks(loadConfig({ MQTT_TRUSTED_NETWORKS: '10.0.0.0/8, 100.64.1.7,fd00::/8' }))).toEqual(['10.0.0.0/8', '100.64.1.7', 'fd00::/8']);
    expect(trustedNetworks(loadConfig({ MQTT_TRUSTED_NETWORKS: 'none' }))).toEqual([]);
    expect(() => loadConfig({ MQTT_TRUSTED_NETWORKS: '10.0.0.0/33' })).toThrow(/MQTT_TRUSTED_NETWORKS=.*"10.0.0.0\/33" is not an address or CIDR block/);
    expect(() => loadConfig({ MQTT_TRUSTED_NETWORKS: 'carrier-nat.example' })).toThrow(ConfigError);
  });

  it('keeps MQTT_MAX_PACKET_BYTES above the largest device message', () => {
    expect(loadConfig({}).MQTT_MAX_PACKET_BYTES).toBe(16_384);
    expect(() => loadConfig({ MQTT_MAX_PACKET_BYTES: '4096' })).toThrow(/MQTT_MAX_PACKET_BYTES/);
  });
});

describe('SMS provider configuration', () => {
  it('names what a real provider lacks, and refuses the simulated one in production', () => {
    expect(() => loadConfig({ SMS_PROVIDER: 'aliyun', SMS_ACCESS_KEY_ID: 'LTAI' })).toThrow(/SMS_PROVIDER=aliyun needs SMS_ACCESS_KEY_SECRET, SMS_SIGN_NAME, SMS_TEMPLATE_CODES/);
    expect(() => loadConfig({ ...SAFE, SMS_SDK_APP_ID: undefined as unknown as string })).toThrow(/needs SMS_SDK_APP_ID/);
    expect(() => loadConfig({ SMS_PROVIDER: 'twilio' })).toThrow(/SMS_PROVIDER/);
    expect(() => loadConfig({ REMINDER_QUIET_HOURS: '9pm-8am' })).toThrow(/REMINDER_QUIET_HOURS/);
    const msg = refusal({ ...SAFE, NODE_ENV: 'production', SMS_PROVIDER: 'sim', SMS_CALLBACK_SECRET: '' });
    expect(msg).toMatch(/SMS_CALLBACK_SECRET is the development default/);
    expect(msg).toMatch(/SMS_PROVIDER is sim.*set SMS_PROVIDER=aliyun or tencent/);
  });
});

describe('roles (ONELOT_ROLE, --role)', () => {
  const server = { DATABASE_URL: 'postgres://127.0.0.1/onelot' };
  it('runs every role by default, and any combination with a database server', () => {
    expect([...roles(loadConfig({}))]).toEqual(['ingest', 'api', 'jobs']);
    expect([...roles(loadConfig({ ...server, ONELOT_ROLE: 'api,jobs' }))]).toEqual(['api', 'jobs']);
  });
  it('refuses a role it does not know, naming the variable', () => {
    expect(() => loadConfig({ ...server, ONELOT_ROLE: 'api,web' })).toThrow(/ONELOT_ROLE="api,web"/);
  });
  it('refuses part of the roles on the embedded database, which one process owns', () => {
    expect(() => loadConfig({ ONELOT_ROLE: 'ingest' })).toThrow(/needs DATABASE_URL/);
  });
  it('reads --role from a command line', () => {
    expect(roleArgument(['--role', 'ingest'])).toBe('ingest');
    expect(roleArgument(['--role=api,jobs'])).toBe('api,jobs');
    expect(roleArgument([])).toBeUndefined();
    expect(() => roleArgument(['--role'])).toThrow(/--role needs a value/);
  });
});

describe('PLATE_HOME_PROVINCE', () => {
  it('is 豫 unless set, and one province character when set', () => {
    expect(loadConfig({}).PLATE_HOME_PROVINCE).toBe('豫');
    expect(loadConfig({ PLATE_HOME_PROVINCE: '鄂' }).PLATE_HOME_PROVINCE).toBe('鄂');
    expect(() => loadConfig({ PLATE_HOME_PROVINCE: '豫A' })).toThrow(/PLATE_HOME_PROVINCE="豫A".*Fix the environment variable PLATE_HOME_PROVINCE/);
    expect(() => loadConfig({ PLATE_HOME_PROVINCE: 'X' })).toThrow(ConfigError);
  });
});
