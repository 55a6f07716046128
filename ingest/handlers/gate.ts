import type { GateCameraMessage, StoredPlateRead } from '../../core/protocol.ts';
import { normalizePlate } from '../../core/plates.ts';
import { baseEvent, keepAsRead, rounded, type Handler } from './base.ts';

// A garage lane camera: entries and exits by plate. It changes no bay state (bay sensors do);
// sessions are built from these events.
export const handleGate: Handler<GateCameraMessage> = (device, msg, eventTime, receivedAt) => {
  if (!device.lotId) return { ok: false, code: 'not_installed', reason: `gate camera ${device.id} is not assigned to a lot; register it to a garage first` };
  const p = normalizePlate(msg.plate);
  const confidence = rounded(msg.confidence, 3);
  const payload: GateCameraMessage & StoredPlateRead = p.ok || confidence !== msg.confidence || 'plateAsRead' in msg
    ? { ...msg, ...(p.ok ? { plate: p.plate } : {}), ...(confidence !== undefined ? { confidence } : {}) } : msg;
  keepAsRead(payload, msg.plate, p.ok);
  return { ok: true, event: baseEvent(device, payload, eventTime, receivedAt) };
};
