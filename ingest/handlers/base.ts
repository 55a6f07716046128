// What every handler shares: its signature, its result, and the event fields common to all messages.
import type { DeviceMessage, Rejection, StoredPlateRead } from '../../core/protocol.ts';
import { lettersNoPlateHas } from '../../core/plates.ts';
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

/**
 * A reading rounded to `places` decimals, for the PostgreSQL `real` columns it reaches (battery in
 * devices, confidence in sessions via the stored payload). The protocol allows any number in range,
 * but `real` cannot hold e.g. 4e-277 V: such a reading failed the whole group commit it was in
 * (found by `npm run fuzz`). Millivolts and thousandths are all a device measures anyway.
 */
export function rounded(x: number | undefined, places: number): number | undefined {
  return x === undefined ? undefined : Math.round(x * 10 ** places) / 10 ** places;
}

/**
 * Keep what a camera sent as `plateAsRead` when normalising its plate took an I or O for 1 or 0
 * (plate rule 3 weighs such a read as a misread); drop a `plateAsRead` the device sent itself.
 */
export function keepAsRead(payload: StoredPlateRead, sent: string, normalised: boolean): void {
  if (normalised && lettersNoPlateHas(sent)) payload.plateAsRead = sent;
  else delete payload.plateAsRead;
}
