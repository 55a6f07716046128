// What a batch does to bays (ingest/bay-plan.ts): each source's newest word merged into the bay's
// evidence, a late word never rolling a source back, the state decided by ingest/belief.ts, and
// the lot's counts moved by deltas (data quality's doubtful count included). Pure: no database.
import { describe, expect, it, vi } from 'vitest';
import type { IngestEvent } from '../core/ingest-events.ts';
import type { BayRecord } from './bay-mirror.ts';
import type { Fault } from './belief.ts';
import { planBays } from './bay-plan.ts';
import { cadence, silentAfter, DeviceBook, type DeviceRecord } from './device-book.ts';
import { Cadences, dueSilent, judgeNeverHeard, judgeUncadenced } from './evidence-check.ts';

const T = Date.parse('2026-11-23T08:00:00Z');
const at = (s: number) => T + s * 1000;
const empty = (lotId = 'L1'): BayRecord => ({
  lotId, occupied: null, since: null, eventTime: null, deviceId: null, seq: null, basis: 'none', doubt: null, believedAt: null,
  sensorId: null, sensorOccupied: null, sensorTime: null, sensorSince: null, cameraId: null, cameraOccupied: null, cameraTime: null,
  echoes: 0, echoAt: null, sensorSeq: null, echoClean: false, sensorBeat: false,
});
let seqs = 0;
function word(kind: 'bay-sensor' | 'bay-camera', bay: string, occupied: boolean, s: number, deviceId = `${kind === 'bay-sensor' ? 'sen' : 'cam'}-${bay}`): IngestEvent {
  const seq = ++seqs;
  return {
    deviceId, deviceKind: kind, seq, type: kind === 'bay-sensor' ? 'occupancy' : 'bay', eventTime: new Date(at(s)), receivedAt: new Date(at(s)),
    lotId: 'L1', bayCode: bay, payload: {} as IngestEvent['payload'], observation: { bayCode: bay, occupied },
  };
}
/** A mirror of these bays, applying each plan as a committed batch would. */
function mirror(bays: Record<string, BayRecord>) {
  const m = new Map(Object.entries(bays));
  return { get: (c: string) => m.get(c), apply: (p: ReturnType<typeof planBays>) => { for (const u of p.updates) m.set(u.code, u.record); } };
}
const noFaults = () => null;
/** Puts a device into `book` as its load from the database would: a bay sensor of L1 configured for 300 s, never heard, unless given otherwise. */
function keep(book: DeviceBook, r: Pick<DeviceRecord, 'id'> & Partial<DeviceRecord>): void {
  (book as unknown as { add(r: DeviceRecord): void }).add({
    kind: 'bay-sensor', lotId: 'L1', enabled: true, intervalS: 300, seenS: null, lastHeartbeat: null, lastSeen: null, lastHeard: null,
    silentAfter: null, battery: null, writtenSeen: null, writtenBattery: null, filed: null, ...r,
  });
}

describe('planBays', () => {
  it('merges each source\'s newest word, decides the bay, and moves the lot by one', () => {
    const m = mirror({ B1: empty() });
    const p = planBays([word('bay-sensor', 'B1', true, 10), word('bay-sensor', 'B1', false, 5)], [], m, noFaults, at(10));
    expect(p.updates).toHaveLength(1);
    expect(p.updates[0].record).toMatchObject({ occupied: true, basis: 'sensor', doubt: null, sensorOccupied: true, sensorTime: at(10), sensorSince: at(10), since: at(10) });
    expect(p.changes).toEqual([{ code: 'B1', lotId: 'L1', occupied: true, since: new Date(at(10)).toISOString() }]);
    expect(p.deltas.get('L1')).toEqual({ free: 0, occupied: 1, unknown: -1, doubtful: 0 });
    m.apply(p);
    // The camera agrees: the basis changes, the state and the counts do not.
    const q = planBays([word('bay-camera', 'B1', true, 14)], [], m, noFaults, at(14));
    expect(q.updates[0].record).toMatchObject({ occupied: true, basis: 'sensor+camera', since: at(10), eventTime: at(14), deviceId: 'cam-B1' });
    expect(q.changes).toEqual([]);
    expect(q.deltas.size).toBe(0);
  });

  it('counts a late word, and never rolls a source back with it', () => {
    const m = mirror({ B1: empty() });
    m.apply(planBays([word('bay-sensor', 'B1', true, 20)], [], m, noFaults, at(20)));
    const p = planBays([word('bay-sensor', 'B1', false, 15)], [], m, noFaults, at(20));
    expect(p.late).toBe(1);
    expect(p.updates).toEqual([]);
  });

  it('a heartbeat repeating the reading moves its time, not when the reading began (a stuck sensor stays contradicted)', () => {
    const m = mirror({ B1: empty() });
    m.apply(planBays([word('bay-sensor', 'B1', true, 10)], [], m, noFaults, at(10)));
    m.apply(planBays([word('bay-camera', 'B1', false, 27)], [], m, noFaults, at(27)));
    expect(m.get('B1')).toMatchObject({ occupied: false, basis: 'camera', doubt: 'sensor-disagrees' });
    const p = planBays([word('bay-sensor', 'B1', true, 30)], [], m, noFaults, at(30));
    expect(p.updates[0].record).toMatchObject({ occupied: false, doubt: 'sensor-disagrees', sensorTime: at(30), sensorSince: at(10) });
    // A known bay on doubtful evidence counted once against the lot's data quality.
    m.apply(p);
  });

  it('decides a bay again when its sensor is flagged, and ignores "silent" for a device heard in the batch', () => {
    const m = mirror({ B1: empty() });
    m.apply(planBays([word('bay-sensor', 'B1', false, 10)], [], m, noFaults, at(10)));
    const faults = new Map<string, Fault>([['sen-B1', 'silent']]);
    const p = planBays([], ['B1'], m, (id) => faults.get(id) ?? null, at(40));
    expect(p.updates[0].record).toMatchObject({ occupied: null, basis: 'none', doubt: 'sensor-silent', since: at(40) });
    expect(p.deltas.get('L1')).toEqual({ free: -1, occupied: 0, unknown: 1, doubtful: 0 });
    m.apply(p);
    const back = planBays([word('bay-sensor', 'B1', true, 41)], [], m, (id) => faults.get(id) ?? null, at(41));
    expect(back.updates[0].record).toMatchObject({ occupied: true, basis: 'sensor', doubt: null });
    // Nothing to change: a recheck of a settled bay writes nothing.
    m.apply(back);
    expect(planBays([], ['B1'], m, noFaults, at(42)).updates).toEqual([]);
  });

  it('counts a bay resting on the camera against a stuck sensor as doubtful, and back', () => {
    const m = mirror({ B1: empty() });
    m.apply(planBays([word('bay-sensor', 'B1', false, 10), word('bay-camera', 'B1', false, 11)], [], m, noFaults, at(11)));
    const p = planBays([word('bay-camera', 'B1', true, 20)], [], m, noFaults, at(20));
    expect(p.deltas.get('L1')).toEqual({ free: -1, occupied: 1, unknown: 0, doubtful: 1 });
    m.apply(p);
    const q = planBays([word('bay-sensor', 'B1', true, 22)], [], m, noFaults, at(22));
    expect(q.deltas.get('L1')).toEqual({ free: 0, occupied: 0, unknown: 0, doubtful: -1 });
  });

  it('counts a sensor\'s reports that repeat its reading (echoes), not its heartbeats, and forgets them when the reading changes', () => {
    const m = mirror({ B1: empty() });
    m.apply(planBays([word('bay-sensor', 'B1', false, 10)], [], m, noFaults, at(10)));
    m.apply(planBays([{ ...word('bay-sensor', 'B1', false, 20), type: 'heartbeat' }], [], m, noFaults, at(20)));
    expect(m.get('B1')).toMatchObject({ echoes: 0, echoAt: null, sensorTime: at(20), sensorSince: at(10) });
    m.apply(planBays([word('bay-sensor', 'B1', false, 30)], [], m, noFaults, at(30)));
    m.apply(planBays([word('bay-sensor', 'B1', false, 40)], [], m, noFaults, at(40)));
    expect(m.get('B1')).toMatchObject({ echoes: 2, echoAt: at(40), occupied: false });
    m.apply(planBays([word('bay-sensor', 'B1', true, 50)], [], m, noFaults, at(50)));
    expect(m.get('B1')).toMatchObject({ echoes: 0, echoAt: null, occupied: true });
  });

  it('calls an echo consecutive only when it follows the sensor\'s previous word with nothing lost between', () => {
    const m = mirror({ B1: empty(), B2: empty(), B3: empty(), B4: empty() });
    const w = (bay: string, occupied: boolean, s: number, seq: number, type: 'occupancy' | 'heartbeat' = 'occupancy') => ({ ...word('bay-sensor', bay, occupied, s), seq, type });
    // B1: "free" (seq 7), its heartbeat (8), then "free" again (9) a minute on: stuck for sure, even in one batch and out of order.
    m.apply(planBays([w('B1', false, 70, 9), w('B1', false, 10, 7), w('B1', false, 20, 8, 'heartbeat')], [], m, noFaults, at(70)));
    expect(m.get('B1')).toMatchObject({ echoes: 1, echoAt: at(70), echoClean: true, sensorSeq: 9, sensorSince: at(10) });
    // B2: seq 8 was lost (a "taken" that never came): the repeated "free" may be a healthy sensor's.
    m.apply(planBays([w('B2', false, 10, 7)], [], m, noFaults, at(10)));
    m.apply(planBays([w('B2', false, 90, 9)], [], m, noFaults, at(90)));
    expect(m.get('B2')).toMatchObject({ echoes: 1, echoClean: false });
    // …and a change of reading forgets it all.
    m.apply(planBays([w('B2', true, 100, 10)], [], m, noFaults, at(100)));
    expect(m.get('B2')).toMatchObject({ echoes: 0, echoAt: null, echoClean: false, sensorSince: at(100) });
    // B4: a reading repeated within a minute of it beginning (a device restating itself after a reconnect) is no proof either.
    m.apply(planBays([w('B4', false, 10, 7), w('B4', false, 40, 8)], [], m, noFaults, at(40)));
    expect(m.get('B4')).toMatchObject({ echoes: 1, echoClean: false });
    // B3: a resend under a new seq with the same ts is a retry, not a report; a late word counts late and changes nothing.
    m.apply(planBays([w('B3', true, 10, 7), w('B3', true, 10, 8)], [], m, noFaults, at(10)));
    expect(m.get('B3')).toMatchObject({ echoClean: false, sensorSeq: 7 });
    const late = planBays([w('B3', false, 5, 6)], [], m, noFaults, at(10));
    expect(late.late).toBe(1);
    expect(late.updates).toEqual([]);
  });

  it('infers a lost echo from two heartbeats one interval apart with one seq missing, and only then', () => {
    const m = mirror({ B1: empty(), B2: empty(), B3: empty(), B4: empty() });
    const w = (bay: string, occupied: boolean, s: number, seq: number, type: 'occupancy' | 'heartbeat' = 'heartbeat') => ({ ...word('bay-sensor', bay, occupied, s), seq, type });
    const cadence = () => 60_000;
    const plan = (events: IngestEvent[], s: number) => m.apply(planBays(events, [], m, noFaults, at(s), () => false, cadence));
    // B1: "free" since 0, heartbeats at 60 (seq 8) and 120 (seq 10): seq 9 was no heartbeat, so a
    // report, and the reading did not move: a stuck sensor's lost echo.
    plan([w('B1', false, 0, 7, 'occupancy')], 0);
    plan([w('B1', false, 60, 8)], 60);
    plan([w('B1', false, 120, 10)], 120);
    expect(m.get('B1')).toMatchObject({ echoes: 1, echoAt: at(120), echoClean: true });
    // B2: a lost heartbeat leaves two intervals between the next two: nothing inferred.
    plan([w('B2', false, 0, 7, 'occupancy')], 0);
    plan([w('B2', false, 60, 8)], 60);
    plan([w('B2', false, 180, 10)], 180);
    expect(m.get('B2')).toMatchObject({ echoes: 0, echoClean: false });
    // B3: the lost report changed the reading (the heartbeat after it says so): a healthy sensor.
    plan([w('B3', false, 0, 7, 'occupancy')], 0);
    plan([w('B3', false, 60, 8)], 60);
    plan([w('B3', true, 120, 10)], 120);
    expect(m.get('B3')).toMatchObject({ echoes: 0, echoClean: false, sensorSince: at(120) });
    // B4: without a cadence of its own yet (it never beat twice), nothing is inferred.
    m.apply(planBays([w('B4', false, 0, 7, 'occupancy')], [], m, noFaults, at(0)));
    m.apply(planBays([w('B4', false, 60, 8)], [], m, noFaults, at(60)));
    m.apply(planBays([w('B4', false, 120, 10)], [], m, noFaults, at(120)));
    expect(m.get('B4')).toMatchObject({ echoes: 0, echoClean: false });
  });

  it('stores a heartbeat that only restates the reading once its time is 30 minutes past the stored one; anything else at once', () => {
    const m = mirror({ B1: empty(), B2: empty() });
    const beat = (bay: string, occupied: boolean, s: number) => ({ ...word('bay-sensor', bay, occupied, s), type: 'heartbeat' as const });
    m.apply(planBays([word('bay-sensor', 'B1', true, 0), word('bay-sensor', 'B2', false, 0)], [], m, noFaults, at(0)));
    const store = (p: ReturnType<typeof planBays>) => Object.fromEntries(p.updates.map((u) => [u.code, u.store]));
    // Ten minutes on: both restate their reading. In the mirror their time moves; the rows keep 0.
    let p = planBays([beat('B1', true, 600), beat('B2', false, 600)], [], m, noFaults, at(600));
    expect(store(p)).toEqual({ B1: false, B2: false });
    expect(p.updates[0].record).toMatchObject({ sensorTime: at(600), storedSensorTime: at(0), occupied: true, since: at(0) });
    m.apply(p);
    p = planBays([beat('B1', true, 1200), beat('B2', false, 1200)], [], m, noFaults, at(1200));
    expect(store(p)).toEqual({ B1: false, B2: false });
    m.apply(p);
    // Thirty minutes after the stored time: stored, and the next thirty counted from it.
    p = planBays([beat('B1', true, 1800), beat('B2', true, 1799)], [], m, noFaults, at(1800));
    // B2's heartbeat carries a new reading (a lost report healed): stored at once, like a report.
    expect(store(p)).toEqual({ B1: true, B2: true });
    m.apply(p);
    expect(m.get('B1')).toMatchObject({ sensorTime: at(1800), storedSensorTime: at(1800) });
    // A report repeating the reading (an echo) is stored at once: it is evidence, not a time.
    p = planBays([word('bay-sensor', 'B1', true, 1900)], [], m, noFaults, at(1900));
    expect(store(p)).toEqual({ B1: true });
    // A camera's word about the bay is stored at once too.
    p = planBays([beat('B1', true, 2400), word('bay-camera', 'B1', true, 2400)], [], m, noFaults, at(2400));
    expect(store(p)).toEqual({ B1: true });
  });

  it('passes over bays it does not know', () => {
    expect(planBays([word('bay-sensor', 'NOPE', true, 1)], ['GONE'], mirror({}), noFaults, at(1)).updates).toEqual([]);
  });
});

describe('device cadence and silence', () => {
  it('learns the gap between heartbeats, leaving out lost beats and moving a fifth on a short one', () => {
    expect(cadence(null, null, at(0))).toBeNull();
    expect(cadence(null, at(0), at(10))).toBe(10);
    expect(cadence(10, at(10), at(40))).toBe(10); // two beats lost
    expect(cadence(10, at(10), at(15))).toBe(9); // a short gap moves it by a fifth
    expect(cadence(10, at(10), at(10.5))).toBe(10); // a repeat, not a cadence
  });

  it('counts silent after 2.2 of its cadence past its last heartbeat, and 1.5 past its last word', () => {
    const base = { intervalS: 300, seenS: 10, lastHeartbeat: at(100), lastSeen: at(100), lastHeard: at(100) };
    expect(silentAfter(base)).toBe(at(122));
    expect(silentAfter({ ...base, lastSeen: at(115), lastHeard: at(115) })).toBe(at(130));
    expect(silentAfter({ ...base, seenS: null })).toBe(at(100 + 660)); // its configured interval until it beat twice
    expect(silentAfter({ ...base, lastSeen: null })).toBeNull();
  });

  it('plans a device\'s new state from a batch, and writes it only at last_seen\'s minute resolution unless shared', () => {
    const book = new DeviceBook();
    // A device as the database would hand it over.
    keep(book, { id: 'D1', seenS: 10, lastHeartbeat: at(0), lastSeen: at(0), lastHeard: at(0), silentAfter: at(22), battery: 3.6, writtenSeen: at(0), writtenBattery: 3.6 });
    const beat = (s: number): IngestEvent => ({ deviceId: 'D1', deviceKind: 'bay-sensor', seq: ++seqs, type: 'heartbeat', eventTime: new Date(at(s)), receivedAt: new Date(at(s)), lotId: 'L1', bayCode: 'B1', payload: {} as IngestEvent['payload'], battery: 3.6 });
    const [t] = book.plan([beat(10)], at(10), false);
    expect(t.record).toMatchObject({ seenS: 10, lastHeartbeat: at(10), silentAfter: at(32) });
    expect(t.write).toBe(false);
    expect(book.plan([beat(10)], at(10), true)[0].write).toBe(true);
    expect(book.plan([beat(70)], at(70), false)[0].write).toBe(true);
    book.apply([t], at(10));
    expect(book.clock).toBe(at(10));
    expect(book.get('D1')!.silentAfter).toBe(at(32));
    expect([...book.due.get(Math.floor(at(32) / 1000))!]).toEqual(['D1']);
    expect(book.due.get(Math.floor(at(22) / 1000))?.size ?? 0).toBe(0);
  });

  it('gives a sensor the lesser of its own cadence and its lot\'s median, which one lost beat cannot stretch, and its lot\'s before it has one', () => {
    const book = new DeviceBook();
    const add = (id: string, lotId: string, seenS: number | null) => keep(book, { id, lotId, seenS, lastHeartbeat: at(0), lastSeen: at(0), lastHeard: at(0) });
    add('A', 'L1', 120); // its first gap held a lost beat
    add('B', 'L1', 60);
    add('C', 'L1', 60);
    add('D', 'L2', 60); // alone in its lot: its own
    add('E', 'L2', null);
    expect(book.cadenceMs('A')).toBe(60_000);
    expect(book.cadenceMs('B')).toBe(60_000);
    expect(book.cadenceMs('D')).toBe(60_000);
    // Not beaten twice yet: its lot's.
    expect(book.cadenceMs('E')).toBe(60_000);
    add('F', 'L3', null); // nor any device of its lot
    expect(book.cadenceMs('F')).toBeNull();
    expect(book.cadenceMs('nobody')).toBeNull();
  });

  it('finds a device silent once its second is due, not before, though its second is the clock\'s (no endless refiling)', () => {
    const book = new DeviceBook();
    keep(book, { id: 'D2', seenS: 10, lastHeartbeat: at(0), lastSeen: at(0), lastHeard: at(0), silentAfter: at(22.5) });
    expect(dueSilent(book, at(22.2), at(0))).toEqual([]);
    expect(dueSilent(book, at(22.4), at(0))).toEqual([]);
    expect(dueSilent(book, at(23), at(0)).map((r) => r.id)).toEqual(['D2']);
    // Counted from when this process came up: up at second 20, its 22.5 s of silence run to 42.5.
    book.schedule(book.get('D2')!);
    expect(dueSilent(book, at(30), at(20))).toEqual([]);
    expect(dueSilent(book, at(43), at(20)).map((r) => r.id)).toEqual(['D2']);
  });

  it('finds a device never heard at all silent two intervals after the city last heard a device for the first time, not while devices still switch on, nor in a lot that has not switched on', () => {
    const book = new DeviceBook();
    // Configured for 300 s, beating every 10: the quiet is judged on the cadence the lot shows.
    const add = (id: string, heard: number | null, lotId = 'L1') => keep(book, { id, lotId, seenS: heard === null ? null : 10, lastHeartbeat: heard, lastSeen: heard, lastHeard: heard });
    add('OLD', at(0)); // heard before this process came up
    add('LATE', null);
    add('NEVER', null);
    // A lot none of whose sensors has spoken has not switched on: left to the minute's backstop.
    add('IDLE-1', null, 'L2');
    add('IDLE-2', null, 'L2');
    expect([...book.unheard].sort()).toEqual(['IDLE-1', 'IDLE-2', 'LATE', 'NEVER']);
    const beat = (id: string, s: number): IngestEvent => ({ deviceId: id, deviceKind: 'bay-sensor', seq: ++seqs, type: 'heartbeat', eventTime: new Date(at(s)), receivedAt: new Date(at(s)), lotId: 'L1', bayCode: 'B1', payload: {} as IngestEvent['payload'] });
    const judged = (clock: number) => {
      judgeNeverHeard(book, at(clock), at(0));
      return dueSilent(book, at(clock), at(0)).map((r) => r.id);
    };
    // LATE switches on at 15 s: the city is not quiet for 20 s until 35 s.
    book.apply(book.plan([beat('LATE', 15)], at(15), false), at(15));
    expect(book.unheard.has('LATE')).toBe(false);
    expect(book.lastNewcomer).toBe(at(15));
    expect(judged(30)).toEqual([]);
    expect(judged(34.9)).toEqual([]);
    expect(judged(36)).toEqual(['NEVER']);
    expect(book.get('NEVER')!.silentAfter).toBe(at(35));
  });

  it('holds a gate dead after its first word to the city\'s gate cadence as soon as any gate has one, not a minute later', () => {
    const book = new DeviceBook();
    const add = (id: string, kind: string, lotId: string, seenS: number | null, heard: number | null) =>
      keep(book, { id, kind, lotId, seenS, lastHeartbeat: seenS === null ? null : heard, lastSeen: heard, lastHeard: heard });
    add('SEN', 'bay-sensor', 'L1', 10, at(0)); // the city has a sensor cadence from the start
    add('DEAD', 'gate-camera', 'L2', null, at(0)); // its start-up word, then nothing
    add('BUSY', 'gate-camera', 'L2', null, null); // its lot's other gate, still sending its start-up report
    add('G3', 'gate-camera', 'L3', null, at(0));
    const beat = (id: string, s: number): IngestEvent => ({ deviceId: id, deviceKind: 'gate-camera', seq: ++seqs, type: 'heartbeat', eventTime: new Date(at(s)), receivedAt: new Date(at(s)), lotId: 'L3', bayCode: null, payload: {} as IngestEvent['payload'] });
    const t0 = Date.now();
    let now = t0;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const cadences = new Cadences(book);
      judgeUncadenced(book, cadences, at(1), book.heard);
      // No gate has a cadence yet: DEAD waits on its configured 300 s.
      expect(book.get('DEAD')!.silentAfter).toBe(at(0) + 1.9 * 300_000);
      // A gate elsewhere beats twice, 10 s apart; the next sweep (2 s on) holds DEAD to that.
      for (const s of [2, 12]) book.apply(book.plan([beat('G3', s)], at(s), false), at(s));
      expect(book.get('G3')!.seenS).toBe(10);
      now = t0 + 2_500;
      judgeUncadenced(book, cadences, at(13), book.heard);
      expect(book.get('DEAD')!.silentAfter).toBe(at(0) + 1.9 * 10_000);
      expect(dueSilent(book, at(20), at(0)).map((r) => r.id)).toEqual(['DEAD']);
    } finally {
      spy.mockRestore();
    }
  });
});
