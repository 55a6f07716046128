import { describe, it, expect } from 'vitest';
import { normalizePlate, maskPlate, confusableKey, lettersNoPlateHas } from './plates.ts';

describe('normalizePlate', () => {
  it.each([
    ['豫A12345', '豫A12345', 'standard'],
    ['豫a 12345', '豫A12345', 'standard'],
    ['豫A·12345', '豫A12345', 'standard'],
    ['豫A-1234O', '豫A12340', 'standard'], // O never appears on plates: read as 0
    ['豫Ａ１２３４５', '豫A12345', 'standard'], // full-width input from a phone keyboard
    ['京B1234学', '京B1234学', 'standard'],
    ['豫AD12345', '豫AD12345', 'new-energy'],
    ['豫ad12345', '豫AD12345', 'new-energy'],
    ['沪A12345F', '沪A12345F', 'new-energy'],
    ['粤BFA1234', '粤BFA1234', 'new-energy'],
  ])('%s → %s (%s)', (input, plate, kind) => {
    expect(normalizePlate(input)).toEqual({ ok: true, plate, kind });
  });

  it.each([
    ['', /too short/],
    ['A12345', /province character/],
    ['XA12345', /province character/],
    ['豫A1234', /not a Chinese plate/],
    ['豫A123456', /not a Chinese plate/],
    ['豫AX12345', /not a Chinese plate/], // 8 characters but not D/F new-energy
    ['豫I12345', /not a Chinese plate/], // authority letter is never I
  ])('rejects %j', (input, reason) => {
    const r = normalizePlate(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('lettersNoPlateHas', () => {
  it('counts the I and O in the serial, which plateText takes for 1 and 0', () => {
    expect(lettersNoPlateHas('豫A36I43')).toBe(1);
    expect(lettersNoPlateHas('豫ａ-1234o')).toBe(1);
    expect(lettersNoPlateHas('豫AIO123')).toBe(2);
    expect(lettersNoPlateHas('豫A12345')).toBe(0);
  });
});

describe('maskPlate', () => {
  it('hides the serial from anyone but the owner', () => {
    expect(maskPlate('豫A12345')).toBe('豫A·***45');
    expect(maskPlate('豫AD12345')).toBe('豫A·****45');
  });
});

describe('confusableKey', () => {
  it('collides common misreads of one plate and keeps different plates apart', () => {
    expect(confusableKey('豫AD12345')).toBe(confusableKey('豫A012345'));
    expect(confusableKey('豫A8B123')).toBe(confusableKey('豫A88123'));
    expect(confusableKey('豫A12345')).toBe(confusableKey('皖A12345')); // province misread
    expect(confusableKey('豫A12345')).not.toBe(confusableKey('豫A12346'));
  });
});
