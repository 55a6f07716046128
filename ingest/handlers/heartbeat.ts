import type { HeartbeatMessage } from '../../core/protocol.ts';
import { baseEvent, rounded, type Handler } from './base.ts';

// Heartbeats keep last_seen, battery and the device's cadence current. A bay sensor's heartbeat may
// carry its reading (`occupied`): the bay's sensor evidence then, so a lost change heals within
// one interval (the bay's state is decided from it like from any report, ingest/bay-plan.ts).
export const handleHeartbeat: Handler<HeartbeatMessage> = (device, msg, eventTime, receivedAt) => {
  const observation = device.kind === 'bay-sensor' && device.bayCode && typeof msg.occupied === 'boolean'
    ? { bayCode: device.bayCode, occupied: msg.occupied } : undefined;
  return { ok: true, event: baseEvent(device, msg, eventTime, receivedAt, { battery: rounded(msg.battery, 3), observation }) };
};
