// One dispatcher over small per-message handlers: each turns a validated message from a known
// device into what we store (an event row, maybe a bay observation) or a reason to dead-letter it.
import type { DeviceMessage } from '../../core/protocol.ts';
import type { Device } from '../device-directory.ts';
import { handleOccupancy } from './occupancy.ts';
import { handleCamera } from './camera.ts';
import { handleGate } from './gate.ts';
import { handleHeartbeat } from './heartbeat.ts';

export interface IngestEvent {
  deviceId: string;
  deviceKind: Device['kind'];
  seq: number;
  type: DeviceMessage['type'];
  eventTime: Date;
  receivedAt: Date;
  lotId: string | null;
  bayCode: string | null;
  payload: DeviceMessage;
  /** A bay occupancy observation to apply to bay_state (sensors and high-mount cameras). */
  observation?: { bayCode: string; occupied: boolean };
  battery?: number;
}

export type HandlerResult = { ok: true; event: IngestEvent } | { ok: false; reason: string };
export type Handler<M extends DeviceMessage> = (device: Device, msg: M, eventTime: Date, receivedAt: Date) => HandlerResult;

export function baseEvent(device: Device, msg: DeviceMessage, eventTime: Date, receivedAt: Date): IngestEvent {
  return {
    deviceId: device.id, deviceKind: device.kind, seq: msg.seq, type: msg.type, eventTime, receivedAt,
    lotId: device.lotId, bayCode: device.bayCode, payload: msg,
  };
}

export function dispatch(device: Device, msg: DeviceMessage, eventTime: Date, receivedAt: Date): HandlerResult {
  switch (msg.type) {
    case 'occupancy': return handleOccupancy(device, msg, eventTime, receivedAt);
    case 'bay': return handleCamera(device, msg, eventTime, receivedAt);
    case 'gate': return handleGate(device, msg, eventTime, receivedAt);
    case 'heartbeat': return handleHeartbeat(device, msg, eventTime, receivedAt);
  }
}
