// A garage's gate balance (ingest/gate-balance.ts): cars let in that no sensor saw park within the
// drive time are missing; a sensor's late "taken", or the missing car driving out, settles them.
import { describe, expect, it } from 'vitest';
import { DRIVE_MS, GateBalance } from './gate-balance.ts';

const T = Date.parse('2026-11-23T08:00:00Z');
const at = (s: number) => T + s * 1000;
const D = DRIVE_MS / 1000;

describe('GateBalance', () => {
  it('counts no car missing while it may still be driving to its bay, one once it cannot be', () => {
    const g = new GateBalance();
    g.gate('G', 'in', at(0));
    expect(g.missing('G', at(D - 1))).toBe(0);
    expect(g.missing('G', at(D + 1))).toBe(1);
    // Its sensor's "taken" comes at last (a lost report healed by a heartbeat): none missing.
    g.sensor('G', true, at(D + 30));
    expect(g.missing('G', at(D + 31))).toBe(0);
  });

  it('matches cars to parks in any order, a park before its (late) gate report included', () => {
    const g = new GateBalance();
    g.sensor('G', true, at(10));
    g.gate('G', 'in', at(5)); // delivered late
    g.gate('G', 'in', at(20));
    g.sensor('G', true, at(60));
    expect(g.missing('G', at(1000))).toBe(0);
  });

  it('settles a missing car when it drives out unseen by any sensor, not when a seen car does', () => {
    const g = new GateBalance();
    g.gate('G', 'in', at(0)); // parks on a sensor stuck on "free"
    g.gate('G', 'in', at(10));
    g.sensor('G', true, at(40));
    expect(g.missing('G', at(D + 20))).toBe(1);
    // The seen car leaves: its bay's sensor, then the gate.
    g.sensor('G', false, at(D + 100));
    g.gate('G', 'out', at(D + 160));
    expect(g.missing('G', at(D + 161))).toBe(1);
    // The unseen one leaves.
    g.gate('G', 'out', at(D + 200));
    expect(g.missing('G', at(D + 201))).toBe(0);
  });

  it('picks the longest-unchanged bays, and reports only the bays whose standing changed', () => {
    const picked = GateBalance.pick(2, [{ code: 'B3', since: at(30) }, { code: 'B1', since: at(10) }, { code: 'B2', since: at(20) }]);
    expect(picked).toEqual(['B1', 'B2']);
    expect(GateBalance.pick(0, [{ code: 'B1', since: at(1) }])).toEqual([]);
    const g = new GateBalance();
    expect(g.choose('G', ['B1', 'B2'])).toEqual(['B1', 'B2']);
    expect(g.doubted('B1', 'G')).toBe(true);
    expect(g.choose('G', ['B2', 'B3'])).toEqual(['B1', 'B3']);
    expect(g.choose('G', [])).toEqual(['B2', 'B3']);
    expect(g.doubted('B2', 'G')).toBe(false);
  });
});

describe('GateBalance kept in the database (several ingest processes)', () => {
  it('judges the same from a stored balance as from the one it was stored from', () => {
    const g = new GateBalance();
    g.gate('G', 'in', at(0));
    g.gate('G', 'in', at(10));
    g.sensor('G', true, at(40));
    g.choose('G', ['B1']);
    const other = new GateBalance();
    other.load('G', JSON.parse(JSON.stringify(g.state('G'))), g.doubtedIn('G'));
    expect(other.missing('G', at(D + 20))).toBe(g.missing('G', at(D + 20)));
    expect(other.carMoved('G', 'in', at(60))).toBe(true);
    expect(other.doubted('B1', 'G')).toBe(true);
    // A garage with no row has nothing let in and nothing doubted.
    other.load('G', null);
    expect(other.missing('G', at(D + 20))).toBe(0);
    expect([...other.lotIds()]).toEqual([]);
  });
});
