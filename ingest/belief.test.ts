// The fusion rule (ingest/belief.ts), case by case, and its one promise over every combination:
// never "free" on a faulty sensor's word or against a camera that, past its time, still sees a car.
import { describe, expect, it } from 'vitest';
import { believe, CONFIRM_WITHIN_MS, isDoubtful, type Evidence, type Fault } from './belief.ts';

const T = Date.parse('2026-11-23T08:00:00Z');
const s = (occupied: boolean | null, since: number | null = T, fault: Fault | null = null) => ({ occupied, since, fault });
const c = (occupied: boolean | null, at: number | null = T, fault: Fault | null = null) => ({ occupied, at, fault });
const ev = (sensor: Evidence['sensor'], camera: Evidence['camera']): Evidence => ({ sensor, camera });

describe('believe', () => {
  it('takes the state both sources agree on', () => {
    expect(believe(ev(s(true), c(true)), T)).toEqual({ occupied: true, basis: 'sensor+camera', doubt: null });
    expect(believe(ev(s(false), c(false)), T)).toEqual({ occupied: false, basis: 'sensor+camera', doubt: null });
  });

  it('follows a camera that saw the bay after the sensor\'s reading began (a stuck sensor never changes)', () => {
    expect(believe(ev(s(true, T), c(false, T + 1)), T + 1)).toEqual({ occupied: false, basis: 'camera', doubt: 'sensor-disagrees' });
    expect(believe(ev(s(false, T), c(true, T + 1)), T + 1)).toEqual({ occupied: true, basis: 'camera', doubt: 'sensor-disagrees' });
  });

  it('shows a sensor\'s new "taken" at once, its new "free" only while the camera may still confirm it, then unknown', () => {
    expect(believe(ev(s(true, T), c(false, T - 5000)), T)).toEqual({ occupied: true, basis: 'sensor', doubt: 'camera-pending' });
    expect(believe(ev(s(false, T), c(true, T - 5000)), T + CONFIRM_WITHIN_MS - 1)).toEqual({ occupied: false, basis: 'sensor', doubt: 'camera-pending' });
    expect(believe(ev(s(false, T), c(true, T - 5000)), T + CONFIRM_WITHIN_MS)).toEqual({ occupied: null, basis: 'none', doubt: 'camera-disagrees' });
  });

  it('leaves out a faulty source, and says which', () => {
    expect(believe(ev(s(false, T, 'stuck'), c(true)), T)).toEqual({ occupied: true, basis: 'camera', doubt: 'sensor-stuck' });
    expect(believe(ev(s(false, T, 'silent'), c(null, null)), T)).toEqual({ occupied: null, basis: 'none', doubt: 'sensor-silent' });
    expect(believe(ev(s(true), c(false, T, 'silent')), T)).toEqual({ occupied: true, basis: 'sensor', doubt: 'camera-silent' });
    expect(believe(ev(s(null, null), c(null, null)), T)).toEqual({ occupied: null, basis: 'none', doubt: 'no-evidence' });
    expect(believe(ev(s(false), c(null, null)), T)).toEqual({ occupied: false, basis: 'sensor', doubt: null });
  });

  it('holds a camera\'s "free" in doubt once a stuck sensor reports after it (something moved), until the camera reads again', () => {
    const stuck = (echoAt: number | null) => ({ ...s(true, T - 60_000, 'stuck'), echoAt });
    // Flagged stuck on "taken", the camera saw the bay free at T: free.
    expect(believe(ev(stuck(T - 1000), c(false, T)), T)).toEqual({ occupied: false, basis: 'camera', doubt: 'sensor-stuck' });
    // A car parks: the sensor reports its word again at T + 5 s, the camera's read of the car is lost.
    expect(believe(ev(stuck(T + 5000), c(false, T)), T + 5000)).toEqual({ occupied: null, basis: 'none', doubt: 'sensor-stuck' });
    expect(believe(ev(stuck(T + 5000), c(false, T)), T + 3_600_000)).toEqual({ occupied: null, basis: 'none', doubt: 'sensor-stuck' });
    // The camera reads the bay again: its word.
    expect(believe(ev(stuck(T + 5000), c(true, T + 8000)), T + 8000)).toEqual({ occupied: true, basis: 'camera', doubt: 'sensor-stuck' });
    expect(believe(ev(stuck(T + 5000), c(false, T + 8000)), T + 8000)).toEqual({ occupied: false, basis: 'camera', doubt: 'sensor-stuck' });
    // A camera's "taken" is never doubted so (the echo may be the car leaving: taken is the safe word).
    expect(believe(ev(stuck(T + 5000), c(true, T)), T + 5000)).toEqual({ occupied: true, basis: 'camera', doubt: 'sensor-stuck' });
    // A sound sensor's repeated word is not such a sign (rules 1–4 decide).
    expect(believe(ev({ ...s(false, T - 60_000), echoAt: T + 5000 }, c(false, T)), T + 5000)).toEqual({ occupied: false, basis: 'sensor+camera', doubt: null });
  });

  it('never says "free" on a faulty sensor, nor against a camera that still sees a car past its time (every combination)', () => {
    const occ = [true, false, null];
    const faults: Array<Fault | null> = [null, 'silent', 'stuck'];
    const times = [T - 60_000, T, T + 1000];
    for (const so of occ) for (const sf of faults) for (const ss of times) for (const co of occ) for (const cf of faults) for (const ct of times) {
      const e = ev(s(so, ss, sf), c(co, ct, cf));
      const b = believe(e, T + CONFIRM_WITHIN_MS + 1000);
      if (b.occupied !== false) continue;
      // Free rests on a sound source that says free, and no sound camera says taken.
      const sensorSaysFree = so === false && sf === null;
      const cameraSaysFree = co === false && cf === null;
      expect(sensorSaysFree || cameraSaysFree, JSON.stringify(e)).toBe(true);
      if (!cameraSaysFree && co === true && cf === null) expect.fail(`free against a camera that sees a car: ${JSON.stringify(e)}`);
    }
  });

  it('counts a known bay against data quality only on doubtful evidence', () => {
    expect(isDoubtful(true, null)).toBe(false);
    expect(isDoubtful(false, 'camera-pending')).toBe(false);
    expect(isDoubtful(true, 'sensor-disagrees')).toBe(true);
    expect(isDoubtful(null, 'sensor-silent')).toBe(false);
  });
});
