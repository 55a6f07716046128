// One device message, from its bytes to "committed": validation (core/protocol.ts), the handler of
// its type, then the group-commit writer, as an event or a dead letter with its reason. Both ways
// devices reach OneLot take this path — the embedded broker (broker.ts) and shared subscriptions
// on an external broker (broker-consumer.ts) — so every rule holds the same on both.
import type { Metrics } from '../core/metrics.ts';
import { parseDeviceMessage } from '../core/protocol.ts';
import type { Device } from './device-directory.ts';
import type { Done, EventWriter } from './writer.ts';
import { dispatch } from './handlers/index.ts';

/** Resolves once the message is durably stored (event, duplicate or dead letter); rejects if not committed. */
export function acceptMessage(writer: EventWriter, metrics: Metrics, device: Device, topic: string, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) => acceptThen(writer, metrics, device, topic, payload, (err) => (err ? reject(err) : resolve())));
}

/** acceptMessage with `done` instead of a promise: the embedded broker's path (writer.ts writeThen says why). */
export function acceptThen(writer: EventWriter, metrics: Metrics, device: Device, topic: string, payload: Buffer, done: Done): void {
  metrics.mqttReceived.inc();
  const receivedAt = new Date();
  const parsed = parseDeviceMessage(device.kind, payload, receivedAt);
  const result = parsed.ok ? dispatch(device, parsed.message, parsed.eventTime, receivedAt) : parsed;
  if (result.ok && parsed.ok && result.event.payload === parsed.message) result.event.payloadText = parsed.text;
  if (result.ok) return writer.writeThen(result.event, done);
  writer.deadLetterThen({ deviceId: device.id, topic, code: result.code, reason: result.reason, payload: Buffer.from(payload).toString('utf8') }, (err) => {
    // The label is the code (a fixed set), never the device-quoting reason (core/protocol.ts REJECT_CODES).
    if (!err) metrics.mqttRejected.inc({ reason: result.code });
    done(err);
  });
}
