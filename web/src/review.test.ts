import { describe, expect, it } from 'vitest';
import { exceptionActions, exitReadDiffers, formatConfidence } from './review.ts';

describe('exceptionActions', () => {
  const inReview = new Set([7]);
  it('offers only dismiss for an exception that concerns no session', () => {
    expect(exceptionActions({ sessionId: null }, inReview)).toEqual(['dismiss']);
  });
  it('offers approve and void for a session waiting in review', () => {
    expect(exceptionActions({ sessionId: 7 }, inReview)).toEqual(['approve', 'void', 'dismiss']);
  });
  it('does not offer approve for a session that is not in review', () => {
    expect(exceptionActions({ sessionId: 8 }, inReview)).toEqual(['void', 'dismiss']);
  });
});

describe('exitReadDiffers', () => {
  it('flags an exit read that is not the plate', () => {
    expect(exitReadDiffers({ plate: '豫AD12345', exitPlateRead: '豫A012345' })).toBe(true);
    expect(exitReadDiffers({ plate: '豫AD12345', exitPlateRead: '豫AD12345' })).toBe(false);
    expect(exitReadDiffers({ plate: '豫AD12345', exitPlateRead: null })).toBe(false);
  });
});

describe('formatConfidence', () => {
  it('shows two decimals, a dash without a read', () => {
    expect(formatConfidence(0.6)).toBe('0.60');
    expect(formatConfidence(0.954)).toBe('0.95');
    expect(formatConfidence(null)).toBe('—');
  });
});
