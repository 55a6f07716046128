import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizePlate } from '../core/plates.ts';
import { eventsTopic, parseDeviceMessage, type DeviceMessage } from '../core/protocol.ts';
import type { DeviceCredential } from '../seed/city-loader.ts';
import { seededRandom } from '../seed/demo-city.ts';
import { createCitySim, type FleetLot, type MessageBody } from './city-sim.ts';
import { planLinks, startFleet, type Fleet, type FleetDevice, type FleetOptions } from './fleet.ts';
import { TimeWheel } from './schedulers.ts';
import { Backlog, Links } from './transport.ts';

// A small city: two kerb segments watched by sensors and high-mount cameras, one garage with
// sensors and two gate lanes.
const LOTS: FleetLot[] = [
  { id: 'S1', kind: 'street', capacity: 6, demand: 1.2 },
  { id: 'S2', kind: 'street', capacity: 4, demand: 1 },
  { id: 'G1', kind: 'garage', capacity: 8, demand: 1.5 },
];
function fakeDevices(): DeviceCredential[] {
  const d: DeviceCredential[] = [];
  const bays = (lot: string, n: number) => Array.from({ length: n }, (_, i) => `${lot}-${String(i + 1).padStart(2, '0')}`);
  for (const lot of LOTS) {
    const codes = bays(lot.id, lot.capacity);
    for (const code of codes) d.push({ id: `sen-${code}`, kind: 'bay-sensor', lotId: lot.id, bayCode: code, secret: `secret-sen-${code}` });
    if (lot.kind === 'street') {
      for (let i = 0; i < codes.length; i += 3) d.push({ id: `cam-${lot.id}-${i / 3 + 1}`, kind: 'bay-camera', lotId: lot.id, bays: codes.slice(i, i + 3), secret: `secret-cam-${lot.id}-${i}` });
    } else {
      for (const lane of [1, 2]) d.push({ id: `gate-${lot.id}-${lane}`, kind: 'gate-camera', lotId: lot.id, lane: `lane-${lane}`, secret: `secret-gate-${lane}` });
    }
  }
  return d;
}
const DEVICES = fakeDevices();
// The same city with its bay sensors behind two gateways (as LoRaWAN/NB-IoT deployments are); cameras connect themselves.
const GATEWAY_DEVICES: FleetDevice[] = [
  { id: 'gw-1', kind: 'gateway', lotId: '', secret: 'secret-gw-1' },
  { id: 'gw-2', kind: 'gateway', lotId: '', secret: 'secret-gw-2' },
  ...DEVICES.map((d) => (d.kind === 'bay-sensor' ? { ...d, gatewayId: d.lotId === 'G1' ? 'gw-2' : 'gw-1' } : d)),
];
const byId = new Map<string, FleetDevice>(GATEWAY_DEVICES.map((d) => [d.id, d]));

interface Received { clientId: string; topic: string; payload: string; message: DeviceMessage; at: number }

/**
 * A real MQTT broker on an ephemeral port that checks device credentials and records every publish.
 * With `pubackDelayMs` it holds each QoS 1 publish that long before accepting it (so before its
 * PUBACK), as the platform does while a group commit runs, and records per connection how many
 * publishes it held at once.
 */
async function startBroker(o: { pubackDelayMs?: number } = {}) {
  const holding = new Map<string, number>();
  const maxHeld = new Map<string, number>();
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const d = username ? byId.get(username) : undefined;
      done(null, !!d && client.id === username && password?.toString() === d.secret);
    },
    authorizePublish: (client, _packet, done) => {
      if (!o.pubackDelayMs || !client) return done(null);
      const n = (holding.get(client.id) ?? 0) + 1;
      holding.set(client.id, n);
      maxHeld.set(client.id, Math.max(n, maxHeld.get(client.id) ?? 0));
      setTimeout(() => {
        holding.set(client.id, holding.get(client.id)! - 1);
        done(null);
      }, o.pubackDelayMs);
    },
  });
  const received: Received[] = [];
  broker.on('publish', (packet, client) => {
    if (!client) return; // the broker's own $SYS messages
    const payload = packet.payload.toString();
    received.push({ clientId: client.id, topic: packet.topic, payload, message: JSON.parse(payload), at: Date.now() });
  });
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed = false;
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    broker,
    maxHeld,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await sleep(20);
  return cond();
}

// Everything a test starts is closed afterwards, even when an assertion fails.
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function run(extra: Partial<FleetOptions> = {}, until?: (f: Fleet, received: Received[], enough: () => boolean) => boolean) {
  const broker = await startBroker();
  cleanups.push(broker.close);
  const logs: string[] = [];
  const fleet = await startFleet({
    mqttUrl: broker.url, devices: DEVICES, lots: LOTS, seed: 7,
    speed: 7200, // two simulated hours per real second
    startTime: new Date('2026-11-23T07:30:00+08:00'), // into the morning peak
    heartbeatSeconds: 0.3, initialOccupancy: 0.5,
    log: (m) => logs.push(m),
    ...extra,
  });
  cleanups.push(fleet.stop);
  expect(fleet.stats().connected).toBe(fleet.stats().links);
  // Bounded: the morning peak brings arrivals and departures, and every device a heartbeat, in about a second.
  const enough = () => fleet.stats().departures >= 10 && fleet.stats().arrivals >= 10 && fleet.stats().published >= 2 * DEVICES.length;
  await waitFor(() => (until ? until(fleet, broker.received, enough) : enough()), 8000);
  await fleet.stop();
  return { broker, fleet, logs, received: broker.received };
}

const groupBy = <T>(xs: T[], key: (x: T) => string) => {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
};

describe('startFleet against a real MQTT broker', () => {
  it('sends only valid messages, each device on its own topic with increasing seqs, matching the truth', async () => {
    const t0 = Date.now();
    const { fleet, received } = await run();
    const s = fleet.stats();
    expect(s.arrivals).toBeGreaterThanOrEqual(10);
    expect(s.departures).toBeGreaterThanOrEqual(10);
    expect(s.connected).toBe(0);
    expect(received.length).toBe(s.published);
    expect(s.acked).toBe(s.published);
    expect(s.lost + s.duplicated + s.late + s.dropped).toBe(0);

    for (const r of received) {
      const kind = byId.get(r.clientId)!.kind;
      const parsed = parseDeviceMessage(kind, r.payload);
      expect(parsed, `${r.clientId}: ${r.payload}`).toMatchObject({ ok: true });
      expect(r.topic).toBe(eventsTopic(r.clientId));
      if (r.message.type === 'bay' || r.message.type === 'gate') {
        const { plate, plateColor, confidence } = r.message;
        expect(normalizePlate(plate!)).toMatchObject({ ok: true, plate });
        expect(plateColor).toBe([...plate!].length === 8 ? 'green' : 'blue');
        expect(confidence).toBeGreaterThanOrEqual(0.85);
        expect(confidence).toBeLessThanOrEqual(0.99);
      }
      if (r.message.type === 'bay') expect(byId.get(r.clientId)!.bays).toContain(r.message.bay);
    }

    const perDevice = groupBy(received, (r) => r.clientId);
    expect(perDevice.size).toBe(DEVICES.length); // heartbeats reach every device
    for (const [id, msgs] of perDevice) {
      const seqs = msgs.map((m) => m.message.seq);
      expect(seqs[0]).toBeGreaterThanOrEqual(t0); // seq starts at the wall clock
      for (let i = 1; i < seqs.length; i++) expect(seqs[i], id).toBeGreaterThan(seqs[i - 1]);
      const ts = msgs.map((m) => Date.parse(m.message.ts));
      for (let i = 1; i < ts.length; i++) expect(ts[i], id).toBeGreaterThanOrEqual(ts[i - 1]);
      expect(ts[0]).toBeGreaterThanOrEqual(t0 - 1000); // wall-clock timestamps by default
      expect(ts[ts.length - 1]).toBeLessThanOrEqual(Date.now());
    }

    // The initial state is reported first, and each sensor's last report is the truth.
    const truth = fleet.truth().bays;
    expect(truth.size).toBe(DEVICES.filter((d) => d.kind === 'bay-sensor').length);
    for (const d of DEVICES.filter((x) => x.kind === 'bay-sensor')) {
      const msgs = perDevice.get(d.id)!.map((r) => r.message);
      expect(msgs[0].type).toBe('occupancy');
      const last = msgs.filter((m) => m.type === 'occupancy').at(-1)!;
      const t = truth.get(d.bayCode!)!;
      expect(last).toMatchObject({ occupied: t.occupied });
      expect(new Date(last.ts)).toEqual(t.since);
      expect(t.plate === null).toBe(!t.occupied);
      expect((last as { battery?: number }).battery).toBeGreaterThan(2);
    }

    // Street cameras: the last reading of an occupied bay names the car that is there.
    const bayReports = received.flatMap((r) => (r.message.type === 'bay' ? [r.message] : []));
    let checked = 0;
    for (const [code, reports] of groupBy(bayReports, (m) => m.bay)) {
      const last = reports.at(-1)!;
      const t = truth.get(code)!;
      if (t.occupied && last.occupied) {
        expect(last.plate).toBe(t.plate);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);

    // Garage: every car that leaves came in, and every parked car came in.
    const gates = received.flatMap((r) => (r.message.type === 'gate' ? [r.message] : []));
    const entered = new Set<string>();
    for (const g of gates) {
      if (g.direction === 'in') entered.add(g.plate);
      else expect(entered.has(g.plate), g.plate).toBe(true);
    }
    expect(gates.some((g) => g.direction === 'out')).toBe(true);
    for (const [code, t] of truth) if (code.startsWith('G1') && t.occupied) expect(entered.has(t.plate!)).toBe(true);
  }, 20_000);

  it('with duplicate=1 delivers every message twice with the same seq and ts', async () => {
    const { fleet, received } = await run({ faults: { duplicate: 1 }, timestamps: 'simulated' });
    const simStart = Date.parse('2026-11-23T07:30:00+08:00');
    for (const r of received) {
      expect(Date.parse(r.message.ts)).toBeGreaterThanOrEqual(simStart);
      expect(Date.parse(r.message.ts)).toBeLessThanOrEqual(fleet.simulatedTime().getTime());
    }
    const s = fleet.stats();
    expect(s.duplicated).toBeGreaterThan(0);
    expect(received.length).toBe(2 * s.duplicated);
    for (const [key, copies] of groupBy(received, (r) => `${r.clientId}#${r.message.seq}`)) {
      expect(copies.length, key).toBe(2);
      expect(copies[0].payload).toBe(copies[1].payload);
    }
  }, 20_000);

  it('with loss=1 sends nothing while the city goes on', async () => {
    const { fleet, received } = await run({ faults: { loss: 1 } }, (f) => f.stats().arrivals >= 10 && f.stats().lost >= DEVICES.length);
    const s = fleet.stats();
    expect(received.length).toBe(0);
    expect(s.published).toBe(0);
    expect(s.lost).toBeGreaterThan(0);
    expect(s.arrivals).toBeGreaterThan(0);
    // No bay's state was ever published, and no stay reported.
    const truth = fleet.truth();
    expect(truth.unsent?.size).toBe(truth.bays.size);
    expect(fleet.stays().every((t) => t.unreported)).toBe(true);
  }, 20_000);

  it('lists in the truth the bays whose present state no device published', async () => {
    // Run until a bay's present state is unsent at least once as well: whether one is at the moment
    // the morning's quota is reached is a matter of timing (a CI run once stopped with none).
    const { fleet, received } = await run({ faults: { loss: 0.3 } }, (f, _, enough) => enough() && (f.truth().unsent?.size ?? 0) > 0);
    const truth = fleet.truth();
    // Published words per bay, as the broker received them (a sensor's reports and heartbeats, a camera's reads).
    const sensorBay = new Map(DEVICES.flatMap((d) => (d.kind === 'bay-sensor' ? [[d.id, d.bayCode!]] : [])));
    const said = new Map<string, Array<[boolean, number]>>();
    for (const { clientId, message: m } of received) {
      const bay = m.type === 'bay' ? m.bay : sensorBay.get(clientId);
      const occupied = (m as { occupied?: boolean }).occupied;
      if (bay && occupied !== undefined) said.set(bay, [...(said.get(bay) ?? []), [occupied, Date.parse(m.ts)]]);
    }
    expect(truth.unsent!.size).toBeGreaterThan(0);
    for (const [code, t] of truth.bays) {
      const told = (said.get(code) ?? []).some(([o, ts]) => o === t.occupied && ts >= t.since.getTime());
      expect(truth.unsent!.has(code), code).toBe(!told);
    }
  }, 20_000);

  it('with late=1 delivers held-back messages later and out of order', async () => {
    const { fleet, received } = await run(
      { faults: { late: 1, lateSeconds: [0.05, 0.6] }, heartbeatSeconds: 0.1 },
      (f) => f.stats().published >= 200,
    );
    const s = fleet.stats();
    expect(s.published).toBeGreaterThanOrEqual(200);
    expect(s.published).toBe(s.late - s.dropped); // everything was held; what was still held at stop is dropped
    expect(received.length).toBe(s.published);
    for (const r of received) expect(parseDeviceMessage(byId.get(r.clientId)!.kind, r.payload).ok).toBe(true);
    const outOfOrder = [...groupBy(received, (r) => r.clientId).values()].some((msgs) => msgs.some((m, i) => i > 0 && m.message.seq < msgs[i - 1].message.seq));
    expect(outOfOrder).toBe(true);
  }, 20_000);

  it('with misread=1 reports plates that differ from the cars really there', async () => {
    const { fleet, received } = await run({ faults: { misread: 1 } });
    const truth = fleet.truth().bays;
    const parked = new Set([...truth.values()].flatMap((t) => (t.plate ? [t.plate] : [])));
    const plates = received.flatMap((r) => (r.message.type === 'bay' || r.message.type === 'gate' ? [r.message.plate!] : []));
    expect(plates.length).toBeGreaterThan(0);
    expect(parked.size).toBeGreaterThan(0);
    for (const p of plates) expect(parked.has(p), p).toBe(false);
  }, 20_000);

  it('survives the broker going away and still stops cleanly', async () => {
    const broker = await startBroker();
    cleanups.push(broker.close);
    const logs: string[] = [];
    const fleet = await startFleet({
      mqttUrl: broker.url, devices: DEVICES, lots: LOTS, speed: 7200, heartbeatSeconds: 0.1,
      startTime: new Date('2026-11-23T08:00:00+08:00'), log: (m) => logs.push(m),
    });
    cleanups.push(fleet.stop);
    expect(await waitFor(() => broker.received.length > 20, 5000)).toBe(true);
    await broker.close();
    expect(await waitFor(() => fleet.stats().connected === 0, 5000)).toBe(true);
    const before = fleet.stats().published;
    // The city and heartbeats go on; messages queue on the devices for when the broker is back,
    // and nothing more is handed to MQTT while the links are down (mqtt.js would store it all).
    expect(await waitFor(() => fleet.stats().queued > 20, 5000)).toBe(true);
    expect(fleet.stats().published).toBe(before);
    await fleet.stop();
    const s = fleet.stats();
    expect(s.queued).toBe(0);
    expect(s.droppedHeartbeats + s.droppedEvents).toBeGreaterThan(20); // what never left is counted
    expect(logs.at(-1)).toMatch(/stopped/);
  }, 20_000);

  it('in gateway mode publishes each sensor\'s messages over its gateway\'s one connection, on the sensor\'s own topic', async () => {
    const connections = new Set<string>();
    const { fleet, received, broker } = await run({ devices: GATEWAY_DEVICES, mode: 'gateway' });
    void broker;
    const s = fleet.stats();
    const cameras = DEVICES.filter((d) => d.kind !== 'bay-sensor').length;
    expect(s.links).toBe(2 + cameras);
    expect(s.acked).toBe(s.published);
    for (const r of received) {
      connections.add(r.clientId);
      const sender = byId.get(r.clientId)!;
      const topicDevice = r.topic.split('/')[1];
      const device = byId.get(topicDevice)!;
      expect(parseDeviceMessage(device.kind, r.payload).ok, r.payload).toBe(true);
      if (device.kind === 'bay-sensor') expect(r.clientId).toBe(device.gatewayId);
      else expect(topicDevice).toBe(r.clientId); // cameras, and the gateways' own heartbeats
      if (sender.kind === 'gateway' && topicDevice === sender.id) expect(r.message.type).toBe('heartbeat');
    }
    expect(connections).toEqual(new Set(['gw-1', 'gw-2', ...DEVICES.filter((d) => d.kind !== 'bay-sensor').map((d) => d.id)]));
    // Every child keeps its own increasing seq although they share a connection.
    for (const [id, msgs] of groupBy(received, (r) => r.topic)) {
      const seqs = msgs.map((m) => m.message.seq);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i], id).toBeGreaterThan(seqs[i - 1]);
    }
  }, 20_000);

  it('keeps at most a window of messages awaiting PUBACK per connection when the broker is slow, queueing the rest in order', async () => {
    // 1 s per PUBACK: a gateway's window carries ~100 msg/s, far less than its 10–20 children beating
    // every 10 ms, so backlogs form even on a slow, shared machine.
    const broker = await startBroker({ pubackDelayMs: 1000 });
    cleanups.push(broker.close);
    const fleet = await startFleet({
      mqttUrl: broker.url, devices: GATEWAY_DEVICES, lots: LOTS, mode: 'gateway', seed: 7, speed: 7200,
      startTime: new Date('2026-11-23T07:30:00+08:00'), heartbeatSeconds: 0.01, initialOccupancy: 0.5, startupRampSeconds: 0,
    });
    cleanups.push(fleet.stop);
    // Sample the client side as often as the event loop allows while the slow broker backs it up.
    let maxInFlight = 0;
    let maxQueued = 0;
    const sampler = setInterval(() => {
      const s = fleet.stats();
      maxInFlight = Math.max(maxInFlight, s.inFlight);
      maxQueued = Math.max(maxQueued, s.queued);
    }, 1);
    expect(await waitFor(() => fleet.stats().acked >= 400, 15_000)).toBe(true);
    clearInterval(sampler);
    await fleet.stop();
    // Gateways 100 each, cameras 10 each: never more held at the broker by one connection.
    const cameras = DEVICES.filter((d) => d.kind !== 'bay-sensor').length;
    for (const [id, held] of broker.maxHeld) expect(held, id).toBeLessThanOrEqual(id.startsWith('gw-') ? 100 : 10);
    expect(maxInFlight).toBeLessThanOrEqual(2 * 100 + cameras * 10);
    // The window was the limit, not the traffic: windows filled and the rest waited in backlogs.
    expect(maxInFlight).toBeGreaterThanOrEqual(100);
    expect(Math.max(maxQueued, fleet.queuedPeak())).toBeGreaterThan(0);
    // Order is kept through the backlog: each device's seqs arrive increasing.
    for (const [id, msgs] of groupBy(broker.received, (r) => r.topic)) {
      const seqs = msgs.map((m) => m.message.seq);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i], id).toBeGreaterThan(seqs[i - 1]);
    }
  }, 30_000);

  it('spreads the start-up state report over the ramp, each device\'s report still first', async () => {
    const broker = await startBroker();
    cleanups.push(broker.close);
    const arrivedAt: Array<{ at: number; r: Received }> = [];
    broker.broker.on('publish', (packet, client) => {
      if (client) arrivedAt.push({ at: Date.now(), r: { clientId: client.id, topic: packet.topic, payload: '', message: JSON.parse(packet.payload.toString()), at: Date.now() } });
    });
    const heldSent: Array<[ts: string, bay: string | undefined]> = [];
    const t0 = Date.now();
    const fleet = await startFleet({
      mqttUrl: broker.url, devices: GATEWAY_DEVICES, lots: LOTS, mode: 'gateway', seed: 7,
      speed: 1, heartbeatSeconds: 3600, initialOccupancy: 0.5, startupRampSeconds: 1.5,
      onLateSent: (ts, bay) => heldSent.push([ts, bay]),
    });
    cleanups.push(fleet.stop);
    const opened = Date.now();
    const { startup } = fleet.stats();
    expect(startup.rampSeconds).toBe(1.5);
    // Every bay's state, a camera reading of each occupied kerb bay and a gate "in" for each parked garage car.
    expect(startup.messages).toBeGreaterThanOrEqual(DEVICES.filter((d) => d.kind === 'bay-sensor').length);
    expect(startup.pending).toBeGreaterThan(0); // not all at once
    expect(await waitFor(() => fleet.stats().startup.pending === 0 && fleet.stats().acked >= startup.messages, 5000)).toBe(true);
    await fleet.stop();
    const times = arrivedAt.map((a) => a.at - opened);
    // Spread: the first third and the last third of the ramp both carry a share of the report.
    expect(times.filter((t) => t < 500).length).toBeGreaterThan(0);
    expect(times.filter((t) => t > 1000 && t < 1800).length).toBeGreaterThan(0);
    expect(Math.max(...times)).toBeLessThan(1500 + 1000);
    expect(opened - t0).toBeLessThan(5000);
    // Each message held for its turn is told as it goes (latency is measured from then, not its ts).
    expect(heldSent.length).toBeGreaterThanOrEqual(startup.messages);
    // Told with the bay it is about (a sensor's own, a camera's read's): bench:city keys latency by bay and ts.
    const told = new Set(heldSent.map(([ts, bay]) => `${bay} ${ts}`));
    const sensorBayOf = new Map(DEVICES.flatMap((d) => (d.kind === 'bay-sensor' ? [[d.id, d.bayCode!]] : [])));
    const bayOf = (a: { r: Received }) => (a.r.message as { bay?: string }).bay ?? sensorBayOf.get(a.r.topic.split('/')[1]);
    expect(arrivedAt.filter((a) => told.has(`${bayOf(a)} ${a.r.message.ts}`)).length).toBeGreaterThanOrEqual(startup.messages);
    // Each sensor's first message is its start-up occupancy report; seqs increase per device.
    for (const [topic, msgs] of groupBy(arrivedAt.map((a) => a.r), (r) => r.topic)) {
      if (topic.includes('sen-')) expect(msgs[0].message.type, topic).toBe('occupancy');
      for (let i = 1; i < msgs.length; i++) expect(msgs[i].message.seq, topic).toBeGreaterThan(msgs[i - 1].message.seq);
    }
  }, 20_000);

  it('in gateway mode says clearly when the credentials have no gateways', async () => {
    await expect(startFleet({ mqttUrl: 'mqtt://127.0.0.1:9', devices: DEVICES, lots: LOTS, speed: 1, mode: 'gateway' })).rejects.toThrow(/no device of kind "gateway"/);
  });

  it('keeps stuck sensors on their first value and dead devices silent, and marks their bays in the truth', async () => {
    const { fleet, received } = await run({ faults: { stuck: 0.3, dead: 0.3 } });
    const s = fleet.stats();
    expect(s.stuckDevices).toBeGreaterThan(0);
    expect(s.deadDevices).toBeGreaterThan(0);
    const perDevice = groupBy(received, (r) => r.clientId);
    const truth = fleet.truth().bays;
    const faulty = [...truth.values()].filter((t) => t.sensorFault);
    expect(faulty.length).toBeGreaterThan(0);
    for (const t of faulty) {
      const msgs = perDevice.get(t.sensor!)?.map((r) => r.message) ?? [];
      if (t.sensorFault === 'dead') expect(msgs.length, t.sensor).toBeLessThanOrEqual(1);
      else {
        const values = new Set(msgs.flatMap((m) => (m.type === 'occupancy' ? [m.occupied] : [])));
        expect(values.size, t.sensor).toBe(1);
      }
    }
    // Cameras may die too, but only sensors stick.
    expect(s.silenced).toBeGreaterThan(0);
  }, 20_000);

  it("dates a stuck sensor's fault from when its first wrong report was published, not from its older event time", async () => {
    const { fleet, received } = await run({ faults: { stuck: 1, late: 1, lateSeconds: [0.4, 0.6] }, heartbeatSeconds: 0.1 },
      (f) => f.faults().filter((x) => x.since).length >= 3 && f.stats().published >= 100);
    const stuck = fleet.faults().filter((f) => f.fault === 'stuck' && f.since);
    expect(stuck.length).toBeGreaterThanOrEqual(3);
    let published = 0;
    for (const f of stuck) {
      const since = f.since!.getTime();
      // Every message was held back 0.4–0.6 s: the report that showed the fault is older than that,
      // and reached the broker just after the fault's time (handed to MQTT then). One still held
      // back when the fleet stopped never showed, and keeps its event time.
      const mine = received.filter((r) => r.clientId === f.deviceId && r.message.type === 'occupancy');
      if (mine.some((r) => Date.parse(r.message.ts) <= since - 350 && r.at >= since - 20 && r.at - since < 2000)) published += 1;
      // Never its report's own event time (that report arrived later than it says).
      expect(mine.some((r) => Date.parse(r.message.ts) === since), f.deviceId).toBe(false);
    }
    expect(published).toBeGreaterThanOrEqual(2);
  }, 20_000);

  it("dates a dead device's silence from when its last message went out, when that was after its first missed beat", async () => {
    const { fleet, received } = await run({ faults: { dead: 1, late: 1, lateSeconds: [0.4, 0.6] }, heartbeatSeconds: 0.1 },
      (f) => f.faults().filter((x) => x.fault === 'dead' && x.since).length >= 5 && f.stats().published >= 20);
    const dead = fleet.faults().filter((f) => f.fault === 'dead' && f.since);
    let checked = 0;
    for (const f of dead) {
      // Its one message was held back 0.4–0.6 s; its first heartbeat fell due 0.1 s after it was said.
      const mine = received.filter((r) => r.clientId === f.deviceId);
      if (!mine.length) continue; // still held back when the fleet stopped: it never went
      expect(f.since!.getTime(), f.deviceId).toBeGreaterThanOrEqual(mine[0].at - 50);
      expect(f.since!.getTime() - Date.parse(mine[0].message.ts), f.deviceId).toBeGreaterThan(300);
      checked += 1;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  }, 20_000);

  it('gives sensors with intermittent radio outages in which all they send is lost, and lists them as faulty', async () => {
    const { fleet, received } = await run({ faults: { flaky: 1, flakyOutageSeconds: 3600 }, heartbeatSeconds: 0.1 }, (f) => f.stats().lost > 20);
    const faults = fleet.faults();
    const flaky = faults.filter((f) => f.fault === 'intermittent');
    expect(flaky.length).toBeGreaterThan(0);
    expect(flaky.every((f) => f.kind === 'bay-sensor')).toBe(true);
    // An hour-long outage: a sensor that went into one says nothing after it began.
    const started = flaky.filter((f) => f.since);
    expect(started.length).toBeGreaterThan(0);
    for (const f of started) {
      const after = received.filter((r) => r.clientId === f.deviceId && Date.parse(r.message.ts) > f.since!.getTime());
      expect(after, f.deviceId).toEqual([]);
    }
  }, 20_000);

  it('skews each device\'s clock by a fixed offset within the bound', async () => {
    const t0 = Date.now();
    const { received } = await run({ faults: { clockSkewSeconds: 30 }, heartbeatSeconds: 0.1 }, (f) => f.stats().published >= 300);
    const t1 = Date.now();
    let skewed = 0;
    for (const r of received) {
      const ts = Date.parse(r.message.ts);
      expect(ts).toBeGreaterThanOrEqual(t0 - 30_000);
      expect(ts).toBeLessThanOrEqual(t1 + 30_000);
      if (ts < t0 - 1000 || ts > t1 + 1000) skewed += 1;
    }
    expect(skewed).toBeGreaterThan(0);
  }, 20_000);

  it('drains batteries when battery decline is on, and sensors die when empty', async () => {
    const { fleet } = await run({ faults: { batteryDrainPerDay: 30 }, heartbeatSeconds: 0.1 }, (f) => f.stats().deadDevices > 0);
    const s = fleet.stats();
    expect(s.deadDevices).toBeGreaterThan(0);
    expect(s.battery.min).toBeLessThanOrEqual(2.2);
    expect(s.battery.low).toBeGreaterThan(0);
  }, 20_000);

  it('reconnect storms drop connections, which come back and deliver', async () => {
    const { fleet } = await run(
      { faults: { reconnectStorm: { everySeconds: 0.5, share: 1 } } },
      (f) => f.stats().storms >= 1 && f.stats().connected === f.stats().links && f.stats().acked > 100,
    );
    const s = fleet.stats();
    expect(s.stormDrops).toBeGreaterThan(0);
    expect(s.acked).toBeGreaterThan(0);
  }, 30_000);

  it('remembers each departed car\'s true plate, lot, bay and times', async () => {
    const { fleet, received } = await run();
    const stays = fleet.stays();
    expect(stays.length).toBeGreaterThan(0);
    const gateTimes = new Set(received.flatMap((r) => (r.message.type === 'gate' ? [`${r.message.direction} ${r.message.plate} ${Date.parse(r.message.ts)}`] : [])));
    let garage = 0;
    for (const s of stays) {
      expect(normalizePlate(s.plate)).toMatchObject({ ok: true });
      expect(s.exit.getTime()).toBeGreaterThan(s.entry.getTime());
      expect(s.bayCode.startsWith(s.lotId)).toBe(true);
      if (s.lotKind !== 'garage') continue;
      // A garage stay runs from the car's gate-in read to its gate-out read.
      expect(gateTimes.has(`in ${s.plate} ${s.entry.getTime()}`), s.plate).toBe(true);
      expect(gateTimes.has(`out ${s.plate} ${s.exit.getTime()}`), s.plate).toBe(true);
      garage += 1;
    }
    expect(garage).toBeGreaterThan(0);
  }, 20_000);

  it('refuses options that make no sense', async () => {
    await expect(startFleet({ mqttUrl: 'mqtt://127.0.0.1:9', devices: [], lots: [], speed: 0 })).rejects.toThrow(/speed/);
    await expect(startFleet({ mqttUrl: 'mqtt://127.0.0.1:9', devices: [], lots: [], speed: 1, faults: { loss: 2 } })).rejects.toThrow(/faults.loss/);
  });
});

describe('Backlog (a link\'s queue behind its window)', () => {
  it('keeps order, and when full drops the oldest heartbeat first, then refuses heartbeats, then displaces the oldest event', () => {
    const b = new Backlog(4);
    expect(b.push('t', 'e1', 'event')).toBe('queued');
    expect(b.push('t', 'h1', 'heartbeat')).toBe('queued');
    expect(b.push('t', 'e2', 'event')).toBe('queued');
    expect(b.push('t', 'h2', 'heartbeat')).toBe('queued');
    expect(b.push('t', 'e3', 'event')).toBe('displaced-heartbeat'); // h1 goes
    expect(b.push('t', 'e4', 'event')).toBe('displaced-heartbeat'); // h2 goes
    expect(b.push('t', 'h3', 'heartbeat')).toBe('refused'); // only events left: never displace one for a heartbeat
    expect(b.push('t', 'e5', 'event')).toBe('displaced-event'); // e1, the oldest, goes (and is counted by Links)
    const out: string[] = [];
    for (let q = b.shift(); q; q = b.shift()) out.push(q.payload);
    expect(out).toEqual(['e2', 'e3', 'e4', 'e5']);
    expect(b.size).toBe(0);
  });

  it('stays bounded while heartbeats churn through a full backlog', () => {
    const b = new Backlog(100);
    for (let i = 0; i < 50; i++) b.push('t', `e${i}`, 'event');
    for (let i = 0; i < 100_000; i++) b.push('t', `h${i}`, 'heartbeat');
    expect(b.size).toBe(100);
    expect(b.heartbeats).toBe(50);
    const out: string[] = [];
    for (let q = b.shift(); q; q = b.shift()) out.push(q.payload);
    expect(out.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => `e${i}`));
    expect(out.slice(50)).toEqual(Array.from({ length: 50 }, (_, i) => `h${100_000 - 50 + i}`));
  });
});

describe('Links flow control over a real broker', () => {
  it('never has more than the window awaiting PUBACK while PUBACKs are delayed, and delivers the rest in order', async () => {
    const broker = await startBroker({ pubackDelayMs: 30 });
    cleanups.push(broker.close);
    const links = new Links({ mqttUrl: broker.url, links: [{ id: 'gw-1', secret: 'secret-gw-1', window: 5, maxBacklog: 1000 }], concurrency: 1, rng: () => 0.5, log: () => {} });
    cleanups.push(() => links.close());
    await links.open();
    let max = 0;
    let sent = 0;
    const sampler = setInterval(() => { max = Math.max(max, links.inFlightOn(0)); }, 1);
    for (let i = 0; i < 60; i++) {
      links.send(0, eventsTopic('sen-S1-01'), JSON.stringify({ type: 'heartbeat', seq: i, ts: new Date().toISOString() }), 'heartbeat', () => { sent += 1; });
      max = Math.max(max, links.inFlightOn(0));
    }
    expect(links.inFlight()).toBe(5);
    expect(links.queued()).toBe(55);
    expect(sent).toBe(5); // told as each is handed to MQTT, not when queued
    expect(await waitFor(() => links.stats.acked === 60, 10_000)).toBe(true);
    clearInterval(sampler);
    expect(max).toBe(5);
    expect(broker.maxHeld.get('gw-1')).toBeLessThanOrEqual(5);
    expect(broker.received.map((r) => r.message.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(links.stats).toMatchObject({ published: 60, dropped: 0, errors: 0 });
    expect(sent).toBe(60);
  }, 20_000);

  it('at close, waits for the PUBACKs of what it published though the broker answers after the queue drain, and drops only what was still queued', async () => {
    const broker = await startBroker({ pubackDelayMs: 4_000 }); // longer than close's 3 s for the queues
    cleanups.push(broker.close);
    const links = new Links({ mqttUrl: broker.url, links: [{ id: 'gw-1', secret: 'secret-gw-1', window: 5, maxBacklog: 1000 }], concurrency: 1, rng: () => 0.5, log: () => {} });
    cleanups.push(() => links.close());
    await links.open();
    for (let i = 0; i < 8; i++) links.send(0, eventsTopic('sen-S1-01'), JSON.stringify({ type: 'occupancy', occupied: i % 2 === 0, seq: i, ts: new Date().toISOString() }));
    expect([links.inFlight(), links.queued()]).toEqual([5, 3]);
    await links.close();
    // The five published were acknowledged (and the broker has them); the three queued behind them never went.
    expect(links.stats).toMatchObject({ published: 5, acked: 5, droppedEvents: 3, unackedAtClose: 0, errors: 0 });
    expect(broker.received.map((r) => r.message.seq)).toEqual([0, 1, 2, 3, 4]);
  }, 20_000);

  it('queues while the link is down, counts what its full backlog drops, and says so at close (none of it published)', async () => {
    const logs: string[] = [];
    const sent: string[] = [];
    const links = new Links({ mqttUrl: 'mqtt://127.0.0.1:9', links: [{ id: 'gw-1', secret: 'x', window: 5, maxBacklog: 10 }], concurrency: 1, rng: () => 0.5, log: (m) => logs.push(m) });
    cleanups.push(() => links.close());
    await links.open(); // refused: it keeps retrying
    for (let i = 0; i < 8; i++) links.send(0, 't', `e${i}`, 'event', () => sent.push(`e${i}`));
    for (let i = 0; i < 5; i++) links.send(0, 't', `h${i}`, 'heartbeat', () => sent.push(`h${i}`));
    expect(links.stats.published).toBe(0); // nothing handed to mqtt.js while down
    expect(links.queued()).toBe(10);
    expect(links.stats).toMatchObject({ droppedHeartbeats: 3, droppedEvents: 0 });
    for (let i = 8; i < 12; i++) links.send(0, 't', `e${i}`, 'event', () => sent.push(`e${i}`));
    expect(links.stats).toMatchObject({ droppedHeartbeats: 5, droppedEvents: 2 });
    expect(logs.some((m) => /event\(s\) dropped/.test(m))).toBe(true);
    await links.close();
    expect(links.queued()).toBe(0);
    expect(links.stats).toMatchObject({ droppedEvents: 12, droppedHeartbeats: 5, dropped: 17 });
    expect(sent).toEqual([]); // the fleet's record of what it published (report-log.ts) has none of them
  }, 20_000);
});

describe('planLinks', () => {
  it('gives every device its own link per-device, and groups children under their gateway in gateway mode', () => {
    const per = planLinks(GATEWAY_DEVICES, 'per-device');
    expect(per.links.length).toBe(DEVICES.length); // gateways are not used
    const gw = planLinks(GATEWAY_DEVICES, 'gateway');
    expect(gw.gateways).toBe(2);
    expect(gw.viaGateway).toBe(DEVICES.filter((d) => d.kind === 'bay-sensor').length);
    expect(gw.links[gw.linkOf.get('sen-G1-01')!].id).toBe('gw-2');
    expect(gw.links[gw.linkOf.get('cam-S1-1')!].id).toBe('cam-S1-1');
  });
});

describe('TimeWheel', () => {
  it('delivers each id once when due, and again after rescheduling', () => {
    const wheel = new TimeWheel(100, 1000, 0);
    for (let i = 0; i < 50; i++) wheel.schedule(i * 20, i);
    const seen: number[] = [];
    wheel.drain(499, (id, due) => {
      expect(id * 20).toBeLessThanOrEqual(due + 100);
      seen.push(id);
    });
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    wheel.drain(999, (id) => { seen.push(id); wheel.schedule(1500, id); });
    expect(seen.length).toBe(50);
    const again: number[] = [];
    wheel.drain(1400, (id) => again.push(id));
    expect(again).toEqual([]);
    wheel.drain(1500, (id) => again.push(id));
    expect(again.length).toBe(25);
  });

  it('puts ids scheduled in the past into the next slot', () => {
    const wheel = new TimeWheel(100, 1000, 0);
    wheel.drain(1000, () => {});
    wheel.schedule(10, 7);
    const seen: number[] = [];
    wheel.drain(1100, (id) => seen.push(id));
    expect(seen).toEqual([7]);
  });
});

describe('createCitySim (the pure city model)', () => {
  const simulate = (seed: number) => {
    const out: Array<{ deviceId: string; body: MessageBody; ts: string }> = [];
    const start = new Date('2026-11-23T08:00:00+08:00');
    const sim = createCitySim({
      lots: LOTS, devices: DEVICES, start, rng: seededRandom(seed), stamp: (ms) => new Date(ms),
      emit: (deviceId, body, t) => out.push({ deviceId, body, ts: t.toISOString() }),
    });
    sim.populate(0.5);
    for (let m = 1; m <= 24 * 60; m++) sim.advanceTo(start.getTime() + m * 60_000); // one day, minute by minute
    return { out, sim };
  };

  it('is deterministic for a seed', () => {
    expect(simulate(3).out).toEqual(simulate(3).out);
    expect(simulate(3).out).not.toEqual(simulate(4).out);
  });

  it('never parks more cars than bays, turns cars away when full, and keeps a quiet night', () => {
    const { out, sim } = simulate(5);
    const c = sim.counts();
    expect(c.arrivals).toBeGreaterThan(50);
    expect(c.departures).toBeLessThanOrEqual(c.arrivals + 9); // + the cars parked at the start
    expect(c.turnedAway).toBeGreaterThan(0);
    const occupied = new Map<string, boolean>();
    for (const e of out) {
      if (e.body.type !== 'occupancy') continue;
      const bay = byId.get(e.deviceId)!.bayCode!;
      // A sensor alternates occupied/free (after the start-up report of every bay).
      if (occupied.has(bay)) expect(e.body.occupied).toBe(!occupied.get(bay));
      occupied.set(bay, e.body.occupied);
    }
    const hourOf = (ts: string) => (new Date(ts).getUTCHours() + 8) % 24;
    const gateIns = out.filter((e) => e.body.type === 'gate' && e.body.direction === 'in').map((e) => hourOf(e.ts));
    const night = gateIns.filter((h) => h >= 1 && h < 5).length;
    const morning = gateIns.filter((h) => h >= 8 && h < 12).length;
    expect(morning).toBeGreaterThan(night * 3);
  });
});
