// The fuzz run's oracle (what the protocol promises for each generated payload) against the
// validator devices meet (core/protocol.ts), over thousands of seeded cases: where they disagree,
// either the generator or the platform misreads docs/device-protocol.md.
import { describe, expect, it } from 'vitest';
import { parseDeviceMessage } from '../../core/protocol.ts';
import { samplePayloads, type FuzzDevice } from './payloads.ts';

const devices: FuzzDevice[] = [
  { id: 'sen-1', kind: 'bay-sensor' },
  { id: 'cam-1', kind: 'bay-camera', bays: ['ZZ-JS-0001-01', 'ZZ-JS-0001-02'] },
  { id: 'gate-1', kind: 'gate-camera' },
];

describe('fuzz payload oracle', () => {
  it('agrees with the platform validator on 5,000 seeded cases, and covers every outcome', () => {
    const now = Date.now();
    const seen = new Map<string, number>();
    for (const [n, c] of samplePayloads(devices, 5_000, 42).entries()) {
      const device = devices[c.device];
      const payload = c.build(1_000_000 + n, now);
      const parsed = parseDeviceMessage(device.kind, payload, new Date(now));
      // A bay camera's bay is checked by ingest's handler, after the validator.
      const got = parsed.ok ? (c.expect === 'bay_not_assigned' && !device.bays!.includes((parsed.message as { bay: string }).bay) ? 'bay_not_assigned' : 'stored') : parsed.code;
      expect(got, `${c.mutation}: ${payload.toString('utf8').slice(0, 300)} → ${parsed.ok ? 'ok' : parsed.reason}`).toBe(c.expect);
      seen.set(c.expect, (seen.get(c.expect) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['bay_not_assigned', 'invalid_json', 'payload_too_large', 'schema', 'stored', 'time_window', 'unknown_type']);
  });

  it('is reproducible from its seed', () => {
    const a = samplePayloads(devices, 200, 7).map((c) => c.build(1, 0).toString('base64'));
    const b = samplePayloads(devices, 200, 7).map((c) => c.build(1, 0).toString('base64'));
    expect(a).toEqual(b);
  });
});
