// The simulated provider's checkout, in the page: it hands back a one-off payment token the way a
// real checkout (Alipay/WeChat/card) would. The simulated provider reads the token's prefix
// (payments/provider-sim/server.ts): tok_ok… succeeds, tok_decline… is declined as card_declined.

/** An account starting with "decline" (the provider-sim convention) gets a token that will be declined. */
export function checkoutToken(account: string, random: string): string {
  const declined = account.trim().toLowerCase().startsWith('decline');
  return `${declined ? 'tok_decline' : 'tok_ok'}_${random}`;
}

/** 12 random hex characters for a token's unique part. */
export function randomPart(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
