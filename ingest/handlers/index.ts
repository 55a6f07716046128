// One dispatcher over small per-message handlers: each turns a validated message from a known
// device into what we store (an event row, maybe a bay observation) or a reason to dead-letter it.
import type { DeviceMessage } from '../../core/protocol.ts';
import type { Device } from '../device-directory.ts';
import type { HandlerResult } from './base.ts';
import { handleOccupancy } from './occupancy.ts';
import { handleCamera } from './camera.ts';
import { handleGate } from './gate.ts';
import { handleHeartbeat } from './heartbeat.ts';

export function dispatch(device: Device, msg: DeviceMessage, eventTime: Date, receivedAt: Date): HandlerResult {
  switch (msg.type) {
    case 'occupancy': return handleOccupancy(device, msg, eventTime, receivedAt);
    case 'bay': return handleCamera(device, msg, eventTime, receivedAt);
    case 'gate': return handleGate(device, msg, eventTime, receivedAt);
    case 'heartbeat': return handleHeartbeat(device, msg, eventTime, receivedAt);
  }
}
