import { describe, expect, it } from 'vitest';
import { dateOf, isoMinute, MINUTE_MS } from './local-time.ts';

describe('isoMinute and dateOf', () => {
  it('write what Date.toISOString writes, minute by minute and at the edges of four-digit years', () => {
    const minutes = [0, 1, 59, 60, 1439, 1440, -1, -1441, 29_412_000, 29_412_777,
      -62_135_596_800_000 / MINUTE_MS, 253_402_300_800_000 / MINUTE_MS - 1, 253_402_300_800_000 / MINUTE_MS, -62_135_596_800_000 / MINUTE_MS - 1, 1.5];
    for (let m = 29_000_000; m < 29_000_000 + 3 * 1440; m += 7) minutes.push(m);
    for (const m of minutes) expect(isoMinute(m), String(m)).toBe(new Date(m * MINUTE_MS).toISOString());
    for (const day of [0, -1, 20_424, 20_424, 2_932_896]) expect(dateOf(day)).toBe(new Date(day * 86_400_000).toISOString().slice(0, 10));
  });
});
