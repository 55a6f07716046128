// What every handler shares: its signature, its result, and the event fields common to all messages.
import type { DeviceMessage, Rejection, StoredPlateRead } from '../../core/protocol.ts';
import { lettersNoPlateHas } from '../../core/plates.ts';
import type { IngestEvent } from '../../core/ingest-events.ts';
import type { Device } from '../device-directory.ts';

export type HandlerResult = { ok: true; event: IngestEvent } | Rejection;
/**
 * A handler never changes `msg`: a payload to store differently is a copy. An event whose payload
 * is `msg` itself is stored as the device's own text (ingest/accept.ts).
 */
export type Handler<M extends DeviceMessage> = (device: Device, msg: M, eventTime: Date, receivedAt: Date) => HandlerResult;

/**
 * An event, every field in one order whatever its type: one hidden class for all of them in V8, so
 * the writer's per-event code stays monomorphic. Spreading this into a literal with more fields
 * gave each handler's events a shape of their own: the external-broker benchmark stored ~20 % more
 * once occupancy events were built whole (docs/performance.md, "Twenty-third session").
 */
export function baseEvent(device: Device, msg: DeviceMessage, eventTime: Date, receivedAt: Date,
  o: { bayCode?: string; observation?: IngestEvent['observation']; battery?: number } = {}): IngestEvent {
  return {
    deviceId: device.id, deviceKind: device.kind, seq: msg.seq, type: msg.type, eventTime, receivedAt,
    lotId: device.lotId, bayCode: o.bayCode ?? device.bayCode, payload: msg, payloadText: null,
    observation: o.observation, battery: o.battery,
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
