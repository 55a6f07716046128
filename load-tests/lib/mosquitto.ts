// A real Mosquitto 2 for a test or a benchmark: its own config and dynamic-security file in a temporary directory,
// a free port, the dynsec admin (OneLot's provisioning account) and OneLot's ingest account made
// with mosquitto_ctrl as an operator would (docs/deploy.md). stop() kills it and deletes the directory.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';

const run = promisify(execFile);
const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

export interface Mosquitto {
  port: number;
  /** Where devices connect (no credentials). */
  url: string;
  /** MQTT_BROKER_URL: OneLot's ingest account. */
  ingestUrl: string;
  /** MQTT_BROKER_ADMIN_URL: the dynsec admin. */
  adminUrl: string;
  /** mosquitto_ctrl dynsec <args> as the admin; resolves with its output. */
  ctrl(...args: string[]): Promise<string>;
  /**
   * Device accounts in bulk, as OneLot's provisioning makes them one at a time (ingest/dynsec-accounts.ts):
   * one $CONTROL message, so dynsec rewrites its file once. For devices seeded straight into the database.
   */
  provisionDevices(devices: Array<{ id: string; secret: string }>): Promise<void>;
  /** What Mosquitto logged so far. */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

async function reachable(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); }).on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`mosquitto did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startMosquitto(): Promise<Mosquitto> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-mosquitto-'));
  const dynsec = path.join(dir, 'dynsec.json');
  const admin = { user: 'onelot-admin', password: 'admin-' + Math.random().toString(36).slice(2) };
  const ingest = { user: 'onelot-ingest', password: 'ingest-' + Math.random().toString(36).slice(2) };
  await run('mosquitto_ctrl', ['dynsec', 'init', dynsec, admin.user, admin.password]);
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous false',
    `plugin ${DYNSEC_PLUGIN}`,
    `plugin_opt_config_file ${dynsec}`,
    // Mosquitto drops QoS 1 messages queued for a session beyond max_queued_messages (default 1000):
    // an ingest session's queue must never drop (docs/deploy.md).
    'max_queued_messages 0',
    'persistence false',
    `user ${os.userInfo().username}`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
  ].join('\n') + '\n');
  let logged = '';
  const proc: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (b) => { logged += b; });
  proc.stderr!.on('data', (b) => { logged += b; });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    await reachable(port, 5000);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${logged}`);
  }
  const ctrl = async (...args: string[]) => (await run('mosquitto_ctrl', ['-h', '127.0.0.1', '-p', String(port), '-u', admin.user, '-P', admin.password, 'dynsec', ...args])).stdout;
  // OneLot's ingest account: it may join the shared subscription to every device's events, nothing else.
  await ctrl('createRole', 'onelot-ingest');
  await ctrl('addRoleACL', 'onelot-ingest', 'subscribePattern', '$share/onelot-ingest/devices/+/events', 'allow');
  await ctrl('createClient', ingest.user, '-p', ingest.password);
  await ctrl('addClientRole', ingest.user, 'onelot-ingest');
  const url = `mqtt://127.0.0.1:${port}`;
  const withUser = (u: { user: string; password: string }) => `mqtt://${u.user}:${encodeURIComponent(u.password)}@127.0.0.1:${port}`;
  return {
    port, url, ingestUrl: withUser(ingest), adminUrl: withUser(admin), ctrl,
    provisionDevices: (devices) => provision(url, admin, devices),
    log: () => logged,
    async stop() {
      proc.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function provision(url: string, admin: { user: string; password: string }, devices: Array<{ id: string; secret: string }>): Promise<void> {
  const c = await mqtt.connectAsync(url, { username: admin.user, password: admin.password, protocolVersion: 5, reconnectPeriod: 0 });
  try {
    await c.subscribeAsync('$CONTROL/dynamic-security/v1/response', { qos: 1 });
    const answered = new Promise<Array<{ command: string; error?: string }>>((resolve) => c.once('message', (_t, p) => resolve(JSON.parse(p.toString()).responses)));
    await c.publishAsync('$CONTROL/dynamic-security/v1', JSON.stringify({
      commands: devices.flatMap(({ id, secret }) => [
        { command: 'createRole', rolename: `onelot-device-${id}`, acls: [
          { acltype: 'publishClientSend', topic: `devices/${id}/events`, allow: true },
          { acltype: 'subscribeLiteral', topic: `devices/${id}/commands`, allow: true }] },
        { command: 'createClient', username: id, password: secret, clientid: id, roles: [{ rolename: `onelot-device-${id}` }] },
      ]),
    }), { qos: 1 });
    const failed = (await answered).find((a) => a.error);
    if (failed) throw new Error(`mosquitto refused ${failed.command}: ${failed.error}`);
  } finally {
    await c.endAsync();
  }
}
