// Why a session is in review, as codes the console translates (web/src/i18n.ts, zh and en): the
// matcher (session-rules.ts) and the review decisions (review.ts) write English phrases into
// sessions.review_reason for the log and the database reader; the API also answers these codes,
// so the Chinese console shows no English sentence.
export const REVIEW_REASON_CODES = ['double-entry', 'low-confidence-entry', 'low-confidence-exit', 'bay-handover', 'plate-uncertain', 'approved', 'voided'] as const;
export type ReviewReasonCode = typeof REVIEW_REASON_CODES[number];

// Each phrase as session-rules.ts and review.ts write it.
const PHRASES: Array<[RegExp, ReviewReasonCode]> = [
  [/double entry/, 'double-entry'],
  [/low-confidence entry read/, 'low-confidence-entry'],
  [/low-confidence exit read/, 'low-confidence-exit'],
  [/bay handover/, 'bay-handover'],
  [/plate uncertain|low-confidence sighting/, 'plate-uncertain'],
  [/approved by operator/, 'approved'],
  [/invoice voided by operator/, 'voided'],
];

/** The codes of a stored review reason, in the order written; a phrase with no code is left out. */
export function reviewReasonCodes(text: string | null): ReviewReasonCode[] {
  if (!text) return [];
  return PHRASES.map(([re, code]) => [text.search(re), code] as const).filter(([at]) => at >= 0).sort((a, b) => a[0] - b[0]).map(([, code]) => code);
}
