// Chinese licence plates (GA 36-2018): a province character, an issuing-authority letter, then a
// 5-character serial (blue/yellow/white/black, 7 in all) or a 6-character serial for new-energy
// vehicles (green, 8 in all, the serial starting or ending with D/F for EV/hybrid).
// Plates are personal data: store normalised, show masked (maskPlate) to anyone but the owner.

export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const SUFFIXES = '学警港澳挂领试超使';
const PROVINCE_RE = `[${PROVINCES}]`;
const STANDARD_RE = new RegExp(`^${PROVINCE_RE}[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9${SUFFIXES}]$`);
const NEW_ENERGY_RE = new RegExp(`^${PROVINCE_RE}[A-HJ-NP-Z](?:[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF])$`);

export type PlateKind = 'standard' | 'new-energy';
export type PlateResult = { ok: true; plate: string; kind: PlateKind } | { ok: false; reason: string };

const cleaned = (input: string) => input.normalize('NFKC').toUpperCase().replace(/[\s·•.\-_]/g, '');

/**
 * What a camera or a person typed, cleaned as a plate is read, whether or not it is one: full-width
 * to ASCII, upper case, no separators (space, ·, -, .), and I/O in the serial read as 1/0 (plates
 * never use I or O, GA 36-2018 §5).
 */
export function plateText(input: string): string {
  const s = cleaned(input);
  return s.slice(0, 2) + s.slice(2).replace(/O/g, '0').replace(/I/g, '1');
}

/**
 * How many I or O a camera's read has in the serial, which plateText takes for 1 or 0: the camera
 * saw a character no plate has, so the read names its plate only after a correction — a misread of
 * it, evidence as a dissenting read is (billing/plate-evidence.ts), not as an agreeing one.
 */
export function lettersNoPlateHas(input: string): number {
  return cleaned(input).slice(2).replace(/[^IO]/g, '').length;
}

/** Normalise what a camera or a person typed (plateText), and check it is a plate. */
export function normalizePlate(input: string): PlateResult {
  const s = plateText(input);
  if (s.length < 2) return { ok: false, reason: `"${input}" is too short to be a plate` };
  if (!PROVINCES.includes(s[0])) return { ok: false, reason: `"${input}" must start with a province character such as 豫` };
  if (s.length === 8 && NEW_ENERGY_RE.test(s)) return { ok: true, plate: s, kind: 'new-energy' };
  if (s.length === 7 && STANDARD_RE.test(s)) return { ok: true, plate: s, kind: 'standard' };
  return { ok: false, reason: `"${input}" is not a Chinese plate: expected 7 characters (e.g. 豫A12345) or 8 for new-energy (e.g. 豫AD12345)` };
}

/** A plate as shown to anyone but its owner: 豫A·***45. */
export function maskPlate(plate: string): string {
  if (plate.length < 4) return '***';
  return `${plate.slice(0, 2)}·${'*'.repeat(plate.length - 4)}${plate.slice(-2)}`;
}

// Characters plate-recognition cameras confuse, mapped to one representative.
const CONFUSABLE: Record<string, string> = { D: '0', O: '0', Q: '0', U: '0', B: '8', I: '1', L: '1', T: '1', Z: '2', S: '5', G: '6', A: '4' };

/**
 * A key under which misreads of the same plate collide: the province is dropped (cameras often
 * misread it) and confusable characters are folded. Two plates with the same key at the same lot
 * are candidates for the same car; the caller decides what to do with that.
 */
export function confusableKey(plate: string): string {
  return [...plate.slice(1)].map((c) => CONFUSABLE[c] ?? c).join('');
}
