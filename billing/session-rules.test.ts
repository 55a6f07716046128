import { describe, it, expect } from 'vitest';
import { planBatch, readPlate, type SessionEvent, type SessionRecord, type PendingExit } from './session-rules.ts';
import { confusableKey } from '../core/plates.ts';

const LOT = 'ZZ-G-1';
const T0 = Date.parse('2026-03-10T02:00:00Z');
const at = (min: number) => new Date(T0 + min * 60_000);
const rules = () => ({ minConfidence: 0.8 });
let seq = 0;
const gate = (direction: 'in' | 'out', plate: string, min: number, extra: Partial<SessionEvent> = {}): SessionEvent =>
  ({ kind: 'gate', direction, lotId: LOT, deviceId: 'gate-1', seq: ++seq, time: at(min), plateRead: plate, confidence: 0.95, ...extra }) as SessionEvent;
const cam = (bayCode: string, occupied: boolean, plate: string | null, min: number, confidence: number | null = 0.95): SessionEvent =>
  ({ kind: 'camera', lotId: 'ZZ-S-1', bayCode, deviceId: 'cam-1', seq: ++seq, time: at(min), occupied, plateRead: plate, confidence });
const sensor = (bayCode: string, occupied: boolean, min: number): SessionEvent =>
  ({ kind: 'sensor', lotId: 'ZZ-S-1', bayCode, deviceId: `sen-${bayCode}`, seq: ++seq, time: at(min), occupied });

let nextId = 100;
function open(plate: string, min: number, extra: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: ++nextId, lotId: LOT, bayCode: null, plate, plateKind: plate.length === 8 ? 'new-energy' : 'standard', plateKey: confusableKey(plate),
    status: 'open', entryTime: at(min), entryDevice: 'gate-1', entrySeq: 10_000 + nextId, entryConfidence: 0.95,
    exitTime: null, exitDevice: null, exitSeq: null, exitConfidence: null, exitPlateRead: null, matchMethod: null, reviewReason: null,
    plateReads: [{ role: 'entry', deviceId: 'gate-1', seq: 10_000 + nextId, at: at(min).toISOString(), read: plate, confidence: extra.entryConfidence ?? 0.95, color: null }],
    plateCertainty: 'pending', plateEvidence: null, ...extra,
  };
}
const plan = (events: SessionEvent[], known: SessionRecord[] = [], pending: PendingExit[] = []) => planBatch(events, known, pending, rules);

describe('readPlate', () => {
  it('normalises valid plates', () => {
    expect(readPlate('豫 a·d1234５')).toEqual({ plate: '豫AD12345', kind: 'new-energy', valid: true });
  });
  it('keeps a plate-shaped misread as invalid, with the reason', () => {
    expect(readPlate('豫A012345')).toMatchObject({ plate: '豫A012345', kind: null, valid: false });
    expect(readPlate('?A12345')).toBeNull();
    expect(readPlate('')).toBeNull();
    expect(readPlate(null)).toBeNull();
    expect(readPlate('ABC')).toBeNull();
  });
});

describe('garage entries', () => {
  it('an entry opens a session with the normalised plate, its kind and key', () => {
    const p = plan([gate('in', '豫a·12345', 0)]);
    expect(p.created).toHaveLength(1);
    expect(p.created[0]).toMatchObject({ plate: '豫A12345', plateKind: 'standard', plateKey: confusableKey('豫A12345'), status: 'open', bayCode: null, reviewReason: null });
    expect(p.exceptions).toEqual([]);
  });

  it('a green 8-character plate is a new-energy session', () => {
    expect(plan([gate('in', '豫AD12345', 0)]).created[0]).toMatchObject({ plate: '豫AD12345', plateKind: 'new-energy' });
  });

  it('a second entry of a plate already inside opens nothing, flags the session and keeps an exception', () => {
    const s = open('豫A12345', 0);
    const p = plan([gate('in', '豫A12345', 30)], [s]);
    expect(p.created).toEqual([]);
    expect(p.exceptions).toMatchObject([{ kind: 'double-entry', plate: '豫A12345', session: { id: s.id } }]);
    expect(p.changed).toMatchObject([{ id: s.id, status: 'open', reviewReason: 'double entry' }]);
    expect(s.reviewReason).toBeNull(); // the input is not mutated
  });

  it('a flagged session goes to review when it closes', () => {
    const p = plan([gate('in', '豫A12345', 30), gate('out', '豫A12345', 90)], [open('豫A12345', 0)]);
    expect(p.closedWithPlate).toMatchObject([{ status: 'review', reviewReason: 'double entry', matchMethod: 'exact' }]);
  });

  it('two entries of one plate in one batch: one session and a double-entry exception', () => {
    const p = plan([gate('in', '豫A12345', 0), gate('in', '豫A12345', 5)]);
    expect(p.created).toHaveLength(1);
    expect(p.exceptions.map((x) => x.kind)).toEqual(['double-entry']);
  });

  it('a replayed entry (new seq, same plate and time) opens nothing', () => {
    const s = open('豫A12345', 0);
    const p = plan([gate('in', '豫A12345', 0)], [s]);
    expect(p.created).toEqual([]);
    expect(p.exceptions).toEqual([]);
    expect(p.ignored[0].reason).toMatch(/replay/);
  });

  it('a replayed entry of a session already closed opens nothing', () => {
    const s = open('豫A12345', 0, { status: 'closed', exitTime: at(60), exitDevice: 'gate-1', exitSeq: 1, exitPlateRead: '豫A12345', matchMethod: 'exact' });
    expect(plan([gate('in', '豫A12345', 0)], [s]).created).toEqual([]);
  });

  it('the same device event applied twice (same device and seq) changes nothing', () => {
    const s = open('豫A12345', 0);
    const e = { ...gate('in', '豫A12345', 10), deviceId: s.entryDevice, seq: s.entrySeq } as SessionEvent;
    const p = plan([e], [s]);
    expect(p.created).toEqual([]);
    expect(p.exceptions).toEqual([]);
  });

  it('an unreadable entry plate is an exception, not a session', () => {
    const p = plan([gate('in', 'XYZ', 0)]);
    expect(p.created).toEqual([]);
    expect(p.exceptions).toMatchObject([{ kind: 'unreadable-plate', plate: null }]);
    expect(p.exceptions[0].detail).toEqual({ code: 'unreadable-gate', params: { direction: 'in', read: 'XYZ' } });
  });

  it('a low-confidence entry read sends the stay to review when it closes, even when the exit agrees', () => {
    const p = plan([gate('in', '豫A12345', 0, { confidence: 0.5 } as Partial<SessionEvent>), gate('out', '豫A12345', 60)]);
    expect(p.created[0]).toMatchObject({ status: 'review', entryConfidence: 0.5, plateCertainty: 'uncertain', plateEvidence: { rule: 'low-confidence' } });
    expect(p.created[0].reviewReason).toMatch(/low-confidence entry read \(0\.50 < 0\.8\)/);
    expect(p.exceptions).toMatchObject([{ kind: 'low-confidence', detail: { params: { entryConfidence: 0.5, exitConfidence: 0.95 } } }]);
  });

  it('a read without confidence is taken as certain', () => {
    expect(plan([gate('in', '豫A12345', 0, { confidence: null } as Partial<SessionEvent>)]).created[0].reviewReason).toBeNull();
  });
});

describe('garage exits', () => {
  it('an exit closes the open session of the plate (exact)', () => {
    const s = open('豫A12345', 0);
    const p = plan([gate('out', '豫A12345', 120)], [s]);
    expect(p.changed).toMatchObject([{ id: s.id, status: 'closed', matchMethod: 'exact', exitPlateRead: '豫A12345', exitConfidence: 0.95 }]);
    expect(p.changed[0].exitTime).toEqual(at(120));
    expect(p.closedWithPlate).toHaveLength(1);
  });

  it('entry and exit in one batch: a session created already closed', () => {
    const p = plan([gate('in', '豫A12345', 0), gate('out', '豫A12345', 120)]);
    expect(p.created).toMatchObject([{ status: 'closed', matchMethod: 'exact' }]);
    expect(p.changed).toEqual([]);
  });

  it('entry and exit arriving in the wrong order within a batch are applied in event-time order', () => {
    const p = plan([gate('out', '豫A12345', 120), gate('in', '豫A12345', 0)]);
    expect(p.created).toMatchObject([{ status: 'closed', entryTime: at(0), exitTime: at(120) }]);
    expect(p.exceptions).toEqual([]);
  });

  it('a misread exit (豫A012345 for 豫AD12345) matches by confusable key', () => {
    const s = open('豫AD12345', 0);
    const p = plan([gate('out', '豫A012345', 60)], [s]);
    expect(p.changed).toMatchObject([{ id: s.id, plate: '豫AD12345', matchMethod: 'confusable', exitPlateRead: '豫A012345', status: 'closed' }]);
  });

  it('a misread province (皖 for 豫) matches by confusable key', () => {
    const s = open('豫A12345', 0);
    expect(plan([gate('out', '皖A12345', 60)], [s]).changed).toMatchObject([{ id: s.id, matchMethod: 'confusable' }]);
  });

  it('B↔8 and I↔1 misreads match', () => {
    const s = open('豫AB1234', 0);
    expect(plan([gate('out', '豫A81234', 60)], [s]).changed).toMatchObject([{ id: s.id, matchMethod: 'confusable' }]);
  });

  it('exact wins over a confusable candidate', () => {
    const a = open('豫AD12345', 0);
    const b = open('豫A012345', 5);
    expect(plan([gate('out', '豫A012345', 60)], [a, b]).changed).toMatchObject([{ id: b.id, matchMethod: 'exact' }]);
  });

  it('two confusable candidates are ambiguous: an exception, nothing closed', () => {
    const a = open('豫AD12345', 0);
    const b = open('皖AD12345', 5);
    const p = plan([gate('out', '豫A012345', 60)], [a, b]);
    expect(p.changed).toEqual([]);
    expect(p.exceptions).toMatchObject([{ kind: 'exit-without-entry', plate: '豫A012345' }]);
    expect(p.exceptions[0].detail).toEqual({ code: 'exit-ambiguous', params: { plate: '豫A012345', candidates: ['豫AD12345', '皖AD12345'] } });
  });

  it('a confusable match never crosses lots', () => {
    const s = open('豫A12345', 0, { lotId: 'OTHER' });
    expect(plan([gate('out', '皖A12345', 60)], [s]).exceptions).toMatchObject([{ kind: 'exit-without-entry' }]);
  });

  it('a plate-shaped misread that matches nothing is an unreadable-plate exception', () => {
    expect(plan([gate('out', '豫A012345', 60)]).exceptions).toMatchObject([{ kind: 'unreadable-plate', plate: '豫A012345' }]);
  });

  it('a plate-shaped misread at entry opens the stay under that read; its plate is judged at exit', () => {
    const p = plan([gate('in', '豫A012345', 0)]);
    expect(p.created).toMatchObject([{ plate: '豫A012345', plateKind: null, status: 'open' }]);
    const closed = plan([gate('out', '豫AD12345', 60)], p.created.map((s) => ({ ...s, id: 999 })));
    expect(closed.changed).toMatchObject([{ plate: '豫AD12345', plateKind: 'new-energy', status: 'closed', plateCertainty: 'certain' }]);
    // Never billed under a plate that does not exist: no read of a real plate, no bill.
    const neither = plan([gate('out', '豫A012345', 60)], p.created.map((s) => ({ ...s, id: 998 })));
    expect(neither.changed).toMatchObject([{ status: 'review', plateCertainty: 'uncertain', plateEvidence: { rule: 'no-plate-read' } }]);
  });

  it('an exit with no entry is kept as exit-without-entry', () => {
    const p = plan([gate('out', '豫A99999', 60)]);
    expect(p.exceptions).toMatchObject([{ kind: 'exit-without-entry', plate: '豫A99999', session: null, lotId: LOT }]);
  });

  it('an exit older than the open session\'s entry does not close it', () => {
    const s = open('豫A12345', 100);
    const p = plan([gate('out', '豫A12345', 60)], [s]);
    expect(p.changed).toEqual([]);
    expect(p.exceptions).toMatchObject([{ kind: 'exit-without-entry' }]);
    expect(p.exceptions[0].detail).toEqual({ code: 'exit-before-entry', params: { plate: '豫A12345', exitAt: at(60).toISOString(), entryAt: at(100).toISOString() } });
  });

  it('a replayed exit (new seq, same content) closes nothing and bills nothing', () => {
    const s = open('豫A12345', 0, { status: 'closed', exitTime: at(120), exitDevice: 'gate-1', exitSeq: 5, exitPlateRead: '豫A12345', matchMethod: 'exact' });
    const p = plan([gate('out', '豫A12345', 120)], [s]);
    expect(p.changed).toEqual([]);
    expect(p.exceptions).toEqual([]);
    expect(p.closedWithPlate).toEqual([]);
  });

  it('a duplicated exit in one batch closes once', () => {
    const s = open('豫A12345', 0);
    const e = gate('out', '豫A12345', 120);
    const p = plan([e, { ...e }], [s]);
    expect(p.closedWithPlate).toHaveLength(1);
    expect(p.exceptions).toEqual([]);
  });

  it('a replayed exit with a new seq in the same batch closes once', () => {
    const s = open('豫A12345', 0);
    const p = plan([gate('out', '豫A12345', 120), gate('out', '豫A12345', 120)], [s]);
    expect(p.closedWithPlate).toHaveLength(1);
    expect(p.exceptions).toEqual([]);
  });

  it('a low-confidence exit closes the session to review with a low-confidence exception', () => {
    const s = open('豫A12345', 0);
    const p = plan([gate('out', '豫A12345', 60, { confidence: 0.4 } as Partial<SessionEvent>)], [s]);
    expect(p.closedWithPlate).toMatchObject([{ status: 'review' }]);
    expect(p.closedWithPlate[0].reviewReason).toMatch(/low-confidence exit read/);
    expect(p.exceptions).toMatchObject([{ kind: 'low-confidence', session: { id: s.id } }]);
  });

  it('a low-confidence entry sends the session to review at exit', () => {
    const s = open('豫A12345', 0, { entryConfidence: 0.3, reviewReason: 'low-confidence entry read (0.30 < 0.8)' });
    const p = plan([gate('out', '豫A12345', 60)], [s]);
    expect(p.closedWithPlate).toMatchObject([{ status: 'review' }]);
    expect(p.exceptions.map((x) => x.kind)).toEqual(['low-confidence']);
  });

  it('the threshold is the lot\'s', () => {
    const s = open('豫A12345', 0);
    const p = planBatch([gate('out', '豫A12345', 60, { confidence: 0.6 } as Partial<SessionEvent>)], [s], [], () => ({ minConfidence: 0.5 }));
    expect(p.closedWithPlate).toMatchObject([{ status: 'closed' }]);
  });

  it('an unreadable exit plate is an exception', () => {
    const s = open('豫A12345', 0);
    const p = plan([gate('out', '12345', 60)], [s]);
    expect(p.changed).toEqual([]);
    expect(p.exceptions).toMatchObject([{ kind: 'unreadable-plate' }]);
  });

  it('the latest open session before the exit is the one closed', () => {
    const a = open('豫A12345', 0);
    const b = open('豫A12345', 30, { id: 999 });
    expect(plan([gate('out', '豫A12345', 60)], [a, b]).changed).toMatchObject([{ id: 999 }]);
  });
});

describe('out-of-order entries claim their exit', () => {
  const pendingExit = (min: number, confidence: number | null = 0.9): PendingExit =>
    ({ exceptionId: 7, lotId: LOT, plate: '豫A12345', deviceId: 'gate-2', seq: 55, time: at(min), confidence });

  it('a late entry finds the exit kept as exit-without-entry: session created closed, exception resolved', () => {
    const p = plan([gate('in', '豫A12345', 0)], [], [pendingExit(120)]);
    expect(p.created).toMatchObject([{ status: 'closed', matchMethod: 'exact', exitDevice: 'gate-2', exitSeq: 55, exitTime: at(120) }]);
    expect(p.claimedExits).toMatchObject([{ exceptionId: 7 }]);
    expect(p.closedWithPlate).toHaveLength(1);
  });

  it('a late entry claims the only pending exit one misread away, and the plate rules judge the two reads', () => {
    // The exit read the province wrong (新 for 豫) and came first; the entry, held up, comes after.
    const misread = { ...pendingExit(120, 0.95), plate: '新A12345' };
    const p = plan([gate('in', '豫A12345', 0, { confidence: 0.95 })], [], [misread]);
    expect(p.created).toMatchObject([{ status: 'review', matchMethod: 'confusable', exitDevice: 'gate-2', exitTime: at(120) }]);
    expect(p.claimedExits).toMatchObject([{ exceptionId: 7 }]);
    // Two such exits: which was this car's is not known, so neither is claimed.
    const two = plan([gate('in', '豫A12345', 0)], [], [misread, { ...misread, exceptionId: 8, plate: '皖A12345', seq: 56 }]);
    expect(two.created).toMatchObject([{ status: 'open' }]);
    expect(two.claimedExits).toEqual([]);
    // Its own plate's exit is claimed before a misread one.
    const own = plan([gate('in', '豫A12345', 0)], [], [misread, { ...pendingExit(130), exceptionId: 9 }]);
    expect(own.claimedExits).toMatchObject([{ exceptionId: 9 }]);
  });

  it('an exit before the entry is not claimed', () => {
    const p = plan([gate('in', '豫A12345', 200)], [], [pendingExit(120)]);
    expect(p.created).toMatchObject([{ status: 'open' }]);
    expect(p.claimedExits).toEqual([]);
  });

  it('a claimed low-confidence exit still goes to review', () => {
    const p = plan([gate('in', '豫A12345', 0)], [], [pendingExit(120, 0.5)]);
    expect(p.created).toMatchObject([{ status: 'review' }]);
  });
});

describe('street bays: cameras', () => {
  const bayOpen = (plate: string | null, min: number, extra: Partial<SessionRecord> = {}) =>
    open(plate ?? '豫A00000', min, { lotId: 'ZZ-S-1', bayCode: 'B1', entryDevice: 'cam-1', ...(plate ? {} : { plate: null, plateKind: null, plateKey: null, status: 'anonymous' }), ...extra });

  it('a camera plate read opens a session on the bay', () => {
    expect(plan([cam('B1', true, '豫A12345', 0)]).created).toMatchObject([{ bayCode: 'B1', plate: '豫A12345', status: 'open', lotId: 'ZZ-S-1' }]);
  });

  it('the same plate seen again is a re-sighting, also when misread', () => {
    const s = bayOpen('豫AD12345', 0);
    const p = plan([cam('B1', true, '豫AD12345', 5), cam('B1', true, '豫A012345', 10)], [s]);
    expect(p.created).toEqual([]);
    // Each sighting is one more read of the plate, kept for the judgement at exit.
    expect(p.changed).toMatchObject([{ id: s.id, status: 'open', exitTime: null }]);
    expect(p.changed[0].plateReads.map((r) => [r.role, r.read])).toEqual([['entry', '豫AD12345'], ['sighting', '豫AD12345'], ['sighting', '豫A012345']]);
  });

  it('free closes the bay session (match bay) and records the plate read at exit', () => {
    const s = bayOpen('豫A12345', 0);
    const p = plan([cam('B1', false, '豫A12345', 60)], [s]);
    expect(p.changed).toMatchObject([{ id: s.id, status: 'closed', matchMethod: 'bay', exitPlateRead: '豫A12345', plateCertainty: 'certain' }]);
  });

  it('a free read of a plate no misread of this car could give is not a read of it', () => {
    const s = bayOpen('豫A12345', 0);
    const p = plan([cam('B1', false, '豫A12346', 60)], [s]);
    expect(p.changed).toMatchObject([{ id: s.id, status: 'closed', exitPlateRead: '豫A12346', plateCertainty: 'certain', plateEvidence: { rule: 'single-confident-read' } }]);
  });

  it('a different plate in a bay never reported free: old session to review (bay-handover), new one opened', () => {
    const s = bayOpen('豫A12345', 0);
    const p = plan([cam('B1', true, '豫B77777', 60)], [s]);
    expect(p.changed).toMatchObject([{ id: s.id, status: 'review', matchMethod: 'bay' }]);
    expect(p.created).toMatchObject([{ plate: '豫B77777', status: 'open' }]);
    expect(p.exceptions).toMatchObject([{ kind: 'bay-handover', plate: '豫A12345' }]);
  });

  it('a camera free report older than the session is stale', () => {
    const s = bayOpen('豫A12345', 60);
    const p = plan([cam('B1', false, null, 30)], [s]);
    expect(p.changed).toEqual([]);
    expect(p.ignored[0].reason).toMatch(/older/);
  });

  it('an occupied report older than the bay\'s last exit (late or replayed) opens nothing', () => {
    const s = bayOpen('豫A12345', 0, { status: 'closed', exitTime: at(60), exitDevice: 'cam-1', exitSeq: 3, matchMethod: 'bay' });
    expect(plan([cam('B1', true, '豫A12345', 0)], [s]).created).toEqual([]);
  });

  it('a camera without a readable plate on an empty bay: anonymous period and an unreadable-plate exception', () => {
    const p = plan([cam('B1', true, null, 0)]);
    expect(p.created).toMatchObject([{ status: 'anonymous', plate: null }]);
    expect(p.exceptions).toMatchObject([{ kind: 'unreadable-plate' }]);
  });

  it('a low-confidence camera read opens a session that goes to review when the bay frees', () => {
    const p = plan([cam('B1', true, '豫A12345', 0, 0.3), cam('B1', false, null, 60)]);
    expect(p.created).toMatchObject([{ status: 'review', matchMethod: 'bay' }]);
    expect(p.exceptions.map((x) => x.kind)).toEqual(['low-confidence']);
  });
});

describe('street bays: sensors', () => {
  it('a sensor-only occupancy is an anonymous period, closed when the sensor says free, never billed', () => {
    const p = plan([sensor('B1', true, 0), sensor('B1', false, 45)]);
    expect(p.created).toMatchObject([{ status: 'anonymous', plate: null, exitTime: at(45), matchMethod: null }]);
    expect(p.closedWithPlate).toEqual([]);
  });

  it('a sensor confirms a camera session (nothing happens)', () => {
    const p = plan([cam('B1', true, '豫A12345', 0), sensor('B1', true, 1)]);
    expect(p.created).toHaveLength(1);
    expect(p.ignored.map((i) => i.reason)).toContain('sensor confirms the bay is occupied');
  });

  it('the camera\'s plate read ends the anonymous period and starts the plate\'s session', () => {
    const p = plan([sensor('B1', true, 0), cam('B1', true, '豫A12345', 2)]);
    expect(p.created).toMatchObject([{ status: 'anonymous', exitTime: at(2) }, { status: 'open', plate: '豫A12345', entryTime: at(2) }]);
  });

  it('a sensor saying free ends a camera session (billed normally)', () => {
    const p = plan([cam('B1', true, '豫A12345', 0), sensor('B1', false, 90), cam('B1', false, null, 91)]);
    expect(p.created).toMatchObject([{ status: 'closed', matchMethod: 'bay', exitTime: at(90) }]);
    expect(p.closedWithPlate).toHaveLength(1);
  });

  describe('a camera plate read delivered after the anonymous period it belongs to ended', () => {
    // The sensor opened an anonymous period at 0; the camera's entry read (at 2) was delivered late.
    const period = (extra: Partial<SessionRecord> = {}) => ({
      id: ++nextId, lotId: 'ZZ-S-1', bayCode: 'B1', plate: null, plateKind: null, plateKey: null, status: 'anonymous',
      entryTime: at(0), entryDevice: 'sen-B1', entrySeq: 9_000 + nextId, entryConfidence: null,
      exitTime: at(45), exitDevice: 'cam-1', exitSeq: 9_500 + nextId, exitConfidence: 0.93, exitPlateRead: '豫A12345', matchMethod: null, reviewReason: null,
      plateReads: [], plateCertainty: 'certain', plateEvidence: null, ...extra,
    }) as SessionRecord;

    it('splits the period: the plate\'s stay runs from the read to the period\'s end, judged on both reads, and is billed', () => {
      const a = period();
      const late = cam('B1', true, '豫A12345', 2);
      const p = plan([late], [a]);
      expect(p.shortened).toEqual([{ session: expect.objectContaining({ id: a.id, exitTime: at(2), exitDevice: 'cam-1', exitSeq: late.seq, exitPlateRead: null }), was: { deviceId: 'cam-1', seq: a.exitSeq, time: at(45) } }]);
      expect(p.created).toMatchObject([{
        plate: '豫A12345', status: 'closed', entryTime: at(2), entrySeq: late.seq, exitTime: at(45), exitDevice: 'cam-1', exitSeq: a.exitSeq,
        exitPlateRead: '豫A12345', matchMethod: 'bay', plateCertainty: 'certain',
      }]);
      expect(p.created[0].plateReads.map((r) => r.role)).toEqual(['entry', 'exit']);
      expect(p.closedWithPlate).toEqual(p.created);
      expect(p.changed).toEqual([]);
      expect(p.ignored).toEqual([]);
    });

    it('a period the sensor ended: the stay waits for the camera\'s exit read, as in order', () => {
      const a = period({ exitDevice: 'sen-B1', exitConfidence: null, exitPlateRead: null });
      const p = plan([cam('B1', true, '豫A12345', 2)], [a]);
      expect(p.created).toMatchObject([{ plate: '豫A12345', status: 'closed', exitDevice: 'sen-B1', exitPlateRead: null, plateCertainty: 'pending' }]);
    });

    it('a misread exit read still makes the pair: judged by the plate rules', () => {
      const a = period({ exitPlateRead: '豫A1234S' });
      const p = plan([cam('B1', true, '豫A12345', 2)], [a]);
      expect(p.created).toHaveLength(1);
      expect(p.created[0].plateReads.map((r) => r.read)).toEqual(['豫A12345', '豫A1234S']);
    });

    it('a period another car\'s plate read ended: the late car\'s stay is a handover, to review', () => {
      const a = period({ exitPlateRead: null, exitConfidence: null });
      const next = { ...period(), id: ++nextId, plate: '豫B77777', plateKey: confusableKey('豫B77777'), status: 'open', entryTime: at(45), entryDevice: 'cam-1', entrySeq: a.exitSeq!, exitTime: null, exitDevice: null, exitSeq: null, exitPlateRead: null } as SessionRecord;
      const p = plan([cam('B1', true, '豫A12345', 2)], [a, next]);
      expect(p.created).toMatchObject([{ plate: '豫A12345', status: 'review', reviewReason: 'bay handover (exit time uncertain)', exitTime: at(45) }]);
      expect(p.exceptions).toMatchObject([{ kind: 'bay-handover', plate: '豫A12345' }]);
    });

    it('a late read of the car whose read ended the period changes nothing', () => {
      const a = period({ exitPlateRead: null, exitConfidence: null });
      const next = { ...period(), id: ++nextId, plate: '豫A12345', plateKey: confusableKey('豫A12345'), status: 'open', entryTime: at(45), entryDevice: 'cam-1', entrySeq: a.exitSeq!, exitTime: null, exitDevice: null, exitSeq: null, exitPlateRead: null } as SessionRecord;
      const p = plan([cam('B1', true, '豫A12345', 2)], [a, next]);
      expect(p.created).toEqual([]);
      expect(p.shortened).toEqual([]);
      expect(p.ignored[0].reason).toMatch(/late read of the car/);
    });

    it('a read from before the period, or without a plate, is stale as before', () => {
      const a = period();
      expect(plan([cam('B1', true, '豫A12345', -5)], [a]).created).toEqual([]);
      const p = plan([cam('B1', true, null, 2)], [a]);
      expect(p.created).toEqual([]);
      expect(p.ignored[0].reason).toMatch(/older/);
    });

    it('in one batch, in event-time order: the same split as the late read', () => {
      const p = plan([sensor('B1', true, 0), cam('B1', false, '豫A12345', 45), cam('B1', true, '豫A12345', 2)]);
      expect(p.created).toMatchObject([{ status: 'anonymous', exitTime: at(2) }, { plate: '豫A12345', status: 'closed', entryTime: at(2), exitTime: at(45), exitPlateRead: '豫A12345' }]);
      expect(p.shortened).toEqual([]);
    });
  });

  it('a repeated sensor report changes nothing', () => {
    const p = plan([sensor('B1', true, 0), sensor('B1', true, 5), sensor('B1', false, 10), sensor('B1', false, 11)]);
    expect(p.created).toHaveLength(1);
  });
});
