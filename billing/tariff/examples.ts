// Typical stays to show what a tariff costs: the composer's live preview and the lot's public
// page price the same stays, explained line by line as the driver's invoice will be.
import { computeFee } from './fee.ts';
import { explainBill } from './explain.ts';
import { DAY_MIN, localAt, MINUTE_MS } from '../../core/local-time.ts';
import { TARIFF_DEFAULTS, type Tariff } from './schema.ts';
import type { PlateKind } from '../../core/plates.ts';

export interface Stay { entry: Date; exit: Date; plateKind?: PlateKind; label?: { zh: string; en: string } }
export interface PricedStay {
  label: { zh: string; en: string }; entry: string; exit: string; plateKind: PlateKind; stayMinutes: number; totalFen: number;
  explanation: { zh: string[]; en: string[] };
}

/** Local wall-clock hh:mm on the first day after `after` (in the tariff's zone), as an instant. */
function nextLocal(t: Tariff, after: Date, minuteOfDay: number): Date {
  const zone = t.timeZone ?? TARIFF_DEFAULTS.timeZone;
  const now = Math.floor(after.getTime() / MINUTE_MS);
  const loc = localAt(zone, now);
  const local = (loc.day + 1) * DAY_MIN + minuteOfDay;
  return new Date((local - localAt(zone, local - loc.offset).offset) * MINUTE_MS);
}

const h = (n: number) => n * 60;
/** 30 min, 1, 2, 4 and 10 hours from 09:00, an evening into the night, a night, and 24 hours. */
export function typicalStays(t: Tariff, after: Date): Stay[] {
  const nine = nextLocal(t, after, h(9));
  const evening = nextLocal(t, after, h(18));
  const spans: [Date, number, string, string][] = [
    [nine, 30, '09:00起 30分钟', '30 min from 09:00'],
    [nine, h(1), '09:00起 1小时', '1 h from 09:00'],
    [nine, h(2), '09:00起 2小时', '2 h from 09:00'],
    [nine, h(4), '09:00起 4小时', '4 h from 09:00'],
    [nine, h(10), '09:00起 10小时', '10 h from 09:00'],
    [evening, h(5), '18:00起 5小时', '5 h from 18:00'],
    [evening, h(14), '18:00至次日08:00', '18:00 to 08:00 next day'],
    [nine, h(24), '09:00起 24小时', '24 h from 09:00'],
  ];
  return spans.map(([entry, m, zh, en]) => ({ entry, exit: new Date(entry.getTime() + m * MINUTE_MS), label: { zh, en } }));
}

/** Each stay priced and explained in both languages (a green plate where the stay says so). */
export function priceStays(t: Tariff, stays: readonly Stay[]): PricedStay[] {
  return stays.map((s) => {
    const plateKind = s.plateKind ?? 'standard';
    const fee = computeFee(t, { plateKind }, s.entry, s.exit);
    return {
      label: s.label ?? { zh: '自定义', en: 'Custom stay' }, entry: fee.entry, exit: fee.exit, plateKind, stayMinutes: fee.stayMinutes,
      totalFen: fee.totalFen, explanation: { zh: explainBill(fee, 'zh'), en: explainBill(fee, 'en') },
    };
  });
}
