// Random but plausible Chinese plates for the simulated fleet, and the misreads real plate-recognition
// cameras make. Pure: every function takes its random source, so a seed gives the same cars.
import { PROVINCES } from '../core/plates.ts';

export type Rng = () => number;
export type SimPlateColor = 'blue' | 'green';
export interface SimPlate { plate: string; color: SimPlateColor }

// GA 36-2018 §5: plates never use I or O (they read as 1 and 0).
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '0123456789';
// Henan's issuing letters other than A (Zhengzhou): Kaifeng B … Jiyuan U.
const HENAN_OTHER = 'BCDEFGHJKLMNPQRSU';
// Out-of-province cars in Zhengzhou come mostly from the neighbours and the big cities.
const OTHER_PROVINCES = '鄂皖鲁冀晋陕京沪苏浙粤川湘';

/** Share of green new-energy plates (Zhengzhou's new-car mix is about a fifth and rising). */
export const NEW_ENERGY_SHARE = 0.2;

const pick = (s: string, rng: Rng) => s[Math.floor(rng() * s.length)];
const digits = (n: number, rng: Rng) => Array.from({ length: n }, () => pick(DIGITS, rng)).join('');

/** The plate's colour as a camera reports it: new-energy plates (8 characters) are green. */
export const plateColorOf = (plate: string): SimPlateColor => ([...plate].length === 8 ? 'green' : 'blue');

function prefix(rng: Rng): string {
  const r = rng();
  if (r < 0.78) return '豫A';
  if (r < 0.9) return '豫' + pick(HENAN_OTHER, rng);
  return pick(OTHER_PROVINCES, rng) + pick(LETTERS, rng);
}

// Blue serials are mostly digits with at most two letters (as issued in practice); no suffix
// characters (学, 警 …), which belong to special vehicles.
function blueSerial(rng: Rng): string {
  const s = [...digits(5, rng)];
  const letters = rng() < 0.55 ? (rng() < 0.6 ? 1 : 2) : 0;
  for (let i = 0; i < letters; i++) s[Math.floor(rng() * 5)] = pick(LETTERS, rng);
  return s.join('');
}

// GA 36-2018 new-energy serials: small cars D/F then 5 (the second may be a letter), large
// vehicles 5 digits then D/F. D = battery electric, F = hybrid.
function greenSerial(rng: Rng): string {
  const df = rng() < 0.75 ? 'D' : 'F';
  if (rng() < 0.1) return digits(5, rng) + df;
  return df + (rng() < 0.15 ? pick(LETTERS, rng) : pick(DIGITS, rng)) + digits(4, rng);
}

/** One random plate; it always passes normalizePlate unchanged. */
export function randomPlate(rng: Rng): SimPlate {
  const green = rng() < NEW_ENERGY_SHARE;
  return { plate: prefix(rng) + (green ? greenSerial(rng) : blueSerial(rng)), color: green ? 'green' : 'blue' };
}

// What cameras confuse in the serial, each with a relative weight: the shapes that differ by one
// stroke or a corner (0/D/Q, 8/B, 2/Z, 5/S, 6/G, 1/I) are the classic errors of plate OCR; the
// weights (round D/0 the commonest, then B/8) are an assumption, see docs/faults.md. The issuing
// letter is large and rarely misread.
const CONFUSIONS: Record<string, Array<[string, number]>> = {
  D: [['0', 10]], '0': [['D', 8], ['Q', 2]], Q: [['0', 3]], B: [['8', 8]], '8': [['B', 7]],
  '1': [['I', 4]], Z: [['2', 5]], '2': [['Z', 5]], S: [['5', 5]], '5': [['S', 5]], G: [['6', 4]], '6': [['G', 4]],
};
/** Share of misreads that are of the province character (a class of 31 look-alike glyphs). */
const PROVINCE_SHARE = 0.2;

/**
 * A realistic misread of `plate`: one confusable serial character swapped, chosen by the weights
 * above (D→0, B↔8, 2↔Z, 5↔S, 6↔G, 1→I, 0→Q…) or, failing that or one time in five, the province
 * character read as another. Always differs from the input; it need not be a valid plate (D→0 on a
 * green plate breaks its format), which is exactly what ingest must cope with.
 */
export function misread(plate: string, rng: Rng): string {
  const chars = [...plate];
  const options: Array<[number, string, number]> = [];
  chars.forEach((c, i) => { if (i >= 2) for (const [to, w] of CONFUSIONS[c] ?? []) options.push([i, to, w]); });
  if (options.length && rng() >= PROVINCE_SHARE) {
    let x = rng() * options.reduce((sum, [, , w]) => sum + w, 0);
    for (const [i, to, w] of options) {
      if ((x -= w) < 0) { chars[i] = to; return chars.join(''); }
    }
    const [i, to] = options[options.length - 1];
    chars[i] = to;
    return chars.join('');
  }
  const others = [...PROVINCES].filter((p) => p !== chars[0]);
  chars[0] = others[Math.floor(rng() * others.length)];
  return chars.join('');
}
