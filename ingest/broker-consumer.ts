// Devices on an existing MQTT broker (MQTT_BROKER_URL; docs/deploy.md): OneLot runs no broker and
// consumes device events through an MQTT 5 shared subscription, so any number of ingest processes
// split the devices' traffic between them.
//
// Durability rule, as on the embedded broker: a message is acknowledged (PUBACK to the broker) only
// once its transaction committed (mqtt.js `customHandleAcks`). Sessions are persistent (clean start
// off, a session expiry), so what a crashed process held unacknowledged stays in its session on the
// broker and is delivered again when a process with the same INGEST_ID reconnects. Mosquitto 2.0
// keeps a disconnected member in the shared group and keeps queueing its share to its session
// until it returns (measured here: docs/deploy.md) — a crash costs latency, not events.
//
// mqtt.js reads a connection's packets one at a time: the next PUBLISH is handled only after the
// previous one was acknowledged. The group commit needs many messages in flight, so one process
// holds INGEST_BROKER_CONNECTIONS sessions, each a member of the shared group with one message in
// flight; their messages meet in one EventWriter batch.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Pool } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ChangeFeed, DeviceChange } from '../core/changes.ts';
import type { BatchHook } from '../core/ingest-events.ts';
import { DeviceDirectory, type Device } from './device-directory.ts';
import { EventWriter } from './writer.ts';
import { acceptMessage } from './accept.ts';

export interface BrokerConsumerConfig {
  /** mqtt://user:password@host:port of OneLot's ingest account on the broker. */
  url: string;
  /** Sessions are onelot-ingest-{ingestId}-{n}: stable across restarts of this process. */
  ingestId: string;
  connections: number;
  batchMax: number;
  batchWaitMs: number;
  /** How long the broker keeps a disconnected session and its messages (s). */
  sessionExpirySeconds?: number;
}

export interface BrokerConsumerDeps {
  pool: Pool;
  metrics: Metrics;
  changes: ChangeFeed;
  log: { info(o: unknown, m?: string): void; warn(o: unknown, m?: string): void; error(o: unknown, m?: string): void };
  hooks?: BatchHook[];
}

export interface BrokerConsumer {
  writer: EventWriter;
  /** Sessions connected to the broker now. */
  connectedClients(): number;
  healthy(): boolean;
  close(): Promise<void>;
}

/** The group every ingest process joins: `$share/onelot-ingest/devices/+/events` (MQTT 5 §4.8.2). */
export const SHARE_GROUP = 'onelot-ingest';
export const SHARED_EVENTS = `$share/${SHARE_GROUP}/devices/+/events`;
/** A day: an ingest process restarted within it gets back every message its sessions held. */
const DEFAULT_SESSION_EXPIRY_S = 86_400;
/** A device's identity is looked up once and kept this long (and dropped at once when operators change it). */
const DEVICE_CACHE_MS = 60_000;
const UNKNOWN_CACHE_MS = 5_000;

export async function consumeBroker(config: BrokerConsumerConfig, deps: BrokerConsumerDeps): Promise<BrokerConsumer> {
  const { metrics, log } = deps;
  const writer = new EventWriter(deps.pool, {
    batchMax: config.batchMax, batchWaitMs: config.batchWaitMs, metrics, changes: deps.changes, log, hooks: deps.hooks,
  });
  await writer.start();
  const devices = deviceCache(new DeviceDirectory(deps.pool), deps.changes);
  let closing = false;

  const handle = (client: MqttClient): NonNullable<IClientOptions['customHandleAcks']> => (topic, payload, _packet, ack) => {
    const parts = topic.split('/');
    if (parts.length !== 3 || parts[0] !== 'devices' || parts[2] !== 'events') {
      log.warn({ topic }, 'ingest: a message outside devices/{id}/events reached the shared subscription; dropped');
      return ack(0);
    }
    devices.get(parts[1])
      .then((device) => device
        ? acceptMessage(writer, metrics, device, topic, payload)
        // The broker let it through, so the device was enabled when it published: disabled since.
        : writer.deadLetter({ deviceId: parts[1], topic, code: null, reason: 'the device is unknown or disabled; the broker accepted its message before it was', payload: payload.toString('utf8') }))
      .then(
        () => ack(0),
        (err: Error) => {
          // Not committed: no PUBACK. Drop the connection; the broker sends the message again on the
          // resumed session [MQTT-4.4.0-1], to this process or, after its restart, to it again.
          if (!closing) log.error({ err, topic }, 'ingest: not committed; reconnecting so the broker delivers it again');
          client.stream.destroy();
        },
      );
  };

  const url = new URL(config.url);
  const clients: MqttClient[] = [];
  let connected = 0;
  for (let n = 0; n < config.connections; n++) {
    const clientId = `onelot-ingest-${config.ingestId}-${n}`;
    const client: MqttClient = mqtt.connect(`${url.protocol}//${url.host}`, {
      clientId, protocolVersion: 5, clean: false, reconnectPeriod: 1000, connectTimeout: 10_000,
      username: decodeURIComponent(url.username) || undefined, password: decodeURIComponent(url.password) || undefined,
      properties: { sessionExpiryInterval: config.sessionExpirySeconds ?? DEFAULT_SESSION_EXPIRY_S },
      customHandleAcks: (...args) => handle(client)(...args),
    });
    let up = false;
    client.on('connect', (connack) => {
      if (!up) metrics.mqttClients.set(++connected);
      up = true;
      // A resumed session still holds its subscription; a new one subscribes.
      if (!connack.sessionPresent) {
        client.subscribe(SHARED_EVENTS, { qos: 1 }, (err, granted) => {
          if (err || granted?.some((g) => g.qos > 1)) log.error({ err, granted, clientId }, `ingest: the broker refused the subscription to ${SHARED_EVENTS}; give OneLot's ingest account that right (docs/deploy.md)`);
        });
      }
    });
    client.on('close', () => { if (up) metrics.mqttClients.set(--connected); up = false; });
    client.on('error', (err) => log.warn({ clientId, err: err.message }, 'ingest: broker connection error'));
    clients.push(client);
  }
  await Promise.race([
    new Promise<void>((resolve) => clients[0].once('connect', () => resolve())),
    new Promise<void>((_, reject) => clients[0].once('error', (err) => reject(new Error(`cannot connect to MQTT_BROKER_URL ${url.host}: ${err.message}`)))),
  ]).catch(async (err) => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    throw err;
  });
  log.info({ broker: url.host, sessions: config.connections, subscription: SHARED_EVENTS }, 'ingest: consuming device events from the external broker');

  return {
    writer,
    connectedClients: () => connected,
    healthy: () => clients.some((c) => c.connected),
    async close() {
      closing = true;
      devices.close();
      // Commit (and acknowledge) what is in hand; what arrives meanwhile is left unacknowledged for the broker to send again.
      await writer.close();
      await Promise.all(clients.map((c) => c.endAsync()));
    },
  };
}

/** Devices by id, looked up once a minute at most; a device operators change is looked up again at once. */
function deviceCache(directory: DeviceDirectory, changes: ChangeFeed) {
  const cache = new Map<string, { device: Promise<Device | null>; at: number /* until */ }>();
  const forget = ({ deviceId }: DeviceChange) => { cache.delete(deviceId); };
  changes.on('devices', forget);
  return {
    get(id: string): Promise<Device | null> {
      const hit = cache.get(id);
      if (hit && Date.now() < hit.at) return hit.device;
      const device = directory.find(id);
      cache.set(id, { device, at: Date.now() + DEVICE_CACHE_MS });
      // An unknown device (or a failed lookup) is asked again soon: it may be registered or enabled now.
      device.then((d) => { if (!d) cache.set(id, { device, at: Date.now() + UNKNOWN_CACHE_MS }); }, () => cache.delete(id));
      return device;
    },
    close: () => changes.off('devices', forget),
  };
}
