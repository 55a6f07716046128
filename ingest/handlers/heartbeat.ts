import type { HeartbeatMessage } from '../../core/protocol.ts';
import { baseEvent, rounded, type Handler } from './base.ts';

// Heartbeats keep last_seen and battery current; they never touch bay state.
export const handleHeartbeat: Handler<HeartbeatMessage> = (device, msg, eventTime, receivedAt) => ({
  ok: true,
  event: { ...baseEvent(device, msg, eventTime, receivedAt), battery: rounded(msg.battery, 3) },
});
