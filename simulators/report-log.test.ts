import { describe, expect, it } from 'vitest';
import { compareSessions, type PlatformSession } from './accuracy.ts';
import type { MessageBody, TrueStay } from './city-sim.ts';
import { Devices } from './devices.ts';
import { ReportLog } from './report-log.ts';
import { StartupRamp, type RampDevice } from './startup-ramp.ts';
import type { Links } from './transport.ts';

const T0 = Date.parse('2026-11-30T08:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
const stay = (plate: string, lotId: string, lotKind: 'street' | 'garage', bayCode: string, entry: number, exit: number): TrueStay =>
  ({ plate, lotId, lotKind, bayCode, entry: at(entry), exit: at(exit) });
const gate = (direction: 'in' | 'out', plate: string): MessageBody => ({ type: 'gate', direction, plate, plateColor: 'blue', confidence: 0.95 });
const camera = (occupied: boolean, plate: string): MessageBody => ({ type: 'bay', bay: 'S1-01', occupied, plate, plateColor: 'blue', confidence: 0.95 });
const free: MessageBody = { type: 'occupancy', occupied: false };

/** A Links stand-in that hands every message to "MQTT" at once (a backlog's drops: fleet.test.ts, Links). */
function fakeLinks() {
  const published: string[] = [];
  const links = {
    send: (_i: number, _topic: string, payload: string, _kind: string, sent?: () => void) => {
      published.push(payload);
      sent?.();
      return true;
    },
    queued: () => 0, inFlight: () => 0,
  } as unknown as Links;
  return { links, published };
}

describe('ReportLog (which stays the fleet actually reported)', () => {
  it('flags a stay unreported when its entry, or every report of its exit, was never published', () => {
    const log = new ReportLog(() => '豫A33333');
    const publish = (f: (() => void) | undefined) => { expect(f).toBeTypeOf('function'); f!(); };
    // Garage: both gate reads published → reported.
    publish(log.note('gate-1', gate('in', '豫A11111'), at(0)));
    publish(log.note('gate-1', gate('out', '豫A11111'), at(600)));
    // Garage: its gate "out" never handed to MQTT (dropped at stop, or still in a backlog) → unreported.
    publish(log.note('gate-1', gate('in', '豫A22222'), at(0)));
    log.note('gate-1', gate('out', '豫A22222'), at(600));
    // Kerb: the camera's exit read never sent, the sensor's "free" was (the car at the sensor named by the model) → reported.
    publish(log.note('cam-1', camera(true, '豫A33333'), at(5)));
    log.note('cam-1', camera(false, '豫A33333'), at(605));
    publish(log.note('sen-1', free, at(600)));
    // Kerb: its entry read never sent → unreported, whatever its exit did.
    log.note('cam-1', camera(true, '豫A44444'), at(5));
    const sent = log.note('cam-1', camera(false, '豫A44444'), at(605))!;
    sent();
    sent(); // a duplicate's second copy: harmless
    // Kerb, its sensor stuck on "taken" (it said no "free" at all: nothing to note) and the camera's
    // exit read never sent → unreported (the whole-city run counted 豫AD17666's such stay as lost).
    publish(log.note('cam-1', camera(true, '豫A66666'), at(5)));
    log.note('cam-1', camera(false, '豫A66666'), at(605));
    // Kerb, the same but its camera's exit read sent → reported, though its earlier stay's exit went unsent.
    log.note('cam-1', camera(false, '豫A77777'), at(-1200));
    publish(log.note('cam-1', camera(true, '豫A77777'), at(5)));
    publish(log.note('cam-1', camera(false, '豫A77777'), at(605)));
    // An unsent report of the same plate on another day does not touch this stay.
    log.note('gate-1', gate('in', '豫A55555'), at(-86_400));
    expect(log.note('sen-1', { type: 'heartbeat', battery: 3.4, temperature: 12 }, at(0))).toBeUndefined();

    const marked = log.mark([
      stay('豫A11111', 'G1', 'garage', 'G1-01', 0, 600), stay('豫A22222', 'G1', 'garage', 'G1-02', 0, 600),
      stay('豫A33333', 'S1', 'street', 'S1-01', 0, 600), stay('豫A44444', 'S1', 'street', 'S1-01', 0, 600),
      stay('豫A55555', 'G1', 'garage', 'G1-03', 0, 600), stay('豫A66666', 'S1', 'street', 'S1-01', 0, 600),
      stay('豫A77777', 'S1', 'street', 'S1-01', 0, 600),
    ]);
    expect(marked.map((s) => [s.plate, s.unreported ?? false])).toEqual([
      ['豫A11111', false], ['豫A22222', true], ['豫A33333', false], ['豫A44444', true], ['豫A55555', false],
      ['豫A66666', true], ['豫A77777', false],
    ]);
  });

  it('counts a stay whose exit still waited in the start-up ramp at stop as never reported by the fleet, not lost by the platform', () => {
    const log = new ReportLog(() => null);
    const { links, published } = fakeLinks();
    const dev: RampDevice = { index: 0, link: 0, topic: 'devices/gate-1/events' };
    const ramp = new StartupRamp(links, [dev], () => {});
    const via = (body: MessageBody, t: number) => ramp.transmit(dev, JSON.stringify(body), 'event', log.note('gate-1', body, at(t)));
    // The start-up report (a car already parked) is captured; its turn never comes (a 10-minute ramp).
    ramp.begin(() => via(gate('in', '豫A66666'), 0), 600, () => 0.5);
    // Meanwhile the gate sees two cars come and go: held behind the device's report, in order.
    via(gate('in', '豫A77777'), 1);
    via(gate('out', '豫A77777'), 60);
    expect(published).toEqual([]);
    ramp.stop(); // the run ended: all of it dropped, never sent
    const stays = log.mark([stay('豫A66666', 'G1', 'garage', 'G1-01', 0, 90), stay('豫A77777', 'G1', 'garage', 'G1-02', 1, 60)]);
    expect(stays.every((s) => s.unreported)).toBe(true);
    const sessions: PlatformSession[] = [];
    expect(compareSessions(stays, sessions)).toMatchObject({ stays: 2, reported: 0, withoutSessionNeverReported: 2, withoutSessionPlatformLost: 0 });
  });

  it('counts a stay whose reports were all published but that has no session as lost by the platform', () => {
    const log = new ReportLog(() => null);
    const { links } = fakeLinks();
    const dev: RampDevice = { index: 0, link: 0, topic: 'devices/gate-1/events' };
    const ramp = new StartupRamp(links, [dev], () => {});
    for (const [body, t] of [[gate('in', '豫A88888'), 0], [gate('out', '豫A88888'), 600]] as const) ramp.transmit(dev, JSON.stringify(body), 'event', log.note('gate-1', body, at(t)));
    ramp.stop();
    const stays = log.mark([stay('豫A88888', 'G1', 'garage', 'G1-01', 0, 600)]);
    expect(compareSessions(stays, [])).toMatchObject({ stays: 1, reported: 1, withoutSessionNeverReported: 0, withoutSessionPlatformLost: 1 });
  });
});

describe('what the devices report (devices.ts → report-log.ts)', () => {
  it('notes a stuck sensor\'s report as it says it: its "taken" as the car leaves reports no exit', () => {
    const noted: MessageBody[] = [];
    const devices = new Devices({
      credentials: [{ id: 'sen-S1-01', kind: 'bay-sensor', lotId: 'S1', bayCode: 'S1-01', secret: 'x' }], linkOf: new Map([['sen-S1-01', 0]]),
      lots: [{ id: 'S1', kind: 'street', capacity: 1, demand: 1 }], faults: { stuck: 1 }, rng: { device: () => 0.5, health: () => 0, fault: () => 0.5 },
      firstSeq: 1, simNow: () => at(0), seed: 1, drainPerBeat: 0, transmit: (_dev, _payload, _kind, sent) => sent?.(),
      noteReport: (_id, body) => { noted.push(body); return undefined; },
    });
    devices.send('sen-S1-01', { type: 'occupancy', occupied: true }, at(0)); // its first word: it sticks on it
    devices.send('sen-S1-01', { type: 'occupancy', occupied: false }, at(600)); // the car leaves
    expect(noted.map((b) => (b as { occupied: boolean }).occupied)).toEqual([true, true]);
    const log = new ReportLog(() => '豫A12345');
    expect(log.note('sen-S1-01', noted[1], at(600))).toBeUndefined();
  });
});
