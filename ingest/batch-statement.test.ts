import { describe, expect, it } from 'vitest';
import { parseDeviceMessage } from '../core/protocol.ts';
import { eventRow } from './batch-statement.ts';
import { dispatch } from './handlers/index.ts';
import type { Device } from './device-directory.ts';

const sensor = { id: 'S1', kind: 'bay-sensor', lotId: 'L1', bayCode: 'L1-001', bays: new Set<string>(), enabled: true } as unknown as Device;
const gate = { id: 'G1', kind: 'gate-camera', lotId: 'L1', bayCode: null, bays: new Set<string>(), enabled: true } as unknown as Device;
const ts = new Date(Date.now() - 60_000).toISOString();

/** The event a device's text becomes, as ingest/accept.ts makes it. */
function event(device: Device, text: string) {
  const parsed = parseDeviceMessage(device.kind, Buffer.from(text), new Date());
  if (!parsed.ok) throw new Error(parsed.reason);
  const result = dispatch(device, parsed.message, parsed.eventTime, new Date());
  if (!result.ok) throw new Error(result.reason);
  if (result.event.payload === parsed.message) result.event.payloadText = parsed.text;
  return result.event;
}

describe('eventRow', () => {
  it('stores an unchanged message as the device wrote it, the same document as the parsed one', () => {
    const e = event(sensor, ` {"type":"occupancy", "seq":3, "ts":"${ts}", "occupied":true, "battery":3.6, "note":"\\u8c6b"} `);
    expect(e.payloadText).not.toBeNull();
    const row = JSON.parse(eventRow(e));
    expect(row.p).toEqual(e.payload);
    expect(row).toEqual(JSON.parse(eventRow({ ...e, payloadText: null })));
  });

  it('stores what a handler changed (a normalised plate), never the text as sent', () => {
    const e = event(gate, JSON.stringify({ type: 'gate', seq: 4, ts, direction: 'in', plate: '豫a 12345', plateColor: 'blue', confidence: 0.97 }));
    expect(e.payloadText).toBeNull();
    expect(JSON.parse(eventRow(e)).p.plate).toBe('豫A12345');
  });
});
