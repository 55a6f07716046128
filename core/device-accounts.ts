// Device accounts on an external MQTT broker (MQTT_BROKER_URL). Device credentials and ACLs stay
// OneLot's: the operators module registers, rotates, disables and enables devices, and when devices
// connect to a broker OneLot does not run, each of those changes is also made there, through this
// interface (Mosquitto's dynamic security: ingest/dynsec-accounts.ts). Declared here so operators/
// does not import ingest/.
import { commandsTopic, eventsTopic } from './protocol.ts';

/** What a device may do on the broker: the same rule the embedded broker enforces (ingest/broker.ts). */
export interface DeviceTopics {
  /** devices/{id}/events, and a gateway's children's. */
  publish: string[];
  /** devices/{id}/commands, and a gateway's children's. */
  subscribe: string[];
}

export interface BrokerAccounts {
  /** Create (or replace) the device's account: the secret as its password, its client id, its topics. */
  provision(deviceId: string, secret: string, topics: DeviceTopics): Promise<void>;
  /** A new secret; a connection made with the old one is closed. */
  setSecret(deviceId: string, secret: string): Promise<void>;
  /** Disable (closing a live connection) or enable a device's account. */
  setEnabled(deviceId: string, enabled: boolean): Promise<void>;
  /** Replace what a device may publish and subscribe to (a gateway whose children changed). */
  setTopics(deviceId: string, topics: DeviceTopics): Promise<void>;
  close(): Promise<void>;
}

/** A device's topics, with its (enabled) children's when it is a gateway. */
export function deviceTopics(deviceId: string, children: readonly string[] = []): DeviceTopics {
  const ids = [deviceId, ...children];
  return { publish: ids.map(eventsTopic), subscribe: ids.map(commandsTopic) };
}
