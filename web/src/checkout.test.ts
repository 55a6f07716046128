import { describe, expect, it } from 'vitest';
import { checkoutToken, randomPart } from './checkout.ts';

describe('checkoutToken', () => {
  it('makes tokens the simulated provider accepts', () => {
    expect(checkoutToken('138****0000', 'abc123')).toBe('tok_ok_abc123');
    expect(checkoutToken('  ', 'x')).toBe('tok_ok_x');
  });
  it('makes declining tokens for accounts starting with "decline"', () => {
    expect(checkoutToken('decline-me', 'x')).toBe('tok_decline_x');
    expect(checkoutToken(' Decline', 'x')).toBe('tok_decline_x');
  });
  it('random parts are hex and differ', () => {
    expect(randomPart()).toMatch(/^[0-9a-f]{12}$/);
    expect(randomPart()).not.toBe(randomPart());
  });
});
