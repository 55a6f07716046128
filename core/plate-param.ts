// A plate typed into a route (path, query or body): normalised, or a 400 that says what is wrong.
// Apart from core/plates.ts, which the web page imports and must stay free of server code.
import { OneLotError } from './errors.ts';
import { normalizePlate } from './plates.ts';

export function plateOrThrow(input: string): string {
  const r = normalizePlate(input);
  if (!r.ok) throw new OneLotError('ONELOT_ERR_VALIDATION', `${r.reason}; send the plate as printed`);
  return r.plate;
}
