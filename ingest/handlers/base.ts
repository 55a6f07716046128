// What every handler shares: its signature, its result, and the event fields common to all messages.
import type { DeviceMessage, Rejection } from '../../core/protocol.ts';
import type { IngestEvent } from '../../core/ingest-events.ts';
import type { Device } from '../device-directory.ts';

export type HandlerResult = { ok: true; event: IngestEvent } | Rejection;
export type Handler<M extends DeviceMessage> = (device: Device, msg: M, eventTime: Date, receivedAt: Date) => HandlerResult;

export function baseEvent(device: Device, msg: DeviceMessage, eventTime: Date, receivedAt: Date): IngestEvent {
  return {
    deviceId: device.id, deviceKind: device.kind, seq: msg.seq, type: msg.type, eventTime, receivedAt,
    lotId: device.lotId, bayCode: device.bayCode, payload: msg,
  };
}
