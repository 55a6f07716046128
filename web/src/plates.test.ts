import { describe, expect, it } from 'vitest';
import { plateHint } from './plates.ts';

describe('plateHint', () => {
  it('accepts standard and new-energy plates, normalised as the API stores them', () => {
    expect(plateHint('豫A12345')).toEqual({ state: 'ok', plate: '豫A12345', kind: 'standard' });
    expect(plateHint('豫AD12345')).toEqual({ state: 'ok', plate: '豫AD12345', kind: 'new-energy' });
    expect(plateHint(' 豫a·12345 ')).toEqual({ state: 'ok', plate: '豫A12345', kind: 'standard' });
    expect(plateHint('豫Ａ１２３４５')).toEqual({ state: 'ok', plate: '豫A12345', kind: 'standard' }); // full-width
    expect(plateHint('豫A-1234O')).toEqual({ state: 'ok', plate: '豫A12340', kind: 'standard' }); // O read as 0
  });

  it('is empty for blank input', () => {
    expect(plateHint('')).toEqual({ state: 'empty' });
    expect(plateHint('  · ')).toEqual({ state: 'empty' });
  });

  it('says why a plate is not valid yet', () => {
    expect(plateHint('A12345')).toEqual({ state: 'invalid', reason: 'province' });
    expect(plateHint('豫A12')).toEqual({ state: 'invalid', reason: 'short' });
    expect(plateHint('豫A1234567')).toEqual({ state: 'invalid', reason: 'long' });
    expect(plateHint('豫112345')).toEqual({ state: 'invalid', reason: 'chars' }); // authority must be a letter
    expect(plateHint('豫A123456')).toEqual({ state: 'invalid', reason: 'chars' }); // 8 chars but no D/F
  });
});
