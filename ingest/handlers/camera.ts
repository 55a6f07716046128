import type { BayCameraMessage, StoredPlateRead } from '../../core/protocol.ts';
import { normalizePlate } from '../../core/plates.ts';
import { baseEvent, keepAsRead, rounded, type Handler } from './base.ts';

// A high-mount camera reports one of the on-street bays assigned to it. The plate is normalised
// here so every later consumer (sessions, billing) sees one spelling; an unreadable plate is kept
// as read, since occupancy is still valid without it.
export const handleCamera: Handler<BayCameraMessage> = (device, msg, eventTime, receivedAt) => {
  if (!device.bays.has(msg.bay)) {
    return { ok: false, code: 'bay_not_assigned', reason: `bay "${msg.bay}" is not assigned to camera ${device.id}; only its assigned bays may be reported` };
  }
  const payload: BayCameraMessage & StoredPlateRead = { ...msg, ...(msg.confidence !== undefined ? { confidence: rounded(msg.confidence, 3) } : {}) };
  if (msg.plate) {
    const p = normalizePlate(msg.plate);
    if (p.ok) payload.plate = p.plate;
    keepAsRead(payload, msg.plate, p.ok);
  } else delete payload.plateAsRead;
  return {
    ok: true,
    event: baseEvent(device, payload, eventTime, receivedAt, { bayCode: msg.bay, observation: { bayCode: msg.bay, occupied: msg.occupied } }),
  };
};
