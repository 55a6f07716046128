// Device accounts on Mosquitto 2 through its dynamic-security plugin (core/device-accounts.ts):
// JSON commands published to $CONTROL/dynamic-security/v1 by an admin client, answered on
// .../v1/response (mosquitto's plugins/dynamic-security/README.md). Each device is a dynsec client
// named by its id, with the device secret as password and its id as the only client id it may use,
// and one role of its own: publishClientSend on its events topic(s), subscribeLiteral on its
// commands topic(s). Mosquitto 2.0's dynsec has no %u/%c patterns in ACLs, hence a role per device.
// Dynsec rewrites its whole JSON file after every command, so a change costs a file write (docs/deploy.md).
import mqtt, { type MqttClient } from 'mqtt';
import type { BrokerAccounts, DeviceTopics } from '../core/device-accounts.ts';
import { OneLotError } from '../core/errors.ts';

const CONTROL = '$CONTROL/dynamic-security/v1';
const RESPONSE = `${CONTROL}/response`;
/** A broker that has not answered a command in this long is treated as unreachable (503). */
const ANSWER_TIMEOUT_MS = 10_000;

type Command = Record<string, unknown> & { command: string };
interface Answer { command: string; error?: string; correlationData?: string; data?: unknown }

const roleOf = (deviceId: string) => `onelot-device-${deviceId}`;
const acls = (t: DeviceTopics) => [
  ...t.publish.map((topic) => ({ acltype: 'publishClientSend', topic, allow: true })),
  ...t.subscribe.map((topic) => ({ acltype: 'subscribeLiteral', topic, allow: true })),
];
/** Errors that mean "already as asked" when the command only clears the way. */
const ABSENT = /not found/i;

export class DynsecAccounts implements BrokerAccounts {
  private seq = 0;
  private readonly waiting = new Map<string, { resolve(a: Answer[]): void; reject(e: Error): void; answers: Answer[]; expected: number }>();

  private constructor(private readonly client: MqttClient) {
    client.on('message', (_topic, payload) => {
      let answers: Answer[] = [];
      try { answers = (JSON.parse(payload.toString('utf8')) as { responses?: Answer[] }).responses ?? []; } catch { return; }
      for (const a of answers) {
        const key = a.correlationData?.split(':')[0];
        const w = key ? this.waiting.get(key) : undefined;
        if (!w) continue;
        w.answers.push(a);
        if (w.answers.length === w.expected) {
          this.waiting.delete(key!);
          w.resolve(w.answers);
        }
      }
    });
  }

  /** Connect the admin client (MQTT_BROKER_ADMIN_URL) and listen for answers. */
  static async connect(adminUrl: string): Promise<DynsecAccounts> {
    const url = new URL(adminUrl);
    const client = await mqtt.connectAsync(`${url.protocol}//${url.host}`, {
      clientId: `onelot-provisioning-${process.pid}`, protocolVersion: 5, reconnectPeriod: 1000, connectTimeout: 10_000,
      username: decodeURIComponent(url.username) || undefined, password: decodeURIComponent(url.password) || undefined,
    });
    await client.subscribeAsync(RESPONSE, { qos: 1 });
    return new DynsecAccounts(client);
  }

  async provision(deviceId: string, secret: string, topics: DeviceTopics): Promise<void> {
    await this.run([
      { command: 'deleteClient', username: deviceId },
      { command: 'deleteRole', rolename: roleOf(deviceId) },
    ], ABSENT);
    await this.run([
      { command: 'createRole', rolename: roleOf(deviceId), acls: acls(topics) },
      // clientid: the device may connect only with its own id as client id, as on the embedded broker.
      { command: 'createClient', username: deviceId, password: secret, clientid: deviceId, roles: [{ rolename: roleOf(deviceId) }] },
    ]);
  }

  async setSecret(deviceId: string, secret: string): Promise<void> {
    // Disabling kicks a live connection made with the old secret; enabling lets the new one in.
    await this.run([
      { command: 'setClientPassword', username: deviceId, password: secret },
      { command: 'disableClient', username: deviceId },
      { command: 'enableClient', username: deviceId },
    ]);
  }

  async setEnabled(deviceId: string, enabled: boolean): Promise<void> {
    await this.run([{ command: enabled ? 'enableClient' : 'disableClient', username: deviceId }]);
  }

  async setTopics(deviceId: string, topics: DeviceTopics): Promise<void> {
    await this.run([{ command: 'modifyRole', rolename: roleOf(deviceId), acls: acls(topics) }]);
  }

  async close(): Promise<void> {
    for (const w of this.waiting.values()) w.reject(new Error('provisioning closed'));
    this.waiting.clear();
    await this.client.endAsync();
  }

  /** Send commands in one message; resolves when every one is answered without an error (or one `tolerated`). */
  private async run(commands: Command[], tolerated?: RegExp): Promise<Answer[]> {
    const key = String(++this.seq);
    const answered = new Promise<Answer[]>((resolve, reject) => {
      this.waiting.set(key, { resolve, reject, answers: [], expected: commands.length });
      setTimeout(() => {
        if (!this.waiting.delete(key)) return;
        reject(new OneLotError('ONELOT_ERR_UNAVAILABLE', 'The MQTT broker did not answer the device provisioning request; try again in a few seconds.'));
      }, ANSWER_TIMEOUT_MS).unref();
    });
    await this.client.publishAsync(CONTROL, JSON.stringify({ commands: commands.map((c, i) => ({ ...c, correlationData: `${key}:${i}` })) }), { qos: 1 });
    const answers = await answered;
    const failed = answers.find((a) => a.error && !tolerated?.test(a.error));
    if (failed) throw new OneLotError('ONELOT_ERR_UNAVAILABLE', `The MQTT broker refused ${failed.command}: ${failed.error}`);
    return answers;
  }
}
