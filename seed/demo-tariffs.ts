// The demo city's tariffs: a 郑州-style street tariff in two versions, a garage and a civic lot.
// Demo data, not rules: the engine (billing/tariff.ts) knows nothing of them.
import type { Band, Tariff } from '../billing/index.ts';

const ZZ_STREET_BANDS: Band[] = [
  {
    name: 'Day', nameZh: '白天', from: '07:00', to: '21:00',
    pricing: { kind: 'units', firstUnit: { minutes: 60, fen: 300 }, unit: { minutes: 30, fen: 150 } },
  },
  { name: 'Night', nameZh: '夜间', from: '21:00', to: '07:00', pricing: { kind: 'units', unit: { minutes: 60, fen: 100 } }, capFen: 500 },
];

/**
 * Demo tariffs: a 郑州-style street tariff in two versions (2026 added the new-energy allowance),
 * a garage with a per-visit night, and a civic lot free at weekends, on the National Day holiday
 * and over lunch.
 */
export const DEMO_TARIFFS: readonly Tariff[] = [
  {
    id: 'zz-street-v1', lotId: 'demo-street', version: 1, validFrom: '2025-01-01T00:00:00+08:00',
    name: 'Street parking (Zhengzhou style)', nameZh: '路内停车（郑州标准）', timeZone: 'Asia/Shanghai',
    graceMinutes: 15, graceDeducted: false, bands: ZZ_STREET_BANDS, dailyCapFen: 3000,
  },
  {
    id: 'zz-street-v2', lotId: 'demo-street', version: 2, validFrom: '2026-01-01T00:00:00+08:00',
    name: 'Street parking (Zhengzhou style)', nameZh: '路内停车（郑州标准）', timeZone: 'Asia/Shanghai',
    graceMinutes: 15, graceDeducted: false, bands: ZZ_STREET_BANDS, dailyCapFen: 3000,
    newEnergy: { freeMinutes: 120 },
  },
  {
    id: 'zz-garage-v1', lotId: 'demo-garage', version: 1, validFrom: '2025-01-01T00:00:00+08:00',
    name: 'Underground garage', nameZh: '地下停车场', timeZone: 'Asia/Shanghai',
    graceMinutes: 30, graceDeducted: false,
    bands: [
      { name: 'Day', nameZh: '白天', from: '08:00', to: '20:00', pricing: { kind: 'units', firstUnit: { minutes: 60, fen: 500 }, unit: { minutes: 60, fen: 150 } } },
      { name: 'Night', nameZh: '夜间', from: '20:00', to: '08:00', pricing: { kind: 'per-visit', fen: 200 } },
    ],
    dailyCapFen: 2500,
    newEnergy: { discountPercent: 50 },
  },
  {
    id: 'zz-civic-v1', lotId: 'demo-civic', version: 1, validFrom: '2025-01-01T00:00:00+08:00',
    name: 'Civic centre lot', nameZh: '市民中心停车场', timeZone: 'Asia/Shanghai',
    graceMinutes: 15, graceDeducted: true,
    bands: [
      { name: 'Day', nameZh: '白天', from: '07:00', to: '19:00', pricing: { kind: 'units', unit: { minutes: 60, fen: 200 } } },
      { name: 'Night', nameZh: '夜间', from: '19:00', to: '07:00', pricing: { kind: 'per-visit', fen: 100 } },
    ],
    dailyCapFen: 2000,
    freePeriods: [
      { kind: 'weekdays', name: 'Weekend', nameZh: '周末', days: [0, 6] },
      { kind: 'dates', name: 'National Day holiday', nameZh: '国庆假期', dates: ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'] },
      { kind: 'daily', name: 'Lunch', nameZh: '午间', from: '12:00', to: '14:00' },
    ],
  },
];
