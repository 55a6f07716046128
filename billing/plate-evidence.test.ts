import { describe, expect, it } from 'vitest';
import { AGREE_CONFIDENCE, CERTAIN_CONFIDENCE, CONFIDENCE_MARGIN, judgePlate, possiblePlate, withRead, type PlateRead } from './plate-evidence.ts';
import { planBatch, type SessionEvent, type SessionRecord } from './session-rules.ts';
import { confusableKey } from '../core/plates.ts';

let seq = 0;
const read = (role: PlateRead['role'], plate: string, confidence: number | null, color: string | null = null): PlateRead =>
  ({ role, deviceId: `cam-${role}`, seq: ++seq, at: new Date(Date.UTC(2026, 2, 10, 2, seq)).toISOString(), read: plate, confidence, color });
const judge = (reads: PlateRead[], confusableInLot: string[] = []) => judgePlate(reads, { minConfidence: 0.8, fallback: reads[0].read, confusableInLot });

describe('plate rule 1: a read that cannot be a plate names nobody', () => {
  it('sets aside a read of the wrong format or of a length the colour contradicts', () => {
    expect(possiblePlate({ read: '豫A012345', color: 'green' })).toBeNull(); // 0 for D: no such green plate
    expect(possiblePlate({ read: '豫A12345', color: 'green' })).toBeNull(); // 7 characters on a green plate
    expect(possiblePlate({ read: '豫AD12345', color: 'blue' })).toBeNull();
    expect(possiblePlate({ read: '豫AD12345', color: 'green' })).toEqual({ plate: '豫AD12345', kind: 'new-energy' });
    const v = judge([read('entry', '豫AD12345', 0.95, 'green'), read('exit', '豫A012345', 0.93, 'green')]);
    expect(v).toMatchObject({ plate: '豫AD12345', certainty: 'certain', evidence: { rule: 'impossible-read-set-aside', candidates: ['豫AD12345'] } });
  });

  it('still hears a read it set aside: the read left stands only as a lone read would, one misread from it', () => {
    // Both reads wrong (the whole-city run): 豫AD66185's entry read 贵AD66185, its exit 豫A066185 (no such plate).
    expect(judge([read('entry', '贵AD66185', 0.95, 'green'), read('exit', '豫A066185', 0.82, 'green')]))
      .toMatchObject({ plate: '贵AD66185', certainty: 'uncertain', evidence: { rule: 'reads-disagree' } });
    // One misread from it, but the read left is under what a lone read needs.
    expect(judge([read('entry', '豫A008695', 0.89, 'green'), read('exit', '豫ADD8695', 0.92, 'green')]))
      .toMatchObject({ plate: '豫ADD8695', certainty: 'uncertain', evidence: { rule: 'reads-disagree' } });
    // A dropped character is one misread too.
    expect(judge([read('entry', '豫AD12345', 0.96, 'green'), read('exit', '豫AD1234', 0.9, 'green')]))
      .toMatchObject({ plate: '豫AD12345', certainty: 'certain', evidence: { rule: 'impossible-read-set-aside' } });
  });
});

describe('plate rule 2: reads that agree', () => {
  it('are certain when each is at or above the lot minimum and the best at or above AGREE_CONFIDENCE', () => {
    expect(judge([read('entry', '豫A12345', AGREE_CONFIDENCE), read('exit', '豫A12345', 0.85)])).toMatchObject({ plate: '豫A12345', certainty: 'certain', evidence: { rule: 'reads-agree' } });
    // Two cameras can misread a plate alike: two middling reads are not enough.
    expect(judge([read('entry', '豫A12345', AGREE_CONFIDENCE - 0.01), read('exit', '豫A12345', 0.85)])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'low-confidence' } });
  });
  it('are certain only when none is middling: one camera’s misreads repeat, and two cameras misread alike too', () => {
    // The whole-city run: 豫AUD313's kerb stay, read 豫AU0313 by its one camera at arrival and departure.
    const kerb = (role: PlateRead['role'], confidence: number) => ({ ...read(role, '豫AU0313', confidence, 'blue'), deviceId: 'cam-ZZ-HJ-0183-3' });
    expect(judge([kerb('entry', 0.84), kerb('exit', 0.89)])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'low-confidence' } });
    expect(judge([kerb('entry', 0.85), kerb('exit', 0.89)])).toMatchObject({ plate: '豫AU0313', certainty: 'certain', evidence: { rule: 'reads-agree' } });
    // Two cameras (a garage's entry and exit lanes): the whole-city run billed 豫A9M2Y0's stay to 豫A9MZY0, read so by both.
    const lane = (role: PlateRead['role'], confidence: number) => ({ ...read(role, '豫A9MZY0', confidence, 'blue'), deviceId: `gate-ZZ-EQ-0146-${role === 'entry' ? 1 : 2}` });
    expect(judge([lane('entry', 0.89), lane('exit', 0.83)])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'low-confidence' } });
    expect(judge([lane('entry', 0.89), lane('exit', 0.85)])).toMatchObject({ plate: '豫A9MZY0', certainty: 'certain', evidence: { rule: 'reads-agree' } });
    // A lot that asks for less of a read asks for less of these too.
    expect(judgePlate([kerb('entry', 0.6), kerb('exit', 0.9)], { minConfidence: 0.5, fallback: '豫AU0313', confusableInLot: [] })).toMatchObject({ certainty: 'certain' });
  });
  it('are not when one is below it', () => {
    expect(judge([read('entry', '豫A12345', 0.6), read('exit', '豫A12345', 0.97)])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'low-confidence' } });
  });
  it('a camera that gives no confidence is taken at its word', () => {
    expect(judge([read('entry', '豫A12345', null), read('exit', '豫A12345', null)]).certainty).toBe('certain');
  });
});

describe('plate rule 3: reads that disagree', () => {
  it('only in the province, the city\'s own read more confidently: the city\'s plate, certain', () => {
    const home = (reads: PlateRead[]) => judgePlate(reads, { minConfidence: 0.8, homeProvince: '豫', fallback: reads[0].read, confusableInLot: [] });
    // A city run's review queue: 豫GG70N8 read 宁GG70N8 at entry.
    expect(home([read('entry', '宁GG70N8', 0.89), read('exit', '豫GG70N8', 0.92)]))
      .toMatchObject({ plate: '豫GG70N8', certainty: 'certain', evidence: { rule: 'home-province', candidates: ['豫GG70N8', '宁GG70N8'] } });
    // Without a home province, or with another, it is a dissent inside the margin.
    expect(judge([read('entry', '宁GG70N8', 0.89), read('exit', '豫GG70N8', 0.92)])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'reads-disagree' } });
    expect(judgePlate([read('entry', '宁GG70N8', 0.89), read('exit', '豫GG70N8', 0.92)], { minConfidence: 0.8, homeProvince: '鄂', fallback: '宁GG70N8', confusableInLot: [] }))
      .toMatchObject({ certainty: 'uncertain' });
    // The stranger's read the more confident, the home read under CERTAIN_CONFIDENCE, or more than the province apart: uncertain.
    expect(home([read('entry', '宁GG70N8', 0.93), read('exit', '豫GG70N8', 0.92)])).toMatchObject({ certainty: 'uncertain' });
    expect(home([read('entry', '宁GG70N8', 0.85), read('exit', '豫GG70N8', CERTAIN_CONFIDENCE - 0.01)])).toMatchObject({ certainty: 'uncertain' });
    expect(home([read('entry', '宁GG70NB', 0.85), read('exit', '豫GG70N8', 0.95)])).toMatchObject({ certainty: 'uncertain' });
  });
  it('only in the province, neither the city\'s: uncertain, however weak the dissent', () => {
    // A city run billed 豫AD38994's stay to 宁AD38994 (0.95), its entry read 鲁AD38994 (0.69): both misread.
    const reads = [read('entry', '鲁AD38994', 0.69, 'green'), read('exit', '宁AD38994', 0.95, 'green')];
    expect(judgePlate(reads, { minConfidence: 0.8, homeProvince: '豫', fallback: '鲁AD38994', confusableInLot: [] }))
      .toMatchObject({ certainty: 'uncertain', evidence: { rule: 'reads-disagree' } });
    // A serial misread beside it is still a weak dissent.
    expect(judgePlate([read('entry', '宁A1234S', 0.71), read('exit', '宁A12345', 0.95)], { minConfidence: 0.8, homeProvince: '豫', fallback: '宁A1234S', confusableInLot: [] }))
      .toMatchObject({ plate: '宁A12345', certainty: 'certain', evidence: { rule: 'weak-dissent' } });
  });
  it('a weak dissent (a margin below a confident read) against it: the confident plate, certain', () => {
    const v = judge([read('entry', '豫A1234S', 0.71), read('exit', '豫A12345', 0.95)]);
    expect(v).toMatchObject({ plate: '豫A12345', certainty: 'certain', evidence: { rule: 'weak-dissent', candidates: ['豫A12345', '豫A1234S'] } });
  });
  it('a weak dissent two characters away (both reads wrong?) is no weak dissent', () => {
    expect(judge([read('entry', '晋AS7878', 0.7), read('exit', '豫AS7B78', 0.97)])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'reads-disagree' } });
  });
  it('two plausible reads: uncertain, both candidates kept, the better read first', () => {
    const v = judge([read('entry', '皖A12345', 0.86), read('exit', '豫A12345', 0.93)]);
    expect(v).toMatchObject({ plate: '豫A12345', certainty: 'uncertain', evidence: { rule: 'reads-disagree', candidates: ['豫A12345', '皖A12345'] } });
  });
  it('a weak dissent but no confident read: uncertain', () => {
    expect(judge([read('entry', '豫A1234S', 0.7), read('exit', '豫A12345', CERTAIN_CONFIDENCE - 0.01)]).certainty).toBe('uncertain');
  });
  it('a dissent within the margin of the confident read: uncertain', () => {
    expect(judge([read('entry', '豫A1234S', 0.97 - CONFIDENCE_MARGIN + 0.01), read('exit', '豫A12345', 0.97)]).certainty).toBe('uncertain');
    expect(judge([read('entry', '豫A1234S', 0.97 - CONFIDENCE_MARGIN), read('exit', '豫A12345', 0.97)]).certainty).toBe('certain');
  });
  it('a weak read that names the plate only once its I was taken for 1 is a weak dissent, not a weak agreeing read', () => {
    // 豫A36I43 (no plate has an I) normalised to 豫A36143: the camera misread the 1. Before, it was a
    // weak read agreeing with the exit's and sent the stay to review as "low-confidence".
    const corrected = (role: PlateRead['role'], plate: string, confidence: number, n = 1): PlateRead => ({ ...read(role, plate, confidence), corrected: n });
    expect(judge([corrected('entry', '豫A36143', 0.75), read('exit', '豫A36143', 0.96)])).toMatchObject({ plate: '豫A36143', certainty: 'certain', evidence: { rule: 'weak-dissent' } });
    expect(judge([read('entry', '豫A36143', 0.75), read('exit', '豫A36143', 0.96)])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'low-confidence' } });
    // As rule 3 asks of any dissent: a confident read of the plate, the dissent a margin below it, one character off.
    expect(judge([corrected('entry', '豫A36143', 0.75), read('exit', '豫A36143', 0.89)]).certainty).toBe('uncertain');
    expect(judge([corrected('entry', '豫A36143', 0.84), read('exit', '豫A36143', 0.96)]).certainty).toBe('uncertain');
    expect(judge([corrected('entry', '豫A36143', 0.75, 2), read('exit', '豫A36143', 0.96)]).certainty).toBe('uncertain');
    // Confident, it agrees as before; alone, it is no better than any weak read.
    expect(judge([corrected('entry', '豫A36143', 0.9), read('exit', '豫A36143', 0.95)])).toMatchObject({ certainty: 'certain', evidence: { rule: 'reads-agree' } });
    expect(judge([corrected('entry', '豫A36143', 0.75), corrected('exit', '豫A36143', 0.82)]).certainty).toBe('uncertain');
    // Dissenting where it names no 1 or 0, its weakness is not that character's: a second misread,
    // or the right read (豫A94I4D at entry, the car's 豫A9414D; 豫A94140 at exit, a D read as 0).
    expect(judge([corrected('entry', '豫A9414D', 0.63), read('exit', '豫A94140', 0.9)])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'reads-disagree' } });
    // Two confusable cars in the lot: it is no exact read.
    expect(judge([corrected('entry', '豫A36143', 0.75), read('exit', '豫A36143', 0.96)], ['豫A36I43'.replace('I', 'T')]).certainty).toBe('uncertain');
  });
  it('two reads against one weak one outvote it only with a confident read among them', () => {
    expect(judge([read('entry', '豫A12345', 0.93), read('sighting', '豫A12345', 0.88), read('exit', '豫A1234S', 0.6)])).toMatchObject({ plate: '豫A12345', certainty: 'certain' });
  });
});

describe('plate rule 4: a confusable car in the lot', () => {
  it('only exact, confident reads tell the two apart', () => {
    expect(judge([read('entry', '豫A12345', 0.95), read('exit', '豫A12345', 0.94)], ['豫A1234S'])).toMatchObject({ certainty: 'certain', evidence: { rule: 'confusable-in-lot' } });
    expect(judge([read('entry', '豫A12345', 0.95), read('exit', '豫A12345', 0.85)], ['豫A1234S'])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'confusable-in-lot', confusableInLot: ['豫A1234S'] } });
  });
});

describe('plate rule 5: one read only', () => {
  it('is certain only when confident', () => {
    expect(judge([read('entry', '豫A12345', 0.95)])).toMatchObject({ certainty: 'certain', evidence: { rule: 'single-confident-read' } });
    expect(judge([read('entry', '豫A12345', 0.85)])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'single-read' } });
  });

  it('asks more of a lone read than of one other reads back (a 2/Z misread at 0.92 billed a stranger)', () => {
    expect(judge([read('entry', '陕Z149Z1', 0.92)])).toMatchObject({ certainty: 'uncertain', evidence: { rule: 'single-read' } });
    expect(judge([read('entry', '陕Z149Z1', 0.92), read('exit', '陕Z149Z1', 0.92)])).toMatchObject({ certainty: 'certain', evidence: { rule: 'reads-agree' } });
  });
});

describe('withRead', () => {
  it('keeps the entry and the latest reads', () => {
    let reads = [read('entry', '豫A12345', 0.9)];
    for (let i = 0; i < 20; i++) reads = withRead(reads, read('sighting', '豫A12345', 0.9));
    expect(reads).toHaveLength(8);
    expect(reads[0].role).toBe('entry');
    expect(reads[7].seq).toBe(seq);
  });
});

// The rules at work in the planner (billing/session-rules.ts), one scenario each.
const LOT = 'ZZ-G-1';
const T0 = Date.parse('2026-03-10T02:00:00Z');
const at = (min: number) => new Date(T0 + min * 60_000);
const gate = (direction: 'in' | 'out', plate: string, min: number, confidence = 0.95): SessionEvent =>
  ({ kind: 'gate', direction, lotId: LOT, deviceId: 'gate-1', seq: ++seq, time: at(min), plateRead: plate, confidence, plateColor: [...plate].length === 8 ? 'green' : 'blue' });
const cam = (occupied: boolean, plate: string | null, min: number, confidence = 0.95): SessionEvent =>
  ({ kind: 'camera', lotId: 'ZZ-S-1', bayCode: 'B1', deviceId: 'cam-1', seq: ++seq, time: at(min), occupied, plateRead: plate, confidence, plateColor: 'blue' });
const sensor = (occupied: boolean, min: number): SessionEvent => ({ kind: 'sensor', lotId: 'ZZ-S-1', bayCode: 'B1', deviceId: 'sen-B1', seq: ++seq, time: at(min), occupied });
const plan = (events: SessionEvent[], known: SessionRecord[] = []) => planBatch(events, known, [], () => ({ minConfidence: 0.8 }));
/** What the database hands back after a plan is written: ids on the created sessions. */
let nextId = 1000;
const stored = (list: SessionRecord[]) => list.map((s) => ({ ...s, id: s.id ?? ++nextId }));

describe('the planner judges each stay\'s plate', () => {
  it('a misread at entry and a correct read at exit: billed to the exit\'s plate when the entry read was weak', () => {
    const entered = stored(plan([gate('in', '豫A1234S', 0, 0.7)]).created);
    expect(entered).toMatchObject([{ plate: '豫A1234S', status: 'open', plateCertainty: 'pending' }]);
    const p = plan([gate('out', '豫A12345', 90, 0.96)], entered);
    expect(p.changed).toMatchObject([{ plate: '豫A12345', status: 'closed', plateCertainty: 'certain', matchMethod: 'confusable', plateEvidence: { rule: 'weak-dissent' } }]);
    expect(p.closedWithPlate).toHaveLength(1);
    expect(p.exceptions).toEqual([]);
  });

  it('a camera\'s I taken for 1 (ingest keeps what it sent in plateAsRead): the read is weighed as the misread it is', () => {
    const entered = stored(plan([{ ...gate('in', '豫A36143', 0, 0.74), plateAsRead: '豫A36I43' } as SessionEvent]).created);
    expect(entered[0].plateReads).toMatchObject([{ read: '豫A36143', corrected: 1 }]);
    const p = plan([gate('out', '豫A36143', 90, 0.95)], entered);
    expect(p.changed).toMatchObject([{ plate: '豫A36143', status: 'closed', plateCertainty: 'certain', plateEvidence: { rule: 'weak-dissent' } }]);
    // The same read as sent (a planner fed raw reads normalises it alike).
    const raw = stored(plan([gate('in', '豫A36I43', 0, 0.74)]).created);
    expect(raw[0].plateReads).toMatchObject([{ read: '豫A36143', corrected: 1 }]);
  });

  it('a misread at entry read as confidently as the exit: review with both candidates, nobody billed', () => {
    const entered = stored(plan([gate('in', '鄂A12345', 0, 0.88)]).created);
    const p = plan([gate('out', '豫A12345', 90, 0.93)], entered);
    expect(p.changed).toMatchObject([{ status: 'review', plateCertainty: 'uncertain' }]);
    expect(p.exceptions).toMatchObject([{ kind: 'uncertain-plate', detail: { code: 'uncertain-plate', params: { rule: 'reads-disagree', candidates: ['豫A12345', '鄂A12345'] } } }]);
  });

  it('two confusable plates in the lot at once: a fuzzy exit read matches neither', () => {
    const inside = stored(plan([gate('in', '豫A12345', 0), gate('in', '豫A1234S', 5)]).created);
    const p = plan([gate('out', '豫A1Z345', 60)], inside);
    expect(p.changed).toEqual([]);
    expect(p.exceptions).toMatchObject([{ kind: 'exit-without-entry', detail: { code: 'exit-ambiguous' } }]);
  });

  it('two confusable plates in the lot at once: an exact but unconfident exit read goes to review', () => {
    const inside = stored(plan([gate('in', '豫A12345', 0), gate('in', '豫A1234S', 5)]).created);
    const p = plan([gate('out', '豫A1234S', 60, 0.85)], inside);
    expect(p.changed).toMatchObject([{ plate: '豫A1234S', status: 'review', plateCertainty: 'uncertain', plateEvidence: { rule: 'confusable-in-lot', confusableInLot: ['豫A12345'] } }]);
    const sure = plan([gate('out', '豫A1234S', 60, 0.97)], inside);
    expect(sure.changed).toMatchObject([{ plate: '豫A1234S', status: 'closed', plateCertainty: 'certain' }]);
  });

  it('a street stay closed by its sensor waits for the camera\'s exit read, then is judged with it', () => {
    const parked = stored(plan([sensor(true, 0), cam(true, '豫A1234S', 0.1, 0.72)]).created.filter((s) => s.plate));
    const left = plan([sensor(false, 60)], parked);
    expect(left.changed).toMatchObject([{ status: 'closed', plateCertainty: 'pending', exitTime: at(60) }]);
    const p = plan([cam(false, '豫A12345', 60.1, 0.95)], left.changed);
    expect(p.settled).toMatchObject([{ plate: '豫A12345', plateCertainty: 'certain', status: 'closed', exitTime: at(60), plateEvidence: { rule: 'weak-dissent' } }]);
  });

  it('a street stay whose camera exit read never comes is judged on its one read when the bay moves on', () => {
    const parked = stored(plan([cam(true, '豫A12345', 0, 0.86)]).created);
    const left = plan([sensor(false, 60)], parked);
    const p = plan([sensor(true, 80)], left.changed);
    expect(p.settled).toMatchObject([{ plate: '豫A12345', plateCertainty: 'uncertain', status: 'review', plateEvidence: { rule: 'single-read' } }]);
    expect(p.exceptions).toMatchObject([{ kind: 'uncertain-plate' }]);
  });

  it('keys stay as they were: the judged plate is a confusion of the read it replaces', () => {
    expect(confusableKey('豫A12345')).toBe(confusableKey('豫A1234S'));
  });
});
