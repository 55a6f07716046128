// Devices on an existing MQTT broker (MQTT_BROKER_URL; docs/deploy.md): OneLot runs no broker and
// consumes device events through an MQTT 5 shared subscription, so any number of ingest processes
// split the devices' traffic between them.
//
// Durability rule, as on the embedded broker: a message is acknowledged (PUBACK to the broker) only
// once its transaction committed (broker-session.ts). Sessions are persistent (clean start
// off, a session expiry), so what a crashed process held unacknowledged stays in its session on the
// broker and is delivered again when a process with the same INGEST_ID reconnects. Mosquitto 2.0
// keeps a disconnected member in the shared group and keeps queueing its share to its session
// (measured here: docs/deploy.md), so until that process returns another one adopts its sessions
// (session-leases.ts): a crash costs seconds of latency, not events.
//
// The group commit needs many messages in flight: each session lets the broker send up to
// INGEST_BROKER_IN_FLIGHT unacknowledged (MQTT 5 Receive Maximum), and the PUBACKs of a commit go
// out together, in arrival order (broker-session.ts). A few sessions per process are enough; more
// spread one process's share over more queues on the broker.
import type { Pool } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ChangeFeed, DeviceChange } from '../core/changes.ts';
import type { BatchHook } from '../core/ingest-events.ts';
import { DeviceDirectory, type Device } from './device-directory.ts';
import { EventWriter } from './writer.ts';
import { EvidenceChecker } from './evidence-check.ts';
import { acceptMessage } from './accept.ts';
import { leaseSessions, type SessionGroup } from './session-leases.ts';
import { BrokerSession } from './broker-session.ts';

export interface BrokerConsumerConfig {
  /** mqtt://user:password@host:port of OneLot's ingest account on the broker. */
  url: string;
  /** Sessions are onelot-ingest-{ingestId}-{n}: stable across restarts of this process. */
  ingestId: string;
  connections: number;
  /** Messages each session may hold unacknowledged (MQTT 5 Receive Maximum). */
  inFlight: number;
  batchMax: number;
  batchWaitMs: number;
  /** Other processes write to the database too (ingest/writer.ts `shared`). */
  shared?: boolean;
  /** How long the broker keeps a disconnected session and its messages (s). */
  sessionExpirySeconds?: number;
  /** Real ms between device fault checks, as on the embedded broker (ingest/broker.ts); 0 turns them off. */
  evidenceCheckMs?: number;
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
  /** INGEST_IDs of other processes whose sessions this one drains now (session-leases.ts). */
  adopted(): string[];
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
/** MQTT 5 DISCONNECT reason code: another connection with this client id took the session [MQTT-3.1.4-3]. */
const SESSION_TAKEN_OVER = 0x8e;

export async function consumeBroker(config: BrokerConsumerConfig, deps: BrokerConsumerDeps): Promise<BrokerConsumer> {
  const { metrics, log } = deps;
  const writer = new EventWriter(deps.pool, {
    batchMax: config.batchMax, batchWaitMs: config.batchWaitMs, metrics, changes: deps.changes, log, hooks: deps.hooks, shared: config.shared,
    onCommitted: () => evidence?.poke(),
  });
  await writer.start();
  // Faulty devices found at the pace of the devices' clocks, on the events this process stores
  // (ingest/evidence-check.ts; with several processes a silence is confirmed on the database).
  const everyMs = config.evidenceCheckMs ?? 500;
  const evidence = everyMs > 0 ? new EvidenceChecker({ pool: deps.pool, bays: writer.bays, devices: writer.devices, gates: writer.gates, shared: config.shared }, (bays) => writer.recheck(bays), everyMs, log) : null;
  const devices = deviceCache(new DeviceDirectory(deps.pool), deps.changes);
  let closing = false;

  const store = (device: Device | null, deviceId: string, topic: string, payload: Buffer): Promise<void> => device
    ? acceptMessage(writer, metrics, device, topic, payload)
    // The broker let it through, so the device was enabled when it published: disabled since.
    : writer.deadLetter({ deviceId, topic, code: null, reason: 'the device is unknown or disabled; the broker accepted its message before it was', payload: payload.toString('utf8') });
  const onMessage = (topic: string, payload: Buffer, ack: () => void, fail: (err: Error) => void) => {
    const deviceId = eventsDeviceId(topic);
    if (deviceId === null) {
      log.warn({ topic }, 'ingest: a message outside devices/{id}/events reached the shared subscription; dropped');
      return ack();
    }
    const known = devices.known(deviceId);
    (known !== undefined ? store(known, deviceId, topic, payload) : devices.get(deviceId).then((d) => store(d, deviceId, topic, payload))).then(ack, (err: Error) => {
      // Not committed: no PUBACK. The session drops its connection; the broker sends the message
      // again on the resumed session [MQTT-4.4.0-1], to this process or, after its restart, to it again.
      if (!closing) log.error({ err, topic }, 'ingest: not committed; reconnecting so the broker delivers it again');
      fail(err);
    });
  };

  const url = new URL(config.url);
  let connected = 0;
  const counted = { up: () => metrics.mqttClients.set(++connected), down: () => metrics.mqttClients.set(--connected) };
  const open = (ingestId: string, count: number, adopted: boolean) => openSessions(url, ingestId, count, {
    adopted, onMessage, counted, log, inFlight: config.inFlight, sessionExpirySeconds: config.sessionExpirySeconds ?? DEFAULT_SESSION_EXPIRY_S,
  });
  const own = open(config.ingestId, config.connections, false);
  await own.connected.catch(async (err) => {
    await own.end();
    throw err;
  });
  // Sessions of ingest processes that are gone are drained by this one until they return.
  const leases = await leaseSessions(deps.pool, { ingestId: config.ingestId, sessions: config.connections, log, adopt: (id, count) => open(id, count, true) });
  log.info({ broker: url.host, sessions: config.connections, inFlight: config.inFlight, subscription: SHARED_EVENTS }, 'ingest: consuming device events from the external broker');

  return {
    writer,
    connectedClients: () => connected,
    healthy: () => own.clients.some((c) => c.connected),
    adopted: () => leases.adopted(),
    async close() {
      closing = true;
      devices.close();
      await leases.stop();
      await evidence?.stop();
      // Commit (and acknowledge) what is in hand; what arrives meanwhile is left unacknowledged for the broker to send again.
      await writer.close();
      await Promise.all([own.end(), leases.endAdopted()]);
      // Now that nothing of ours is in flight, another process may take these sessions at once.
      await leases.release();
    },
  };
}

interface SessionOptions {
  adopted: boolean;
  onMessage: ConstructorParameters<typeof BrokerSession>[0]['onMessage'];
  counted: { up(): void; down(): void };
  log: BrokerConsumerDeps['log'];
  inFlight: number;
  sessionExpirySeconds: number;
}

/** An INGEST_ID's sessions: `count` persistent members of the shared group. */
function openSessions(url: URL, ingestId: string, count: number, o: SessionOptions): SessionGroup {
  const clients: BrokerSession[] = [];
  let ended = false;
  const end = async () => {
    if (ended) return;
    ended = true;
    await Promise.all(clients.map((c) => c.end()));
  };
  for (let n = 0; n < count; n++) {
    const clientId = `onelot-ingest-${ingestId}-${n}`;
    clients.push(new BrokerSession({
      url, clientId, subscription: SHARED_EVENTS, sessionExpirySeconds: o.sessionExpirySeconds, receiveMaximum: o.inFlight,
      onMessage: o.onMessage,
      on: {
        connected: () => o.counted.up(),
        closed: () => o.counted.down(),
        refused: (granted) => o.log.error({ granted, clientId }, `ingest: the broker refused the subscription to ${SHARED_EVENTS}; give OneLot's ingest account that right (docs/deploy.md)`),
        // MQTT 5 DISCONNECT 0x8E, session taken over: the owner of adopted sessions is back; let it have them.
        disconnected: (reasonCode) => { if (o.adopted && reasonCode === SESSION_TAKEN_OVER) void end(); },
        error: (err) => o.log.warn({ clientId, err: err.message }, 'ingest: broker connection error'),
      },
    }));
  }
  const connected = clients[0].firstConnected.catch((err: Error) => { throw new Error(`cannot connect to MQTT_BROKER_URL ${url.host}: ${err.message}`); });
  connected.catch(() => {});
  return { ingestId, clients, connected, end };
}

/** The {id} of devices/{id}/events; null for any other topic. */
function eventsDeviceId(topic: string): string | null {
  if (!topic.startsWith('devices/') || !topic.endsWith('/events')) return null;
  const id = topic.slice(8, -7);
  return id && !id.includes('/') ? id : null;
}

/** Devices by id, looked up once a minute at most; a device operators change is looked up again at once. */
/** A lookup, its answer once in (`resolved`), and until when it holds (`at`). */
interface CachedDevice { device: Promise<Device | null>; resolved?: Device | null; at: number }

function deviceCache(directory: DeviceDirectory, changes: ChangeFeed) {
  const cache = new Map<string, CachedDevice>();
  const forget = ({ deviceId }: DeviceChange) => { cache.delete(deviceId); };
  changes.on('devices', forget);
  return {
    /** The device if its lookup is in hand and fresh (no promise to wait on); undefined otherwise. */
    known(id: string): Device | null | undefined {
      const hit = cache.get(id);
      return hit && Date.now() < hit.at ? hit.resolved : undefined;
    },
    get(id: string): Promise<Device | null> {
      const hit = cache.get(id);
      if (hit && Date.now() < hit.at) return hit.device;
      const device = directory.find(id);
      const entry: CachedDevice = { device, at: Date.now() + DEVICE_CACHE_MS };
      cache.set(id, entry);
      // An unknown device (or a failed lookup) is asked again soon: it may be registered or enabled now.
      device.then((d) => {
        entry.resolved = d;
        if (!d) entry.at = Date.now() + UNKNOWN_CACHE_MS;
      }, () => { if (cache.get(id) === entry) cache.delete(id); });
      return device;
    },
    close: () => changes.off('devices', forget),
  };
}
