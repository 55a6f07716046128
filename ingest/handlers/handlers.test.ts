// The per-message handlers as pure functions: what each device kind may report, why a message is
// dead-lettered, and the event that is stored (docs/device-protocol.md). No broker, no database.
import { describe, it, expect } from 'vitest';
import { parseDeviceMessage, type BayCameraMessage, type DeviceMessage, type GateCameraMessage, type HeartbeatMessage, type OccupancyMessage } from '../../core/protocol.ts';
import type { Device } from '../device-directory.ts';
import type { HandlerResult } from './base.ts';
import { dispatch } from './index.ts';
import { handleOccupancy } from './occupancy.ts';
import { handleCamera } from './camera.ts';
import { handleGate } from './gate.ts';
import { handleHeartbeat } from './heartbeat.ts';

const ts = '2026-11-23T08:00:00.000Z';
const eventTime = new Date(ts);
const receivedAt = new Date('2026-11-23T08:00:00.250Z');

/** A device as DeviceDirectory.authenticate builds it: no lot, no bay, no bays unless given. */
function device(kind: Device['kind'], over: Partial<Device> = {}): Device {
  return { id: `${kind}-1`, kind, lotId: null, bayCode: null, bays: new Set(), ...over };
}
const sensor = device('bay-sensor', { id: 'sen-ZZ-JS-0005-03', lotId: 'ZZ-JS-0005', bayCode: 'ZZ-JS-0005-03' });
const camera = device('bay-camera', { id: 'cam-ZZ-JS-0005-1', lotId: 'ZZ-JS-0005', bays: new Set(['ZZ-JS-0005-01', 'ZZ-JS-0005-02']) });
const gateCamera = device('gate-camera', { id: 'gate-ZZ-GA-0001-in', lotId: 'ZZ-GA-0001' });

const occupancy = (over: Partial<OccupancyMessage> = {}): OccupancyMessage => ({ type: 'occupancy', seq: 1001, ts, occupied: true, ...over });
const bay = (over: Partial<BayCameraMessage> = {}): BayCameraMessage => ({ type: 'bay', seq: 77, ts, bay: 'ZZ-JS-0005-01', occupied: true, ...over });
const gate = (over: Partial<GateCameraMessage> = {}): GateCameraMessage => ({ type: 'gate', seq: 5, ts, direction: 'in', plate: '豫A12345', ...over });
const heartbeat = (over: Partial<HeartbeatMessage> = {}): HeartbeatMessage => ({ type: 'heartbeat', seq: 1002, ts, ...over });

function event(r: HandlerResult) {
  if (!r.ok) throw new Error(`expected an event, got the dead letter "${r.reason}"`);
  return r.event;
}
function reason(r: HandlerResult): string {
  if (r.ok) throw new Error('expected a dead letter, got an event');
  return r.reason;
}

describe('occupancy (a bay sensor)', () => {
  it('observes the bay the sensor is registered to, with its battery', () => {
    const msg = occupancy({ occupied: true, battery: 3.61 });
    expect(event(handleOccupancy(sensor, msg, eventTime, receivedAt))).toEqual({
      deviceId: 'sen-ZZ-JS-0005-03', deviceKind: 'bay-sensor', seq: 1001, type: 'occupancy', eventTime, receivedAt,
      lotId: 'ZZ-JS-0005', bayCode: 'ZZ-JS-0005-03', payload: msg, payloadText: null,
      observation: { bayCode: 'ZZ-JS-0005-03', occupied: true },
      battery: 3.61,
    });
  });

  it('reports a free bay as free, and no battery when none was sent', () => {
    const e = event(handleOccupancy(sensor, occupancy({ occupied: false }), eventTime, receivedAt));
    expect(e.observation).toEqual({ bayCode: 'ZZ-JS-0005-03', occupied: false });
    expect(e.battery).toBeUndefined();
  });

  it('takes the bay from the registration, never from the message', () => {
    // Extra fields are allowed and stored (device-protocol.md), but a sensor cannot name another bay.
    const msg = { ...occupancy(), bay: 'ZZ-JS-0005-04' } as OccupancyMessage;
    const e = event(handleOccupancy(sensor, msg, eventTime, receivedAt));
    expect(e.bayCode).toBe('ZZ-JS-0005-03');
    expect(e.observation?.bayCode).toBe('ZZ-JS-0005-03');
    expect(e.payload).toBe(msg);
  });

  it('dead-letters a sensor not installed in any bay', () => {
    const loose = device('bay-sensor', { id: 'sen-new-1', lotId: 'ZZ-JS-0005' });
    expect(reason(handleOccupancy(loose, occupancy(), eventTime, receivedAt)))
      .toBe('sensor sen-new-1 is not installed in any bay; register it to a bay first');
  });
});

describe('bay (a high-mount camera)', () => {
  it('observes any one of its assigned bays', () => {
    for (const code of camera.bays) {
      const e = event(handleCamera(camera, bay({ bay: code, occupied: false }), eventTime, receivedAt));
      expect(e.bayCode).toBe(code);
      expect(e.observation).toEqual({ bayCode: code, occupied: false });
    }
  });

  it('stores the event under the camera, with its lot, and no battery', () => {
    const msg = bay({ plate: '豫A12345', plateColor: 'blue', confidence: 0.97, image: 'cam-7/080001.jpg' });
    expect(event(handleCamera(camera, msg, eventTime, receivedAt))).toEqual({
      deviceId: 'cam-ZZ-JS-0005-1', deviceKind: 'bay-camera', seq: 77, type: 'bay', eventTime, receivedAt,
      lotId: 'ZZ-JS-0005', bayCode: 'ZZ-JS-0005-01', payload: msg, payloadText: null,
      observation: { bayCode: 'ZZ-JS-0005-01', occupied: true },
    });
  });

  it('dead-letters a bay not assigned to it, with the reason the protocol documents', () => {
    expect(reason(handleCamera(camera, bay({ bay: 'ZZ-JS-0006-01' }), eventTime, receivedAt)))
      .toBe('bay "ZZ-JS-0006-01" is not assigned to camera cam-ZZ-JS-0005-1; only its assigned bays may be reported');
    // Bay codes are matched exactly: no case folding, no trimming.
    expect(handleCamera(camera, bay({ bay: 'zz-js-0005-01' }), eventTime, receivedAt).ok).toBe(false);
    expect(handleCamera(camera, bay({ bay: 'ZZ-JS-0005-01 ' }), eventTime, receivedAt).ok).toBe(false);
  });

  it('dead-letters every bay for a camera with none assigned', () => {
    const bare = device('bay-camera', { id: 'cam-new', lotId: 'ZZ-JS-0005' });
    expect(reason(handleCamera(bare, bay(), eventTime, receivedAt))).toMatch(/^bay "ZZ-JS-0005-01" is not assigned to camera cam-new;/);
  });

  it('normalises a readable plate in the stored payload, leaving the message as received', () => {
    const msg = bay({ plate: '豫a·d12345', plateColor: 'green' });
    const e = event(handleCamera(camera, msg, eventTime, receivedAt));
    expect(e.payload).toEqual({ ...msg, plate: '豫AD12345' });
    expect(msg.plate).toBe('豫a·d12345');
  });

  it('keeps an unreadable plate as read: occupancy is still valid without it', () => {
    const e = event(handleCamera(camera, bay({ plate: '??1234' }), eventTime, receivedAt));
    expect((e.payload as BayCameraMessage).plate).toBe('??1234');
    expect(e.observation).toEqual({ bayCode: 'ZZ-JS-0005-01', occupied: true });
  });

  it('stores no plate when the camera read none', () => {
    const e = event(handleCamera(camera, bay(), eventTime, receivedAt));
    expect(e.payload).not.toHaveProperty('plate');
  });
});

describe('gate (a garage lane camera)', () => {
  it('records an entry or exit for its lot and changes no bay', () => {
    for (const direction of ['in', 'out'] as const) {
      const msg = gate({ direction });
      expect(event(handleGate(gateCamera, msg, eventTime, receivedAt))).toEqual({
        deviceId: 'gate-ZZ-GA-0001-in', deviceKind: 'gate-camera', seq: 5, type: 'gate', eventTime, receivedAt,
        lotId: 'ZZ-GA-0001', bayCode: null, payload: msg, payloadText: null,
      });
    }
  });

  it('normalises the plate, leaving the message as received', () => {
    const msg = gate({ plate: '豫ａ-1234o' });
    const e = event(handleGate(gateCamera, msg, eventTime, receivedAt));
    // The o taken for 0 (no plate has an O): what the camera sent is kept, for the plate rules.
    expect(e.payload).toEqual({ ...msg, plate: '豫A12340', plateAsRead: '豫ａ-1234o' });
    expect(msg.plate).toBe('豫ａ-1234o');
  });

  it('keeps what the camera sent only when normalising took an I or O for 1 or 0, never what the device claims', () => {
    const spoofed = { ...gate({ plate: '豫A12345' }), plateAsRead: '豫A1234I' } as GateCameraMessage;
    expect(event(handleGate(gateCamera, spoofed, eventTime, receivedAt)).payload).not.toHaveProperty('plateAsRead');
    expect(event(handleGate(gateCamera, gate({ plate: '豫A1234I' }), eventTime, receivedAt)).payload).toMatchObject({ plate: '豫A12341', plateAsRead: '豫A1234I' });
    expect(event(handleCamera(camera, bay({ plate: '豫A36I43' }), eventTime, receivedAt)).payload).toMatchObject({ plate: '豫A36143', plateAsRead: '豫A36I43' });
    expect(event(handleCamera(camera, { ...bay(), plateAsRead: 'x' } as BayCameraMessage, eventTime, receivedAt)).payload).not.toHaveProperty('plateAsRead');
  });

  it('keeps an unreadable plate as read (the session matcher decides what to do with it)', () => {
    const msg = gate({ plate: 'UNREADABLE' });
    expect(event(handleGate(gateCamera, msg, eventTime, receivedAt)).payload).toBe(msg);
  });

  it('dead-letters a gate camera not assigned to a lot', () => {
    const stray = device('gate-camera', { id: 'gate-new' });
    expect(reason(handleGate(stray, gate(), eventTime, receivedAt)))
      .toBe('gate camera gate-new is not assigned to a lot; register it to a garage first');
  });
});

describe('heartbeat (every kind)', () => {
  it('observes a sensor\'s bay when the heartbeat carries its reading, and only a sensor\'s', () => {
    const e = event(handleHeartbeat(sensor, heartbeat({ battery: 3.6, occupied: true }), eventTime, receivedAt));
    expect(e.observation).toEqual({ bayCode: 'ZZ-JS-0005-03', occupied: true });
    expect(event(handleHeartbeat(camera, heartbeat({ occupied: true }), eventTime, receivedAt)).observation).toBeUndefined();
  });

  it('keeps battery current and observes no bay without a reading', () => {
    const msg = heartbeat({ battery: 3.6, temperature: 21 });
    expect(event(handleHeartbeat(sensor, msg, eventTime, receivedAt))).toEqual({
      deviceId: 'sen-ZZ-JS-0005-03', deviceKind: 'bay-sensor', seq: 1002, type: 'heartbeat', eventTime, receivedAt,
      lotId: 'ZZ-JS-0005', bayCode: 'ZZ-JS-0005-03', payload: msg, payloadText: null,
      battery: 3.6,
    });
  });

  it('is accepted from any device, registered to a lot or bay or not (it is how a new device shows up)', () => {
    for (const d of [camera, gateCamera, device('gateway', { id: 'gw-1', children: new Map() }), device('bay-sensor', { id: 'sen-new' })]) {
      const e = event(handleHeartbeat(d, heartbeat(), eventTime, receivedAt));
      expect(e).toMatchObject({ deviceId: d.id, deviceKind: d.kind, lotId: d.lotId, bayCode: d.bayCode });
      expect(e.observation).toBeUndefined();
      expect(e.battery).toBeUndefined();
    }
  });
});

describe('dispatch', () => {
  const cases: Array<[string, Device, DeviceMessage, (d: Device, m: never, t: Date, r: Date) => HandlerResult]> = [
    ['occupancy', sensor, occupancy({ battery: 3.5 }), handleOccupancy],
    ['bay', camera, bay({ plate: '豫a12345' }), handleCamera],
    ['gate', gateCamera, gate({ plate: '豫a12345' }), handleGate],
    ['heartbeat', sensor, heartbeat({ battery: 3.4 }), handleHeartbeat],
  ];

  it.each(cases)('hands a "%s" message to its handler', (_type, d, msg, handler) => {
    expect(dispatch(d, msg, eventTime, receivedAt)).toEqual(handler(d, msg as never, eventTime, receivedAt));
  });

  it("passes the handler's dead letter through", () => {
    expect(dispatch(camera, bay({ bay: 'ZZ-JS-0006-01' }), eventTime, receivedAt)).toEqual({
      ok: false, code: 'bay_not_assigned', reason: 'bay "ZZ-JS-0006-01" is not assigned to camera cam-ZZ-JS-0005-1; only its assigned bays may be reported',
    });
    expect(dispatch(device('gate-camera'), gate(), eventTime, receivedAt).ok).toBe(false);
    expect(dispatch(device('bay-sensor'), occupancy(), eventTime, receivedAt).ok).toBe(false);
  });

  it('keeps the times it is given: event time as the device saw it, receipt time as the broker did', () => {
    const e = event(dispatch(sensor, occupancy(), eventTime, receivedAt));
    expect(e.eventTime).toBe(eventTime);
    expect(e.receivedAt).toBe(receivedAt);
  });
});

// What the broker does per message, minus the network: validate as the publishing device's kind,
// then dispatch. A gateway's child is validated and handled as the child (device-protocol.md).
describe('validation then dispatch, as the broker runs them', () => {
  const broker = (d: Device, payload: object): HandlerResult => {
    const parsed = parseDeviceMessage(d.kind, JSON.stringify(payload));
    return parsed.ok ? dispatch(d, parsed.message, parsed.eventTime, receivedAt) : parsed;
  };
  const child = device('bay-sensor', { id: 'sen-ZZ-JS-0007-01', lotId: 'ZZ-JS-0007', bayCode: 'ZZ-JS-0007-01' });
  const gateway = device('gateway', { id: 'gw-lora-1', children: new Map([[child.id, child]]) });

  it('lets each kind report only its own message types', () => {
    expect(broker(sensor, occupancy()).ok).toBe(true);
    expect(broker(camera, bay()).ok).toBe(true);
    expect(broker(gateCamera, gate()).ok).toBe(true);
    expect(reason(broker(sensor, bay()))).toBe('a bay-sensor may not send type "bay" (allowed: occupancy, heartbeat)');
    expect(reason(broker(camera, occupancy()))).toBe('a bay-camera may not send type "occupancy" (allowed: bay, heartbeat)');
    expect(reason(broker(gateCamera, bay()))).toBe('a gate-camera may not send type "bay" (allowed: gate, heartbeat)');
  });

  it('lets a gateway report only its own heartbeat as itself', () => {
    expect(event(broker(gateway, heartbeat({ battery: 4.1 })))).toMatchObject({ deviceId: 'gw-lora-1', deviceKind: 'gateway', battery: 4.1 });
    expect(reason(broker(gateway, occupancy()))).toBe('a gateway may not send type "occupancy" (allowed: heartbeat)');
  });

  it("stores a child's message as the child's own: its id, its bay, its kind's rules", () => {
    const viaGateway = gateway.children!.get(child.id)!;
    expect(event(broker(viaGateway, occupancy({ occupied: false })))).toMatchObject({
      deviceId: 'sen-ZZ-JS-0007-01', deviceKind: 'bay-sensor', lotId: 'ZZ-JS-0007', bayCode: 'ZZ-JS-0007-01',
      observation: { bayCode: 'ZZ-JS-0007-01', occupied: false },
    });
    expect(reason(broker(viaGateway, gate()))).toMatch(/^a bay-sensor may not send type "gate"/);
  });

  it('takes the event time from the message, with its zone', () => {
    const e = event(broker(sensor, occupancy({ ts: '2026-11-23T16:00:00+08:00' })));
    expect(e.eventTime.toISOString()).toBe('2026-11-23T08:00:00.000Z');
  });
});
