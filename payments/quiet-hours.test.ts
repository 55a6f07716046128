import { describe, expect, it } from 'vitest';
import { inQuietHours, parseQuietHours } from './quiet-hours.ts';

const night = parseQuietHours('21:00-08:00');
/** A UTC instant for a wall-clock time in Shanghai (UTC+8, no DST). */
const shanghai = (hhmm: string) => new Date(`2026-11-30T${hhmm}:00+08:00`);

describe('quiet hours in the lot\'s time zone', () => {
  it('crosses midnight: 21:00 to 07:59 is quiet, 08:00 to 20:59 is not', () => {
    for (const t of ['21:00', '23:59', '00:00', '03:30', '07:59']) expect(inQuietHours(night, shanghai(t), 'Asia/Shanghai'), t).toBe(true);
    for (const t of ['08:00', '10:00', '12:00', '20:59']) expect(inQuietHours(night, shanghai(t), 'Asia/Shanghai'), t).toBe(false);
  });

  it('reads the clock of the lot, not of the server: 10:00 in Shanghai is 03:00 in Berlin', () => {
    const at = shanghai('10:00');
    expect(inQuietHours(night, at, 'Asia/Shanghai')).toBe(false);
    expect(inQuietHours(night, at, 'Europe/Berlin')).toBe(true);
  });

  it('a window inside one day, and none', () => {
    const lunch = parseQuietHours('12:00-14:00');
    expect(inQuietHours(lunch, shanghai('13:00'), 'Asia/Shanghai')).toBe(true);
    expect(inQuietHours(lunch, shanghai('14:00'), 'Asia/Shanghai')).toBe(false);
    expect(parseQuietHours('none')).toBeNull();
    expect(inQuietHours(null, shanghai('03:00'), 'Asia/Shanghai')).toBe(false);
  });
});
