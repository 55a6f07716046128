import { computeFee } from './billing/tariff/fee.ts';
import * as T from './seed/demo-tariffs.ts';
const all: any[] = Object.values(T).flatMap((v: any) => Array.isArray(v) ? v : typeof v === 'function' ? [] : [v]).filter((t: any) => t?.bands);
console.log('tariffs', all.length, all.map((t) => t.id).join(','));
const base = Date.parse('2026-12-02T09:13:00Z');
for (const t of all.slice(0, 3)) for (let r = 0; r < 3; r++) {
  const N = 20000; const t0 = performance.now(); let lines = 0;
  for (let i = 0; i < N; i++) { const stay = (20 + (i * 37) % 580) * 60_000; const f = computeFee(t, { plateKind: 'standard' }, new Date(base + i * 1000 - stay), new Date(base + i * 1000)); lines += f.lines.length; }
  console.log(t.id, ((performance.now() - t0) / N * 1000).toFixed(1), 'µs/fee', (lines / N).toFixed(1), 'lines');
}
