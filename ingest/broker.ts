// The embedded MQTT broker (aedes, MQTT 3.1/3.1.1) that devices connect to.
// Durability rule: a QoS 1 PUBACK means "committed". aedes writes PUBACK right after
// authorizePublish succeeds, so validation AND the durable write happen inside authorizePublish.
import net from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import type { Pool } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ChangeFeed } from '../core/changes.ts';
import { eventsTopic, commandsTopic } from '../core/protocol.ts';
import { DeviceDirectory, type Device } from './device-directory.ts';
import { EventWriter } from './writer.ts';
import { EvidenceChecker } from './evidence-check.ts';
import { ConnectLimiter } from './connect-limiter.ts';
import { ConnectRateLimiter, DEFAULT_CONNECT_RATES, type ConnectRates } from './connect-rate.ts';
import { LimitedSocket } from './packet-limit.ts';
import { ReadGate } from './read-gate.ts';
import type { BatchHook } from '../core/ingest-events.ts';
import { acceptThen } from './accept.ts';
import { followDeviceChanges } from './device-changes.ts';
import { shareConnectOutcomes } from './connect-sharing.ts';

export interface BrokerConfig {
  batchMax: number;
  batchWaitMs: number;
  /** Largest MQTT packet read, bytes (MQTT_MAX_PACKET_BYTES; ingest/packet-limit.ts). */
  maxPacketBytes?: number;
  /** Connection attempts per address and per device id (ingest/connect-rate.ts). */
  connectRates?: ConnectRates;
  /** Stop reading device sockets at this many uncommitted messages; read again at half (ingest/read-gate.ts). */
  backlogMax: number;
  /**
   * Real ms between device fault checks (ingest/evidence-check.ts), run after commits; default
   * 500 (a fleet at 30× beats every 20 s: a pass's lag is 2.5 % of an interval; a pass reads only
   * memory, ~ms); 0 turns them off (tests that run the check themselves).
   */
  evidenceCheckMs?: number;
  /** Other ingest processes write to the same database (ingest/writer.ts `shared`). */
  shared?: boolean;
}

/** 16 KiB: a device message is at most 4 KiB of payload (docs/device-protocol.md). */
const DEFAULT_MAX_PACKET_BYTES = 16_384;
export interface BrokerDeps {
  pool: Pool;
  metrics: Metrics;
  changes: ChangeFeed;
  log: { info(o: unknown, m?: string): void; warn(o: unknown, m?: string): void; error(o: unknown, m?: string): void };
  hooks?: BatchHook[];
}

export interface Broker {
  aedes: Aedes;
  writer: EventWriter;
  /** Listen on host:port (0 = any free port); resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  connectedClients(): number;
  /** Accepting devices (for /healthz). */
  healthy(): boolean;
  close(): Promise<void>;
}

// MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2-3].
const SERVER_UNAVAILABLE = 3;
const NOT_AUTHORIZED = 5;

export class PortInUseError extends Error {}

/** The device id in devices/{id}/{leaf}, or undefined. */
function childOf(topic: string, leaf: 'events' | 'commands'): string | undefined {
  const parts = topic.split('/');
  return parts.length === 3 && parts[0] === 'devices' && parts[2] === leaf ? parts[1] : undefined;
}

/** What the hooks share: which device each connection authenticated as, and where events go. */
interface HookContext {
  directory: DeviceDirectory;
  writer: EventWriter;
  devices: WeakMap<object, Device>;
  limiter: Pick<ConnectLimiter, 'retryAfterMs' | 'fail' | 'succeed'>;
  rates: ConnectRateLimiter;
  metrics: Metrics;
  log: BrokerDeps['log'];
}

export async function buildBroker(config: BrokerConfig, deps: BrokerDeps): Promise<Broker> {
  const { metrics, log } = deps;
  const directory = new DeviceDirectory(deps.pool);
  // A slow or stalled database must not turn into memory: past backlogMax uncommitted messages the
  // broker reads no device socket until the writer is down to half (docs/security.md, "Chaos").
  const gate: ReadGate = new ReadGate({
    high: config.backlogMax, low: Math.floor(config.backlogMax / 2), backlog: () => writer.backlog,
    onPause: (paused) => {
      metrics.ingestReadingPaused.set(paused ? 1 : 0);
      if (paused) log.warn({ backlog: writer.backlog }, 'ingest: the database is behind; reading from devices paused until it catches up');
      else log.info({ backlog: writer.backlog }, 'ingest: reading from devices resumed');
    },
  });
  const writer = new EventWriter(deps.pool, {
    batchMax: config.batchMax, batchWaitMs: config.batchWaitMs, metrics, changes: deps.changes, log, hooks: deps.hooks, shared: config.shared,
    onCommitted: () => { gate.committed(); evidence?.poke(); },
  });
  await writer.start();
  const everyMs = config.evidenceCheckMs ?? 500;
  const evidence = everyMs > 0 ? new EvidenceChecker({ pool: deps.pool, bays: writer.bays, devices: writer.devices, gates: writer.gates, shared: config.shared }, (bays) => writer.recheck(bays), everyMs, log) : null;
  // Several ingest processes: wrong secrets are counted by all together (ingest/connect-sharing.ts).
  const shared = deps.changes.relayed ? shareConnectOutcomes(new ConnectLimiter(), deps.changes) : undefined;
  const limiter = shared ?? new ConnectLimiter();
  const ctx: HookContext = {
    directory, writer, devices: new WeakMap<object, Device>(), limiter,
    rates: new ConnectRateLimiter(config.connectRates ?? DEFAULT_CONNECT_RATES), metrics, log,
  };

  const options: AedesOptions = {
    // Device ids like "sen-ZZ-JS-0012-03" are longer than MQTT 3.1's 23-character client id limit.
    maxClientsIdLength: 128,
    // A device that connects and says nothing is dropped after 10 s instead of holding a socket.
    // A CONNECT trickled slowly is cut by it too; one announcing more than maxPacketBytes is cut at
    // its header (ingest/packet-limit.ts). aedes 1.2 and mqtt-packet's parser have no packet size
    // limit of their own (mqtt-packet's maximumPacketSize is an MQTT 5 property it only sends).
    connectTimeout: 10_000,
    // Device sessions and topics are shallow; refuse anything deeper before routing.
    maxTopicLevels: 8,

    authenticate: authenticate(ctx),
    authorizeSubscribe: authorizeSubscribe(ctx),
    authorizePublish: authorizePublish(ctx),
  };

  const aedes = await Aedes.createBroker(options);
  endAtTheWriter(aedes);
  aedes.on('clientError', (client, err) => log.warn({ clientId: client?.id, err: err.message }, 'MQTT client error'));
  aedes.on('connectionError', (client, err) => log.warn({ clientId: client?.id, err: err.message }, 'MQTT connection error'));

  const maxPacketBytes = config.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const server = net.createServer((socket) => {
    const address = socket.remoteAddress;
    const limited = new LimitedSocket(socket, {
      maxPacketBytes,
      onCut(reason, { announcedBytes }) {
        metrics.mqttCut.inc({ reason });
        log.warn({ address, announcedBytes, maxPacketBytes }, reason === 'bad_length'
          ? 'MQTT connection closed: malformed packet length'
          : 'MQTT connection closed: a packet larger than MQTT_MAX_PACKET_BYTES');
      },
    });
    aedes.handle(limited);
    if (!gate.attach(limited)) log.warn({}, 'ingest: aedes no longer reads sockets as the read gate expects; this connection is not gated');
  });
  let connected = 0;
  aedes.on('client', () => metrics.mqttClients.set(++connected));
  aedes.on('clientDisconnect', () => metrics.mqttClients.set(--connected));
  const unfollow = followDeviceChanges(aedes, ctx.devices, deps.changes, log);

  return {
    aedes,
    writer,
    connectedClients: () => connected,
    healthy: () => !aedes.closed,
    listen: (port, host = '127.0.0.1') => listen(server, port, host),
    async close() {
      // Stop accepting, disconnect devices, then commit whatever they already sent.
      unfollow();
      shared?.stop();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      gate.close();
      await evidence?.stop();
      await writer.close();
      await serverClosed;
    },
  };
}

/** CONNECT: the username is the device id, the password its secret (ingest/device-directory.ts). */
function authenticate({ directory, devices, limiter, rates, metrics, log }: HookContext): NonNullable<AedesOptions['authenticate']> {
  return (client, username, password, done) => {
    const refuse = (why: string, returnCode = NOT_AUTHORIZED, quiet = false) => {
      metrics.mqttRefused.inc({ what: 'connect' });
      if (!quiet) log.warn({ clientId: client.id, username }, `MQTT connect refused: ${why}`);
      const err = Object.assign(new Error(why), { returnCode });
      done(err as never, false);
    };
    const address = (client.conn as { remoteAddress?: string }).remoteAddress ?? '';
    // Reconnect floods: before anything else, per address and per device id (ingest/connect-rate.ts).
    // CONNACK 3 (server unavailable) tells a client to come back later; logged once per run of refusals.
    const rate = rates.attempt(username || client.id, address);
    if (!rate.ok) {
      metrics.mqttThrottled.inc({ by: rate.by });
      return refuse(`too many connection attempts from this ${rate.by === 'address' ? 'address' : 'device id'}; retry in ${Math.ceil(rate.retryAfterMs / 1000)} s`, SERVER_UNAVAILABLE, !rate.first);
    }
    if (!username || !password) return refuse('username (device id) and password (device secret) are required');
    // A client id is a session: a CONNECT with a connected client's id takes that session over
    // [MQTT-3.1.4-2]. Were it free, any device could kick another offline by borrowing its id.
    if (client.id !== username) return refuse('the client id must be the device id');
    // Repeated wrong secrets: refused here, without the database (ingest/connect-limiter.ts).
    const wait = limiter.retryAfterMs(username, address);
    if (wait > 0) return refuse(`too many wrong secrets; retry in ${Math.ceil(wait / 1000)} s`);
    directory.authenticate(username, password.toString('utf8')).then(
      (device) => {
        if (!device) {
          limiter.fail(username, address);
          return refuse('unknown device or wrong secret');
        }
        limiter.succeed(username, address);
        devices.set(client, device);
        done(null, true);
      },
      (err) => {
        log.error({ err }, 'device lookup failed');
        const e = Object.assign(new Error('server unavailable'), { returnCode: 3 });
        done(e as never, false);
      },
    );
  };
}

/** SUBSCRIBE: a device may listen to its own commands topic (a gateway also to its children's). */
function authorizeSubscribe({ devices, metrics, log }: HookContext): NonNullable<AedesOptions['authorizeSubscribe']> {
  return (client, sub, done) => {
    const device = devices.get(client);
    if (device && (sub.topic === commandsTopic(device.id) || device.children?.has(childOf(sub.topic, 'commands') ?? ''))) return done(null, sub);
    metrics.mqttRefused.inc({ what: 'subscribe' });
    log.warn({ device: device?.id, topic: sub.topic }, 'MQTT subscribe refused: a device may subscribe only to devices/{its id}/commands');
    // A null subscription answers SUBACK 0x80 (failure) and keeps the connection [MQTT-3.9.3-2].
    done(null, null);
  };
}

/**
 * The mark on a PUBLISH packet the writer stored: it ends there (endAtTheWriter). A property of
 * the packet, where a WeakSet of them kept an entry per message for the collector to sweep.
 */
const STORED = Symbol('stored by the writer');
type Stored = object & { [STORED]?: true };

/**
 * PUBLISH: topic, then payload, then the durable write, and only then done(), after which aedes
 * sends PUBACK: the durability rule (PUBACK means committed) lives here.
 */
function authorizePublish({ writer, devices, metrics, log }: HookContext): NonNullable<AedesOptions['authorizePublish']> {
  return (client, packet, done) => {
    const connected = client ? devices.get(client) : undefined;
    // A device publishes for itself; a gateway also for each child registered under it.
    const device = !connected ? undefined
      : packet.topic === eventsTopic(connected.id) ? connected
      : connected.children?.get(childOf(packet.topic, 'events') ?? '');
    if (!device) {
      metrics.mqttRefused.inc({ what: 'publish' });
      log.warn({ device: connected?.id, topic: packet.topic }, 'MQTT publish refused: a device may publish only to devices/{its id}/events (a gateway also to its children\'s)');
      // MQTT 3.1.1 has no negative PUBACK: the connection is closed and nothing is stored [MQTT-3.3.5-2].
      return done(new Error(`publishing to ${packet.topic} is not allowed`));
    }
    // Device events are ours to keep, not to redistribute as retained messages.
    packet.retain = false;
    acceptThen(writer, metrics, device, packet.topic, packet.payload as Buffer, (err) => {
      // Not committed: close the connection without PUBACK so the device resends.
      if (err) return done(err);
      (packet as Stored)[STORED] = true;
      done(null);
    });
  };
}

/**
 * A stored device event is not routed on after its PUBACK: nobody may subscribe to devices/+/events
 * (authorizeSubscribe allows a device only its commands topic), so aedes' QoS 1 publish — a lookup
 * of offline subscriptions in its persistence, an mqemitter emit, its 'publish' event — was work for
 * no one on every message (issue 14, measured in docs/performance.md "A leaner ingest path").
 * Everything else (commands to devices, $SYS) is published as before.
 */
function endAtTheWriter(aedes: Aedes): void {
  const publish = aedes.publish.bind(aedes) as (packet: Stored, client: unknown, done?: (err?: Error | null) => void) => void;
  (aedes as unknown as { publish: typeof publish }).publish = (packet, client, done) => {
    if (typeof client !== 'function' && packet[STORED] === true) return done?.(null);
    publish(packet, client, done);
  };
}

/** Listen on host:port; resolves with the bound port, or a PortInUseError that says what to do. */
function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new PortInUseError(`MQTT port ${port} on ${host} is already in use (is Mosquitto or another OneLot running?). Set MQTT_PORT to a free port, e.g. MQTT_PORT=1884.`));
      } else reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
