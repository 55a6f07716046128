// Operators rotate, disable and reassign devices (operators/devices.ts) while the devices are
// connected. A connection is authenticated once, at CONNECT, and its Device is cached for its life
// (broker.ts), so a change must reach the live connection: the operators module publishes it on the
// change feed (core/changes.ts), and this closes the connection it makes stale. A rotated or disabled
// device then fails its next CONNECT with the old secret; a reassigned one reconnects with its new
// bays. A gateway's children are cached with it: a disabled child is dropped from the gateway's map,
// a changed one closes the gateway so it reconnects with the new set.
import type { Aedes, Client } from 'aedes';
import type { ChangeFeed, DeviceChange } from '../core/changes.ts';
import type { Device } from './device-directory.ts';

interface Log { info(o: unknown, m?: string): void }

export function followDeviceChanges(aedes: Aedes, devices: WeakMap<object, Device>, changes: ChangeFeed, log: Log): () => void {
  // Authenticated connections by device id (the MQTT client id is the device id, broker.ts).
  const live = new Map<string, Client>();
  aedes.on('client', (client) => { if (devices.has(client)) live.set(client.id, client); });
  aedes.on('clientDisconnect', (client) => { if (live.get(client.id) === client) live.delete(client.id); });

  const onChange = ({ deviceId, action }: DeviceChange) => {
    const own = live.get(deviceId);
    if (own) {
      log.info({ device: deviceId, action }, 'closing the live connection of a changed device');
      own.close();
    }
    for (const client of live.values()) {
      const gateway = devices.get(client);
      if (!gateway?.children?.has(deviceId)) continue;
      if (action === 'disabled') gateway.children.delete(deviceId);
      else if (action === 'updated') {
        log.info({ gateway: gateway.id, device: deviceId }, 'closing a gateway whose child changed');
        client.close();
      }
    }
  };
  changes.on('devices', onChange);
  return () => changes.off('devices', onChange);
}
