// A Mosquitto 2 of one's own (mosquitto.ts) with the dynamic-security plugin, as OneLot expects an
// existing broker to be set up (docs/deploy.md): no anonymous clients, its own dynsec file in a
// temporary directory, the dynsec admin (OneLot's provisioning account) and OneLot's ingest account
// made with mosquitto_ctrl as an operator would.
import { execFile } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from './mosquitto.ts';

const run = promisify(execFile);
const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

export interface DynsecMosquitto extends Mosquitto {
  /** MQTT_BROKER_URL: OneLot's ingest account. */
  ingestUrl: string;
  /** MQTT_BROKER_ADMIN_URL: the dynsec admin. */
  adminUrl: string;
  /** mosquitto_ctrl dynsec <args> as the admin; resolves with its output. */
  ctrl(...args: string[]): Promise<string>;
  /**
   * Device accounts in bulk, as OneLot's provisioning makes them one at a time (ingest/dynsec-accounts.ts):
   * one $CONTROL message (dynsec still saves its file after each command: a few hundred, not a city).
   * For devices seeded straight into the database.
   */
  provisionDevices(devices: Array<{ id: string; secret: string }>): Promise<void>;
}

/**
 * `devices`: accounts written into the dynsec file before Mosquitto starts, for a whole fleet at
 * once (a city's thousands: over $CONTROL, dynsec saves its file after every command).
 */
export async function startDynsecMosquitto(devices: Array<{ id: string; secret: string }> = []): Promise<DynsecMosquitto> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-dynsec-'));
  const dynsec = path.join(dir, 'dynsec.json');
  const admin = { user: 'onelot-admin', password: 'admin-' + Math.random().toString(36).slice(2) };
  const ingest = { user: 'onelot-ingest', password: 'ingest-' + Math.random().toString(36).slice(2) };
  await run('mosquitto_ctrl', ['dynsec', 'init', dynsec, admin.user, admin.password]);
  if (devices.length) {
    const config = JSON.parse(readFileSync(dynsec, 'utf8')) as { clients: unknown[]; roles: unknown[] };
    for (const { id, secret } of devices) {
      config.roles.push(deviceRole(id));
      config.clients.push({ username: id, clientid: id, roles: [{ rolename: deviceRole(id).rolename }], ...dynsecPassword(secret) });
    }
    writeFileSync(dynsec, JSON.stringify(config));
  }
  const m = await startMosquitto([
    'allow_anonymous false',
    `plugin ${DYNSEC_PLUGIN}`,
    `plugin_opt_config_file ${dynsec}`,
    // Mosquitto drops QoS 1 messages queued for a session beyond max_queued_messages (default 1000):
    // an ingest session's queue must never drop (docs/deploy.md).
    'max_queued_messages 0',
    // Started as root, Mosquitto would switch to the `mosquitto` user, who cannot read this directory.
    `user ${os.userInfo().username}`,
  ]).catch((err) => { rmSync(dir, { recursive: true, force: true }); throw err; });
  const ctrl = async (...args: string[]) => (await run('mosquitto_ctrl', ['-h', '127.0.0.1', '-p', String(m.port), '-u', admin.user, '-P', admin.password, 'dynsec', ...args])).stdout;
  // OneLot's ingest account: it may join the shared subscription to every device's events, nothing else.
  await ctrl('createRole', 'onelot-ingest');
  await ctrl('addRoleACL', 'onelot-ingest', 'subscribePattern', '$share/onelot-ingest/devices/+/events', 'allow');
  await ctrl('createClient', ingest.user, '-p', ingest.password);
  await ctrl('addClientRole', ingest.user, 'onelot-ingest');
  const withUser = (u: { user: string; password: string }) => `mqtt://${u.user}:${encodeURIComponent(u.password)}@127.0.0.1:${m.port}`;
  return {
    ...m,
    ingestUrl: withUser(ingest), adminUrl: withUser(admin), ctrl,
    provisionDevices: (devices) => provision(m.url, admin, devices),
    async stop() {
      await m.stop();
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
        { command: 'createRole', ...deviceRole(id) },
        { command: 'createClient', username: id, password: secret, clientid: id, roles: [{ rolename: deviceRole(id).rolename }] },
      ]),
    }), { qos: 1 });
    const failed = (await answered).find((a) => a.error);
    if (failed) throw new Error(`mosquitto refused ${failed.command}: ${failed.error}`);
  } finally {
    await c.endAsync();
  }
}

/** A device's role, as OneLot's provisioning makes it (ingest/dynsec-accounts.ts): its own events out, its commands in. */
const deviceRole = (id: string) => ({
  rolename: `onelot-device-${id}`,
  acls: [
    { acltype: 'publishClientSend', topic: `devices/${id}/events`, allow: true },
    { acltype: 'subscribeLiteral', topic: `devices/${id}/commands`, allow: true },
  ],
});

/** A password as the dynsec file keeps it: PBKDF2-SHA512 of 64 bytes over a random salt, as mosquitto_ctrl writes it. */
function dynsecPassword(secret: string): { password: string; salt: string; iterations: number } {
  const salt = randomBytes(12);
  const iterations = 101;
  return { password: pbkdf2Sync(secret, salt, iterations, 64, 'sha512').toString('base64'), salt: salt.toString('base64'), iterations };
}
