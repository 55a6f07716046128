import type { OccupancyMessage } from '../../core/protocol.ts';
import { baseEvent, rounded, type Handler } from './base.ts';

// A bay sensor reports the one bay it sits in.
export const handleOccupancy: Handler<OccupancyMessage> = (device, msg, eventTime, receivedAt) => {
  if (!device.bayCode) return { ok: false, code: 'not_installed', reason: `sensor ${device.id} is not installed in any bay; register it to a bay first` };
  return {
    ok: true,
    event: baseEvent(device, msg, eventTime, receivedAt, { observation: { bayCode: device.bayCode, occupied: msg.occupied }, battery: rounded(msg.battery, 3) }),
  };
};
