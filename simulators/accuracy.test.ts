import { describe, expect, it } from 'vitest';
import { accuracyReport, compareBays, compareFaults, compareSessions, percentile, type PlatformBay, type PlatformSession, type Queryable } from './accuracy.ts';
import type { BayTruth, TrueStay } from './fleet.ts';

const T0 = Date.parse('2026-11-23T08:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
const truthOf = (rows: Array<[string, boolean, number, BayTruth['sensorFault']?]>) =>
  new Map(rows.map(([code, occupied, since, sensorFault]) => [code, { occupied, plate: occupied ? '豫A12345' : null, since: at(since), ...(sensorFault ? { sensorFault } : {}) }]));
const bay = (code: string, occupied: boolean | null, since: number | null): PlatformBay => ({ code, occupied, since: since === null ? null : at(since) });

describe('compareBays', () => {
  it('counts correct, wrong, unknown and missing bays, and how long the wrong ones have lagged', () => {
    const truth = truthOf([['A', true, 10], ['B', false, 20], ['C', true, 30], ['D', false, 0], ['E', true, 40]]);
    const platform = [bay('A', true, 10), bay('B', true, 5), bay('C', null, null), bay('D', false, 0)];
    const r = compareBays(truth, platform, { asOf: at(100) });
    expect(r).toMatchObject({ bays: 5, compared: 4, correct: 2, wrong: 1, unknown: 1, missing: 1, ahead: 0 });
    expect(r.accuracy).toBe(0.5);
    expect(r.unknownShare).toBe(0.25);
    // Staleness: 0 for A and D, 80 s for B (truth changed at 20 s), 70 s for C.
    expect(r.stalenessMs).toEqual({ p50: 0, p99: 80_000, max: 80_000 });
  });

  it('leaves out bays where the platform saw a newer change than the truth snapshot', () => {
    const truth = truthOf([['A', true, 10], ['B', true, 10]]);
    const r = compareBays(truth, [bay('A', false, 12), bay('B', false, 10.5)], { asOf: at(12), toleranceMs: 1000 });
    expect(r.ahead).toBe(1); // A changed 2 s after the truth's since: beyond tolerance
    expect(r.wrong).toBe(1); // B's difference is within clock tolerance: simply wrong
    expect(r.accuracy).toBe(0);
  });

  it('judges bays with a stuck or dead sensor apart', () => {
    const truth = truthOf([['A', true, 10, 'stuck'], ['B', false, 10, 'dead'], ['C', true, 10]]);
    const r = compareBays(truth, [bay('A', false, 0), bay('B', false, 0), bay('C', true, 10)], { asOf: at(20) });
    expect(r.compared).toBe(1);
    expect(r.accuracy).toBe(1);
    expect(r.faulty).toEqual({ stuck: 1, dead: 1, correct: 1, accuracy: 0.5 });
  });

  it('counts every bay taken in truth but shown free, faulty sensors included, as wrong "free"', () => {
    const truth = truthOf([['A', true, 10, 'stuck'], ['B', true, 10], ['C', true, 10], ['D', false, 10], ['E', true, 10]]);
    // A: stuck sensor shown free; B: shown free; C: unknown (not free); D: free and free; E: left after the snapshot (ahead).
    // B's "taken" and C's were never published by the fleet: B counts in wrongFree, is said to be such
    // a case, and is left out of the share judged against the target (no report to avoid it by).
    const r = compareBays(truth, [bay('A', false, 0), bay('B', false, 5), bay('C', null, null), bay('D', false, 10), bay('E', false, 15)], { asOf: at(20), unsent: new Set(['B', 'C']) });
    expect(r.wrongFree).toBe(2);
    expect(r.wrongFreeFaulty).toBe(1);
    expect(r.wrongFreeUnsent).toBe(1);
    expect(r.wrongFreeShare).toBe(0.4);
    expect(r.wrongFreeHeardShare).toBe(0.2);
    // Both cars parked at 10 s, 10 s before the end.
    expect(r.wrongFreeAgeMs).toMatchObject({ p50: 10_000, max: 10_000 });
  });

  it('reports NaN shares for an empty city rather than dividing by zero silently', () => {
    const r = compareBays(new Map(), [], { asOf: at(0) });
    expect(r.accuracy).toBeNaN();
    expect(r.stalenessMs.p99).toBeNaN();
  });
});

describe('compareSessions', () => {
  const stay = (plate: string, lotId: string, bayCode: string, entry: number, exit: number): TrueStay =>
    ({ plate, lotId, lotKind: lotId.startsWith('G') ? 'garage' : 'street', bayCode, entry: at(entry), exit: at(exit) });
  const session = (plate: string | null, lotId: string, bayCode: string | null, entry: number, exit: number | null, status = 'closed'): PlatformSession =>
    ({ plate, lotId, bayCode, status, entry: at(entry), exit: exit === null ? null : at(exit) });

  it('matches sessions to true stays by lot, bay and times and counts the right plates', () => {
    const stays = [
      stay('豫A11111', 'S1', 'S1-01', 0, 600),
      stay('豫A22222', 'S1', 'S1-02', 5, 700),
      stay('豫A33333', 'G1', 'G1-07', 100, 900),
      stay('豫A44444', 'G1', 'G1-08', 101, 2000),
      stay('豫A55555', 'G1', 'G1-09', 3000, 4000), // no session for it
    ];
    const sessions = [
      session('豫A11111', 'S1', 'S1-01', 6, 606), // camera read 6 s after the sensor: right
      session('豫A2222Z', 'S1', 'S1-02', 8, 705), // misread plate: matched, wrong plate
      session('豫A44444', 'G1', null, 101, 2000), // garage: no bay, the closest car in time
      session('豫A33333', 'G1', null, 100, 900),
      session('豫A99999', 'G1', null, 5000, 6000), // nothing really parked then
      session('豫A11111', 'S1', 'S1-01', 0, null, 'open'), // not closed: ignored
    ];
    const r = compareSessions(stays, sessions);
    expect(r).toMatchObject({ closed: 5, matched: 4, rightPlate: 3, rightPlateShare: 0.75, unmatched: 1, staysWithoutSession: 1 });
  });

  it('counts wrong-plate invoices and contactless charges, stays billed automatically, in review, and without a session by cause', () => {
    const stays = [
      stay('豫A11111', 'S1', 'S1-01', 0, 600), // billed automatically, right plate
      stay('豫A22222', 'S1', 'S1-02', 0, 600), // billed to a wrong plate, charged contactless
      stay('豫A33333', 'G1', 'G1-01', 0, 600), // in review: its invoice is nobody's bill yet
      stay('豫A44444', 'G1', 'G1-02', 100, 700), // pending: the street exit read awaited (counted as review)
      { ...stay('豫A55555', 'G1', 'G1-03', 200, 800), unreported: true as const }, // the fleet lost its entry
      stay('豫A66666', 'G1', 'G1-04', 300, 900), // the platform lost it
    ];
    const inv = (plate: string, billed = true, contactless = false) => ({ plate, billed, contactless });
    const sessions: PlatformSession[] = [
      { ...session('豫A11111', 'S1', 'S1-01', 0, 600), plateCertainty: 'certain', invoice: inv('豫A11111') },
      { ...session('豫A2222Z', 'S1', 'S1-02', 0, 600), plateCertainty: 'certain', invoice: inv('豫A2222Z', true, true) },
      { ...session('鄂A33333', 'G1', null, 0, 600, 'review'), plateCertainty: 'uncertain', why: 'plate: reads-disagree', invoice: inv('鄂A33333', false) },
      { ...session('豫A44444', 'G1', null, 100, 700), plateCertainty: 'pending', invoice: inv('豫A44444', false) },
    ];
    const r = compareSessions(stays, sessions);
    expect(r).toMatchObject({
      stays: 6, reported: 5, autoBilled: 2, autoBilledShare: 2 / 5, inReview: 2, wrongPlateInvoices: 1, wrongContactlessCharges: 1,
      staysWithoutSession: 2, withoutSessionNeverReported: 1, withoutSessionPlatformLost: 1,
      reviewReasons: { 'plate: reads-disagree': 1, pending: 1 },
    });
  });

  it('pairs cars a garage saw at the same instants by plate, not crosswise', () => {
    const stays = [stay('豫A15252', 'G1', 'G1-01', 100, 400), stay('豫A25163', 'G1', 'G1-02', 100, 400)];
    const r = compareSessions(stays, [session('豫A25163', 'G1', null, 100, 400), session('豫A15252', 'G1', null, 100, 400)]);
    expect(r).toMatchObject({ matched: 2, rightPlate: 2 });
  });

  it('matches each true stay at most once and respects the bay', () => {
    const stays = [stay('豫A11111', 'S1', 'S1-01', 0, 600)];
    const r = compareSessions(stays, [session('豫A11111', 'S1', 'S1-02', 0, 600), session('豫A11111', 'S1', 'S1-01', 0, 600), session('豫A11111', 'S1', 'S1-01', 1, 601)]);
    expect(r).toMatchObject({ closed: 3, matched: 1, rightPlate: 1, unmatched: 2 });
  });

  it('finds the session of a stay that ended just inside the window though its exit was read a moment before it', async () => {
    // The sensor's "free" at 599.7 s closed the session; the camera's read at 600.05 s ended the true stay; the window opens at 600 s.
    const stays = [stay('豫A14Y68', 'S1', 'S1-01', 0, 600.05)];
    const row = { plate: '豫A14Y68', lot_id: 'S1', bay_code: 'S1-01', status: 'closed', entry_time: at(0.5), exit_time: at(599.7), plate_certainty: 'certain', invoice_plate: null };
    const pool: Queryable = {
      async query(text: string, values?: unknown[]) {
        if (text.includes('to_regclass')) return { rows: [{ ok: true }] };
        if (text.includes('FROM sessions')) return { rows: [row].filter((r) => r.exit_time >= (values![0] as Date)) }; // exit_time >= $1, as the SQL reads
        return { rows: [] };
      },
    };
    const r = await accuracyReport({ truth: new Map(), stays, asOf: at(700), since: at(600), pool });
    expect(r.billing).toMatchObject({ stays: 1, matched: 1, rightPlate: 1, withoutSessionPlatformLost: 0 });
  });

  it('counts a stay whose exit the platform queued for an operator as in review, not lost, and lists the lost ones', () => {
    const stays = [stay('豫A8U387', 'G1', 'G1-01', 0, 600), stay('豫A22T46', 'G1', 'G1-02', 0, 700), stay('豫A11111', 'G1', 'G1-03', 0, 800), stay('豫A22146', 'G1', 'G1-42', 0, 900)];
    const exitExceptions = [
      { plate: '豫A8U387', lotId: 'G1', at: at(600) }, // either of two confusable open sessions
      // A demo run: 豫A22146's exit read 豫A2214G, which named two open sessions (exit-ambiguous).
      { plate: '豫A2214G', lotId: 'G1', at: at(900), candidates: ['豫A22146', '豫A22T46'] },
      { plate: '豫A22T46', lotId: 'G1', at: at(760) }, // an exit a minute off is another car's
      { plate: '豫A11111', lotId: 'G2', at: at(800) }, // another lot's
    ];
    const r = compareSessions(stays, [], { exitExceptions });
    expect(r).toMatchObject({ staysWithoutSession: 4, exitInReview: 2, inReview: 2, withoutSessionPlatformLost: 2 });
    expect(r.examples).toHaveLength(2);
    expect(r.examples[0]).toMatch(/^lost: 豫A22T46 G1\/G1-02 .*sessions of that plate there: none$/);
  });

  it('counts two confusable cars whose exits crossed, both sessions in review, as in review, not lost', () => {
    // The whole-city run: 豫A85S47 and 豫A85547 in one garage; each session was given the other's exit and sent to review.
    const stays = [stay('豫A85S47', 'G1', 'G1-91', 0, 300), stay('豫A85547', 'G1', 'G1-38', -160, 380), stay('豫A33333', 'G1', 'G1-01', 0, 300)];
    const sessions = [
      session('豫A85S47', 'G1', null, 0, 380, 'review'), session('豫A85547', 'G1', null, -160, 300, 'review'),
      session('豫A33333', 'G1', null, 100, 500, 'closed'), // a closed session that is not this stay's: still lost
    ];
    const r = compareSessions(stays, sessions);
    expect(r).toMatchObject({ staysWithoutSession: 3, crossedInReview: 2, inReview: 2, withoutSessionPlatformLost: 1, wrongPlateInvoices: 0 });
    // A review session is claimed once: a second stay of the plate entering with it is lost.
    const twice = compareSessions([stay('豫A85S47', 'G1', 'G1-91', 0, 300), stay('豫A85S47', 'G1', 'G1-92', 2, 200)], [session('豫A85S47', 'G1', null, 0, 380, 'review')]);
    expect(twice).toMatchObject({ crossedInReview: 1, withoutSessionPlatformLost: 1 });
  });

  it('counts only stays that ended inside the window as missing a session', () => {
    const stays = [stay('豫A11111', 'S1', 'S1-01', 0, 600), stay('豫A22222', 'S1', 'S1-02', 700, 800)];
    expect(compareSessions(stays, [], { since: at(650) }).staysWithoutSession).toBe(1);
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(s, 50)).toBe(50);
    expect(percentile(s, 99)).toBe(99);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('compareFaults', () => {
  const heartbeatMs = 20_000;
  it('measures detection delay in heartbeat intervals from when each fault showed, and false alarms in the window and before it', () => {
    const faults = [
      { deviceId: 'dead-1', kind: 'bay-sensor' as const, fault: 'dead' as const, since: at(0) },
      { deviceId: 'dead-2', kind: 'bay-camera' as const, fault: 'dead' as const, since: at(10) },
      { deviceId: 'stuck-1', kind: 'bay-sensor' as const, fault: 'stuck' as const, since: at(30) },
      { deviceId: 'stuck-2', kind: 'bay-sensor' as const, fault: 'stuck' as const, since: null }, // never contradicted
      { deviceId: 'dead-3', kind: 'bay-sensor' as const, fault: 'dead' as const, since: at(190) }, // not yet due
      { deviceId: 'dead-4', kind: 'bay-sensor' as const, fault: 'dead' as const, since: at(50) }, // missed
      { deviceId: 'dead-5', kind: 'bay-sensor' as const, fault: 'dead' as const, since: at(20), heard: false }, // its every message lost
    ].map((f) => ({ heard: true, ...f }));
    const alerts = [
      { deviceId: 'dead-1', kind: 'silent', raisedAt: at(30) },
      { deviceId: 'dead-2', kind: 'stuck', raisedAt: at(20) }, // the wrong kind for a dead device
      { deviceId: 'dead-2', kind: 'silent', raisedAt: at(60) },
      { deviceId: 'stuck-1', kind: 'stuck', raisedAt: at(50) },
      { deviceId: 'ok-1', kind: 'silent', raisedAt: at(100) },
      { deviceId: 'ok-2', kind: 'stuck', raisedAt: at(120) },
      { deviceId: 'ok-3', kind: 'silent', raisedAt: at(-100) }, // before the window
    ];
    const r = compareFaults(faults, alerts, { heartbeatMs, asOf: at(200), since: at(0) });
    expect(r).toMatchObject({ observable: 4, flagged: 3, missed: 1, falseAlarms: { silent: 1, stuck: 1 }, falseAlarmsBefore: { silent: 1, stuck: 0 }, neverHeard: { count: 1, flagged: 0 } });
    expect(r.duringStartup).toEqual({ observable: 0, flagged: 0, missed: 0, delayMax: NaN });
    // Judged apart: the faults that showed before the fleet's start-up report had all gone.
    const settled = compareFaults(faults, alerts, { heartbeatMs, asOf: at(200), since: at(0), settledAt: at(20) });
    expect(settled).toMatchObject({ observable: 2, flagged: 1, missed: 1, duringStartup: { observable: 2, flagged: 2, missed: 0, delayMax: 2.5 } });
    expect(r.lateExamples).toEqual([`dead-2 (dead) since ${at(10).toISOString()} flagged silent after 2.50`]);
    // Delays 1.5, 2.5 and 1 intervals.
    expect(r.delayIntervals).toEqual({ p50: 1.5, p99: 2.5, max: 2.5 });
    expect(r.within2Share).toBeCloseTo(2 / 3);
    // Flagged all the same (its city went quiet): counted apart, with its delay after its first missed beat.
    const heardOf = compareFaults(faults, [...alerts, { deviceId: 'dead-5', kind: 'silent', raisedAt: at(90) }], { heartbeatMs, asOf: at(200), since: at(0) });
    expect(heardOf).toMatchObject({ observable: 4, flagged: 3, neverHeard: { count: 1, flagged: 1, delayMax: 3.5 }, falseAlarms: { silent: 1 } });
    // Examples: up to five of each kind, so many silent ones do not hide the stuck.
    const many = [...alerts, ...[1, 2, 3, 4, 5, 6].map((k) => ({ deviceId: `ok-s${k}`, kind: 'silent', raisedAt: at(100 + k) }))];
    const examples = compareFaults(faults, many, { heartbeatMs, asOf: at(200), since: at(0) });
    expect(examples.falseAlarms).toEqual({ silent: 7, stuck: 1 });
    expect(examples.falseAlarmExamples.filter((x) => x.includes(' silent ')).length).toBe(5);
    expect(examples.falseAlarmExamples.filter((x) => x.includes(' stuck ')).length).toBe(1);
  });
});
