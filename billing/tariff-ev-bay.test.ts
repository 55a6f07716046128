// The EV-bay misuse fee (issue 15 §4) in the tariff engine: a car that is not new-energy in an
// EV-charging bay pays per started unit past the grace, on top of parking and outside every cap.
// Totals worked out by hand beside each case, in integer fen.
import { describe, it, expect } from 'vitest';
import { computeFee, describeTariff, explainBill, parseTariff, type Tariff } from './tariff.ts';

const STREET: Tariff = parseTariff({
  id: 'ev-v1', lotId: 'L1', version: 1, validFrom: '2026-01-01T00:00:00+08:00', name: 'Street', timeZone: 'Asia/Shanghai', graceMinutes: 15,
  bands: [{ name: 'All day', nameZh: '全天', from: '00:00', to: '00:00', pricing: { kind: 'units', unit: { minutes: 60, fen: 200 } } }],
  dailyCapFen: 500,
  evBayMisuse: { graceMinutes: 30, unit: { minutes: 60, fen: 1000 } },
});
const sh = (s: string) => new Date(`${s.replace(' ', 'T')}:00+08:00`);
const bill = (plateKind: 'standard' | 'new-energy', evBay: boolean, entry: string, exit: string, t = STREET) => computeFee(t, { plateKind, evBay }, sh(entry), sh(exit));

describe('EV-bay misuse fee', () => {
  it('charges a petrol car per started hour after the grace, outside the daily cap', () => {
    // 10:00–14:10: parking 5 started hours × ¥2 = ¥10, capped at ¥5; misuse from 10:30: 3 h 40 min = 4 × ¥10.
    const fee = bill('standard', true, '2026-11-23 10:00', '2026-11-23 14:10');
    expect(fee.lines.map((l) => [l.kind, l.amountFen])).toEqual([['band', 1000], ['daily-cap', -500], ['ev-bay-misuse', 4000]]);
    expect(fee.totalFen).toBe(500 + 4000);
    const misuse = fee.lines[2];
    expect(misuse).toMatchObject({ from: '2026-11-23T02:30:00.000Z', to: '2026-11-23T06:10:00.000Z', minutes: 220, units: 4, unitMinutes: 60, unitFen: 1000, graceMinutes: 30 });
    expect(explainBill(fee, 'zh')).toContain('燃油车占用充电车位 11-23 10:30–14:10，超过30分钟后 每60分钟 ¥10.00 × 4 = ¥40.00（充电车位仅供新能源车）');
    expect(explainBill(fee, 'en')[2]).toMatch(/after the 30-min grace: 4 × ¥10.00 per 60 min = ¥40.00/);
  });

  it('never charges a new-energy car, a car in an ordinary bay, a stay within the grace, or under a tariff without the rule', () => {
    expect(bill('new-energy', true, '2026-11-23 10:00', '2026-11-23 14:10').lines.map((l) => l.kind)).not.toContain('ev-bay-misuse');
    expect(bill('standard', false, '2026-11-23 10:00', '2026-11-23 14:10').lines.map((l) => l.kind)).not.toContain('ev-bay-misuse');
    expect(bill('standard', true, '2026-11-23 10:00', '2026-11-23 10:30').lines.map((l) => l.kind)).not.toContain('ev-bay-misuse');
    const { evBayMisuse: _, ...plain } = STREET;
    expect(bill('standard', true, '2026-11-23 10:00', '2026-11-23 14:10', parseTariff(plain)).totalFen).toBe(500);
  });

  it('applies even when the parking itself was within its grace; the rule is in the tariff\'s words', () => {
    // 40 minutes with a 45-minute parking grace (free parking) but 30 minutes for the EV bay: 1 × ¥10.
    const t = parseTariff({ ...STREET, graceMinutes: 45 });
    const fee = bill('standard', true, '2026-11-23 10:00', '2026-11-23 10:40', t);
    expect(fee.lines.map((l) => [l.kind, l.amountFen])).toEqual([['grace', 0], ['ev-bay-misuse', 1000]]);
    expect(describeTariff(STREET, 'en')).toContain('EV-charging bays are for new-energy vehicles: others pay ¥10.00 per 60 min after 30 min (not capped)');
    expect(describeTariff(STREET, 'zh').join('\n')).toContain('充电车位仅供新能源车');
  });
});
