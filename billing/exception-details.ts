// What an exception says, as a code and its parameters (issue 11): the console words them in zh or
// en from its own templates (web/src/server-texts.ts), formatting times in the lot's time zone, so
// the Chinese console shows no English sentence. The English sentence stored beside them in
// session_exceptions.detail is derived here, for the log and the database reader.
// One TypeBox schema per code: it types the matcher's output and the API's answer, and documents
// both in OpenAPI.
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';

const Plate = Type.String({ description: 'the plate as read (operator routes show it whole)' });
const At = Type.String({ format: 'date-time', description: 'UTC; the console shows it in the lot\'s time zone' });
const Conf = Type.Union([Type.Number(), Type.Null()], { description: 'camera confidence 0..1, null when the camera gave none' });

const detail = <C extends string, P extends TProperties>(code: C, params: P) =>
  Type.Object({ code: Type.Literal(code), params: Type.Object(params) });

const DETAILS = [
  detail('low-confidence', { plate: Plate, entryConfidence: Conf, exitConfidence: Conf, minConfidence: Type.Number() }),
  detail('unreadable-gate', { direction: Type.Union([Type.Literal('in'), Type.Literal('out')]), read: Type.String({ description: 'what the camera sent' }) }),
  detail('unreadable-bay', { bay: Type.String(), read: Type.Union([Type.String(), Type.Null()], { description: 'a read that is not a plate, or null: no read' }) }),
  detail('exit-invalid-plate', { plate: Plate }),
  detail('double-entry-open-session', { plate: Plate, enteredAt: At, sessionId: Type.Union([Type.Integer(), Type.Null()]), openSince: At }),
  detail('exit-ambiguous', { plate: Plate, candidates: Type.Array(Plate) }),
  detail('exit-before-entry', { plate: Plate, exitAt: At, entryAt: At }),
  detail('exit-no-session', { plate: Plate, exitAt: At }),
  detail('bay-handover', { plate: Plate, bay: Type.String() }),
  detail('uncertain-plate', {
    plate: Type.String({ description: 'the best guess, billed to nobody until an operator confirms it' }),
    rule: Type.String({ description: 'why it is not certain (docs/plates.md): reads-disagree, confusable-in-lot, single-read, no-plate-read' }),
    candidates: Type.Array(Plate, { description: 'the plates the reads could name, the best first' }),
    confusableInLot: Type.Array(Plate, { description: 'other cars open at the lot whose plates a misread could turn into this one' }),
    reads: Type.Array(Type.Object({
      role: Type.String({ description: 'entry, sighting or exit' }), read: Plate, confidence: Conf, at: At,
    }), { description: 'every read of the vehicle' }),
  }),
  detail('no-tariff', { entryAt: At, scheduled: Type.Boolean({ description: 'the lot has tariff versions, none in force at entry' }) }),
  detail('tariff-error', { message: Type.String({ description: 'the tariff engine\'s own words, in English' }) }),
  detail('overstay', { openSince: At, maxStayHours: Type.Number() }),
  detail('payment-mismatch', {
    held: Type.Boolean({ description: 'true: the pending charge and its invoice are held; false: the invoice stays paid' }),
    reportedStatus: Type.String(), reportedAmount: Type.String({ description: 'amount and currency as the provider sent them' }),
    chargeId: Type.Integer(), invoiceId: Type.Integer(), amountFen: Type.Integer(),
  }),
] as const satisfies readonly TObject[];

export const ExceptionDetail = Type.Union([...DETAILS], { description: 'what the exception says, as a code and its parameters the console words in zh or en' });
export type ExceptionDetail = Static<typeof ExceptionDetail>;
export type ExceptionDetailCode = ExceptionDetail['code'];
type ParamsOf<C extends ExceptionDetailCode> = Extract<ExceptionDetail, { code: C }>['params'];

const conf = (c: number | null) => (c === null ? 'n/a' : c.toFixed(2));

const ENGLISH: { [C in ExceptionDetailCode]: (p: ParamsOf<C>) => string } = {
  'low-confidence': (p) => `plate ${p.plate} read with confidence entry ${conf(p.entryConfidence)}, exit ${conf(p.exitConfidence)} (lot minimum ${p.minConfidence}): check the images before charging`,
  'unreadable-gate': (p) => `${p.direction === 'in' ? 'entry' : 'exit'} plate could not be read: "${p.read}" is not a plate`,
  'unreadable-bay': (p) => `camera saw bay ${p.bay} occupied but ${p.read !== null ? `could not read the plate ("${p.read}")` : 'read no plate'}; the stay is not billed until an operator reads the image`,
  'exit-invalid-plate': (p) => `exit read ${p.plate} is not a valid plate and matches no open session at this lot`,
  'double-entry-open-session': (p) => `plate ${p.plate} entered at ${p.enteredAt} while session #${p.sessionId ?? 'new'} (entered ${p.openSince}) is still open: a missed exit, a cloned plate or a misread`,
  'exit-ambiguous': (p) => `exit read ${p.plate} could be any of ${p.candidates.length} open sessions (${p.candidates.join(', ')}): pick the right one`,
  'exit-before-entry': (p) => `exit of ${p.plate} at ${p.exitAt} is older than the entry of its open session (${p.entryAt}): out of order or a camera clock is wrong; the session stays open`,
  'exit-no-session': (p) => `exit of ${p.plate} at ${p.exitAt} matches no open session at this lot`,
  'uncertain-plate': (p) => `plate not certain (${p.rule}): reads ${p.reads.map((r) => `${r.role} ${r.read} (${conf(r.confidence)})`).join(', ')}`
    + `; candidates ${p.candidates.join(', ')}${p.confusableInLot.length ? `; confusable plates in the lot: ${p.confusableInLot.join(', ')}` : ''}: check the images and confirm the plate before anyone is billed`,
  'bay-handover': (p) => `bay handover: ${p.plate} was seen in bay ${p.bay} before it was reported free; the exit time is only an upper bound`,
  'no-tariff': (p) => (p.scheduled
    ? `no tariff version of this lot is in force at ${p.entryAt}: schedule one from an earlier date`
    : `this lot has no tariff: add a lot_billing row naming one, or schedule a version in the operators' console`),
  'tariff-error': (p) => `the tariff could not price this stay: ${p.message}`,
  overstay: (p) => `session open since ${p.openSince}, longer than the lot's maximum stay of ${p.maxStayHours} h: check whether the car left unseen`,
  'payment-mismatch': (p) => `the provider reported ${p.reportedStatus} for ${p.reportedAmount} but charge ${p.chargeId} of invoice ${p.invoiceId} was created for ${p.amountFen} fen: `
    + (p.held ? 'the charge and the invoice are held for review, not paid' : `the invoice stays paid and this ${p.reportedStatus} report was not applied`),
};

/** The English sentence of a detail, as stored in session_exceptions.detail. */
export function englishDetail(d: ExceptionDetail): string {
  return (ENGLISH[d.code] as (p: ExceptionDetail['params']) => string)(d.params);
}
