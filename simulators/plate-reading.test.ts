import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seed/demo-city.ts';
import { randomPlate } from '../seed/plates.ts';
import { planBatch, type SessionEvent, type SessionRecord } from '../billing/session-rules.ts';
import { conditionsAt, RAIN_SHARE, readAs } from './plate-reading.ts';

const T0 = Date.parse('2026-11-23T00:00:00Z');

describe('conditionsAt', () => {
  it('is night in Zhengzhou from 19:00 to 06:00 local, and rains in about RAIN_SHARE of the time, the same for a seed', () => {
    expect(conditionsAt(new Date('2026-11-23T12:00:00Z'), 1).night).toBe(true); // 20:00 local
    expect(conditionsAt(new Date('2026-11-23T04:00:00Z'), 1).night).toBe(false); // 12:00 local
    let rain = 0;
    for (let h = 0; h < 24 * 365; h++) if (conditionsAt(new Date(T0 + h * 3600_000), 7).rain) rain += 1;
    expect(rain / (24 * 365)).toBeGreaterThan(RAIN_SHARE * 0.7);
    expect(rain / (24 * 365)).toBeLessThan(RAIN_SHARE * 1.3);
    expect(conditionsAt(new Date(T0 + 5e8), 7)).toEqual(conditionsAt(new Date(T0 + 5e8), 7));
  });
});

describe('readAs', () => {
  const rng = seededRandom(11);
  const reads = (night: boolean, rain: boolean, n = 20_000) => Array.from({ length: n }, () => readAs('豫A1B2D5', { night, rain }, 0.03, rng));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('keeps the configured rate as the average, and misreads more at night and in rain', () => {
    const day = reads(false, false).filter((r) => r.misread).length / 20_000;
    const wet = reads(true, true).filter((r) => r.misread).length / 20_000;
    expect(day).toBeGreaterThan(0.01);
    expect(day).toBeLessThan(0.03);
    expect(wet).toBeGreaterThan(2.5 * day);
  });

  it('reports a lower confidence at night and in rain, and lower still on a misread', () => {
    const day = reads(false, false);
    const wet = reads(true, true);
    const right = (rs: typeof day) => mean(rs.filter((r) => !r.misread).map((r) => r.confidence));
    const wrong = (rs: typeof day) => mean(rs.filter((r) => r.misread).map((r) => r.confidence));
    expect(right(wet)).toBeLessThan(right(day) - 0.05);
    expect(wrong(day)).toBeLessThan(right(day) - 0.1);
    // …but not always: some misreads come with a confidence a right read could have.
    expect(day.filter((r) => r.misread && r.confidence >= 0.9).length).toBeGreaterThan(0);
  });
});

/**
 * The matcher (billing/session-rules.ts) against this camera: seeded garage and street stays, each
 * read at entry and exit as the fleet would read it (3 % misreads, the day's light and weather),
 * planned the way the ingest hook plans them. No stay may be billed to a wrong plate; nearly all
 * are billed automatically.
 */
describe('the plate rules under the simulated camera', () => {
  it('bill no stay to a wrong plate, and ≥ 97 % automatically, over 20,000 stays', () => {
    const rng = seededRandom(2026);
    const rules = () => ({ minConfidence: 0.8, homeProvince: '豫' });
    let seq = 0;
    let nextId = 1;
    const tally = { stays: 0, auto: 0, review: 0, wrongPlate: 0, unbilled: 0 };
    for (let i = 0; i < 20_000; i++) {
      const car = randomPlate(rng);
      const entry = new Date(T0 + i * 30 * 60_000 * rng()); // over ~a year of light and weather
      const exit = new Date(entry.getTime() + (10 + 300 * rng()) * 60_000);
      const read = (t: Date) => readAs(car.plate, conditionsAt(t, 2026), 0.03, rng);
      const street = rng() < 0.5;
      const a = read(entry);
      const b = read(exit);
      // A kerb stay is read by its bay's one camera at both ends; a garage's by its entry and exit lanes' cameras.
      const base = (t: Date, deviceId = street ? 'cam' : t === entry ? 'gate-in' : 'gate-out') => ({ lotId: street ? 'S' : 'G', deviceId, seq: ++seq, time: t });
      const steps: SessionEvent[][] = street
        ? [[{ ...base(entry), kind: 'camera', bayCode: `B${i}`, occupied: true, plateRead: a.plate, confidence: a.confidence, plateColor: car.color }],
          [{ ...base(exit), kind: 'sensor', bayCode: `B${i}`, occupied: false }],
          [{ ...base(new Date(exit.getTime() + 5000)), kind: 'camera', bayCode: `B${i}`, occupied: false, plateRead: b.plate, confidence: b.confidence, plateColor: car.color }]]
        : [[{ ...base(entry), kind: 'gate', direction: 'in', plateRead: a.plate, confidence: a.confidence, plateColor: car.color }],
          [{ ...base(exit), kind: 'gate', direction: 'out', plateRead: b.plate, confidence: b.confidence, plateColor: car.color }]];
      let known: SessionRecord[] = [];
      let final: SessionRecord | undefined;
      for (const events of steps) {
        const p = planBatch(events, known, [], rules);
        const touched = [...p.created, ...p.changed, ...p.settled].map((s) => ({ ...s, id: s.id ?? nextId++ }));
        known = [...known.filter((k) => !touched.some((t) => t.id === k.id)), ...touched];
        final = touched.find((s) => s.plate !== null && s.exitTime !== null) ?? final;
      }
      tally.stays += 1;
      if (!final || final.plateCertainty === 'pending') { tally.unbilled += 1; continue; }
      const billed = final.status === 'closed' && final.plateCertainty === 'certain';
      if (billed) tally.auto += 1;
      else tally.review += 1;
      if (billed && final.plate !== car.plate) tally.wrongPlate += 1;
    }
    expect(tally.wrongPlate).toBe(0);
    expect(tally.auto / tally.stays).toBeGreaterThanOrEqual(0.97);
    expect(tally.auto + tally.review + tally.unbilled).toBe(tally.stays);
  });
});
