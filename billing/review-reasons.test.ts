import { describe, expect, it } from 'vitest';
import { reviewReasonCodes } from './review-reasons.ts';

describe('reviewReasonCodes', () => {
  it('reads every phrase the matcher and the review decisions write, in order', () => {
    expect(reviewReasonCodes(null)).toEqual([]);
    expect(reviewReasonCodes('low-confidence entry read (0.50 < 0.8); double entry')).toEqual(['low-confidence-entry', 'double-entry']);
    expect(reviewReasonCodes('bay handover (exit time uncertain) (approved by operator)')).toEqual(['bay-handover', 'approved']);
    expect(reviewReasonCodes('low-confidence exit read (0.40 < 0.8); invoice voided by operator')).toEqual(['low-confidence-exit', 'voided']);
    expect(reviewReasonCodes('something new')).toEqual([]);
  });
});
