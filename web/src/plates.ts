// Plate input hints for the forms: the same normaliser the API uses (core/plates.ts), so what the
// page calls valid the API accepts, plus a reason the driver can act on while typing.
import { normalizePlate, PROVINCES, type PlateKind } from '../../core/plates.ts';

export type PlateHint =
  | { state: 'empty' }
  | { state: 'ok'; plate: string; kind: PlateKind }
  /** province: must start with 豫 etc.; short: keep typing; long: too many characters; chars: wrong letters. */
  | { state: 'invalid'; reason: 'province' | 'short' | 'long' | 'chars' };

const SEPARATORS = /[\s·•.\-_]/g;

export function plateHint(input: string): PlateHint {
  const compact = input.normalize('NFKC').toUpperCase().replace(SEPARATORS, '');
  if (compact === '') return { state: 'empty' };
  const r = normalizePlate(input);
  if (r.ok) return { state: 'ok', plate: r.plate, kind: r.kind };
  if (!PROVINCES.includes(compact[0])) return { state: 'invalid', reason: 'province' };
  // 7 characters for standard plates, 8 for new-energy (GA 36-2018).
  if (compact.length < 7) return { state: 'invalid', reason: 'short' };
  if (compact.length > 8) return { state: 'invalid', reason: 'long' };
  return { state: 'invalid', reason: 'chars' };
}
