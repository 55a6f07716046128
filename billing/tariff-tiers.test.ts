// Progressive tiers (阶梯计费) in the tariff engine, on the tariff cities actually publish:
// Beijing's on-street class-1 rule — by day ¥2.50 per 15 min within the first hour and ¥3.75 per
// 15 min after it, at night ¥1 per 2 hours — across band boundaries, caps and time zones. Every
// total is worked out by hand in the comment beside it, in integer fen.
import { describe, it, expect } from 'vitest';
import { computeFee, explainBill, parseTariff, type FeeLine, type Tariff } from './tariff.ts';

const BEIJING: Tariff = parseTariff({
  id: 'bj-class1-v1', lotId: 'bj-street', version: 1, validFrom: '2026-01-01T00:00:00+08:00',
  name: 'Beijing on-street, class 1', nameZh: '北京路侧一类地区', timeZone: 'Asia/Shanghai', graceMinutes: 0,
  bands: [
    {
      name: 'Day', nameZh: '白天', from: '07:00', to: '21:00',
      pricing: { kind: 'units', unit: { minutes: 15, fen: 250 }, tiers: [{ afterMinutes: 60, unit: { minutes: 15, fen: 375 } }] },
    },
    { name: 'Night', nameZh: '夜间', from: '21:00', to: '07:00', pricing: { kind: 'units', unit: { minutes: 120, fen: 100 } } },
  ],
});

const sh = (s: string) => new Date(`${s.replace(' ', 'T')}:00+08:00`);
const sig = (l: FeeLine) => [l.kind, l.name, l.part, l.minutes, l.units, l.amountFen].filter((x) => x !== undefined).join(' ');
const bill = (t: Tariff, entry: string, exit: string, plateKind: 'standard' | 'new-energy' = 'standard') => computeFee(t, { plateKind }, sh(entry), sh(exit));

describe('progressive tiers: Beijing on-street class 1', () => {
  it.each([
    // 45 min by day: 3 × ¥2.50, all within the first hour.
    ['2026-11-23 09:00', '2026-11-23 09:45', 750, ['band Day later-units 45 3 750']],
    // Exactly the first hour: 4 × ¥2.50; the tier has not started.
    ['2026-11-23 09:00', '2026-11-23 10:00', 1000, ['band Day later-units 60 4 1000']],
    // 61 min: the 61st minute starts a tier unit, charged in full: ¥10 + ¥3.75.
    ['2026-11-23 09:00', '2026-11-23 10:01', 1375, ['band Day later-units 60 4 1000', 'band Day tier 1 1 375']],
    // 90 min: ¥10 + 2 × ¥3.75 = ¥17.50.
    ['2026-11-23 09:00', '2026-11-23 10:30', 1750, ['band Day later-units 60 4 1000', 'band Day tier 30 2 750']],
    // Day into night: 20:30–21:00 is 2 × ¥2.50; 21:00–22:30 one started 2-hour unit ¥1.
    ['2026-11-23 20:30', '2026-11-23 22:30', 600, ['band Day later-units 30 2 500', 'band Night later-units 90 1 100']],
    // Night into day: 06:00–07:00 ¥1; the day starts its own first hour at 07:00 (分段计费):
    // 4 × ¥2.50 + 4 × ¥3.75 = ¥25 for 07:00–09:00.
    ['2026-11-23 06:00', '2026-11-23 09:00', 2600, ['band Night later-units 60 1 100', 'band Day later-units 60 4 1000', 'band Day tier 60 4 1500']],
    // A whole night: 10 h = 5 units of 2 h.
    ['2026-11-23 21:00', '2026-11-24 07:00', 500, ['band Night later-units 600 5 500']],
    // A whole day band: 14 h = 4 × ¥2.50 + 52 × ¥3.75 = ¥10 + ¥195.
    ['2026-11-23 07:00', '2026-11-23 21:00', 20500, ['band Day later-units 60 4 1000', 'band Day tier 780 52 19500']],
  ])('%s → %s costs %i fen', (entry, exit, totalFen, lines) => {
    const fee = bill(BEIJING, entry, exit);
    expect(fee.lines.map(sig)).toEqual(lines);
    expect(fee.totalFen).toBe(totalFen);
    expect(fee.totalFen).toBe(fee.lines.reduce((s, l) => s + l.amountFen, 0));
  });

  it('explains the tier line in both languages, naming where the tier starts', () => {
    const fee = bill(BEIJING, '2026-11-23 09:00', '2026-11-23 10:30');
    expect(explainBill(fee, 'en')).toEqual([
      'Day 11-23 09:00–10:00, 60 min: 4 × ¥2.50 per 15 min = ¥10.00',
      'Day 11-23 10:00–10:30, 30 min: after the first 60 min, 2 × ¥3.75 per 15 min = ¥7.50',
      'Total ¥17.50',
    ]);
    expect(explainBill(fee, 'zh')[1]).toBe('白天 11-23 10:00–10:30，30分钟：超过60分钟后 每15分钟 ¥3.75 × 2 = ¥7.50');
  });

  it('is read on the lot\'s wall clock: the same instants in a London lot fall in its night', () => {
    const london = parseTariff({ ...BEIJING, id: 'bj-london', timeZone: 'Europe/London' });
    // 09:00–10:30 in Shanghai is 01:00–02:30 in London (GMT in November): one night unit of 2 h, then one more.
    const fee = computeFee(london, { plateKind: 'standard' }, sh('2026-11-23 09:00'), sh('2026-11-23 10:30'));
    expect(fee.lines.map(sig)).toEqual(['band Night later-units 90 1 100']);
  });

  it('a band cap and the 24-hour cap limit the tier units too, dropped in time order', () => {
    const capped = parseTariff({ ...BEIJING, id: 'bj-capped', bands: [{ ...BEIJING.bands[0], capFen: 5000 }, BEIJING.bands[1]], dailyCapFen: 5200 });
    // 07:00–21:00 is ¥205 before caps: the day band is capped at ¥50.
    const day = bill(capped, '2026-11-23 07:00', '2026-11-23 21:00');
    expect(day.lines.map(sig)).toEqual(['band Day later-units 60 4 1000', 'band Day tier 780 52 19500', 'band-cap Day 840 0 -15500']);
    expect(day.totalFen).toBe(5000);
    // 07:00 to 09:00 next day: day ¥50 (capped) + night ¥5 + next day's first 2 h are in the next
    // 24-hour window from entry only after 07:00 next day: window 1 = ¥50 + ¥5 = ¥55 → capped at ¥52;
    // window 2 (07:00–09:00) = ¥10 + ¥15 = ¥25.
    const two = bill(capped, '2026-11-23 07:00', '2026-11-24 09:00');
    expect(two.totalFen).toBe(5200 + 2500);
    expect(two.lines.filter((l) => l.kind === 'daily-cap').map(sig)).toEqual(['daily-cap 24-hour cap 1440 0 -300']);
  });

  it('new-energy free minutes push the tier start back: the hour counts chargeable minutes', () => {
    const green = parseTariff({ ...BEIJING, id: 'bj-green', newEnergy: { freeMinutes: 30 } });
    // 09:00–10:30, first 30 min free: 60 chargeable minutes, all within the first hour: 4 × ¥2.50.
    const fee = bill(green, '2026-11-23 09:00', '2026-11-23 10:30', 'new-energy');
    expect(fee.lines.map(sig)).toEqual(['new-energy-free New-energy free time 30 0 0', 'band Day later-units 60 4 1000']);
  });

  it('a tier after a first unit: first hour ¥6, then ¥2 per 30 min, from the third hour ¥4 per hour', () => {
    const garage = parseTariff({
      ...BEIJING, id: 'g-tiers', bands: [{
        name: 'All day', from: '00:00', to: '00:00',
        pricing: { kind: 'units', firstUnit: { minutes: 60, fen: 600 }, unit: { minutes: 30, fen: 200 }, tiers: [{ afterMinutes: 120, unit: { minutes: 60, fen: 400 } }] },
      }],
    });
    // 3 h 10 min: ¥6 + 2 × ¥2 + 2 × ¥4 (130 chargeable minutes after 120 start two 1-hour units) = ¥18.
    const fee = bill(garage, '2026-11-23 09:00', '2026-11-23 12:10');
    expect(fee.lines.map(sig)).toEqual(['band All day first-unit 60 1 600', 'band All day later-units 60 2 400', 'band All day tier 70 2 800']);
    expect(fee.totalFen).toBe(1800);
  });

  it('rejects tiers out of order or inside the first unit, saying what to change', () => {
    const day = BEIJING.bands[0];
    const withTiers = (pricing: unknown) => ({ ...BEIJING, bands: [{ ...day, pricing }, BEIJING.bands[1]] });
    expect(() => parseTariff(withTiers({ kind: 'units', unit: { minutes: 15, fen: 250 }, tiers: [{ afterMinutes: 120, unit: { minutes: 15, fen: 375 } }, { afterMinutes: 60, unit: { minutes: 15, fen: 500 } }] })))
      .toThrow(/tiers must start at increasing minutes \(60 after 120\); order them by afterMinutes/);
    expect(() => parseTariff(withTiers({ kind: 'units', firstUnit: { minutes: 60, fen: 300 }, unit: { minutes: 15, fen: 250 }, tiers: [{ afterMinutes: 30, unit: { minutes: 15, fen: 375 } }] })))
      .toThrow(/inside its first unit of 60 min; start the tier at 60 min or later/);
    expect(() => parseTariff(withTiers({ kind: 'units', unit: { minutes: 15, fen: 250 }, tiers: [{ afterMinutes: 0, unit: { minutes: 15, fen: 375 } }] })))
      .toThrow(/afterMinutes/);
  });
});
