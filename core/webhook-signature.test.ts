import { describe, it, expect } from 'vitest';
import { signWebhook, verifyWebhook, computeSignature } from './webhook-signature.ts';

const SECRET = 'test-webhook-secret-0123456789';
const BODY = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded', data: { charge: { id: 'ch_1' } } });
const NOW = 1_800_000_000;

describe('webhook signatures', () => {
  it('accepts what it signed', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(SECRET, BODY, header, { nowS: NOW })).toEqual({ ok: true, timestamp: NOW });
  });

  it('refuses an unsigned webhook', () => {
    for (const h of [undefined, null, '', '  ']) {
      const r = verifyWebhook(SECRET, BODY, h, { nowS: NOW });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/missing/);
    }
  });

  it('refuses a tampered body, a wrong secret and a moved timestamp', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    expect(verifyWebhook(SECRET, BODY.replace('succeeded', 'refunded'), header, { nowS: NOW }).ok).toBe(false);
    expect(verifyWebhook('another-secret-0123456789', BODY, header, { nowS: NOW }).ok).toBe(false);
    const moved = header.replace(`t=${NOW}`, `t=${NOW + 1}`);
    const r = verifyWebhook(SECRET, BODY, moved, { nowS: NOW });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/does not match/);
  });

  it('refuses signatures outside the 5-minute window, either way', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    expect(verifyWebhook(SECRET, BODY, header, { nowS: NOW + 300 }).ok).toBe(true);
    const late = verifyWebhook(SECRET, BODY, header, { nowS: NOW + 301 });
    expect(late.ok).toBe(false);
    if (!late.ok) expect(late.reason).toMatch(/window/);
    expect(verifyWebhook(SECRET, BODY, header, { nowS: NOW - 301 }).ok).toBe(false);
    expect(verifyWebhook(SECRET, BODY, header, { nowS: NOW + 1000, toleranceS: 2000 }).ok).toBe(true);
  });

  it('refuses malformed headers with a reason', () => {
    for (const h of ['garbage', `v1=${'a'.repeat(64)}`, `t=${NOW}`, `t=${NOW},v1=xyz`, `t=abc,v1=${'a'.repeat(64)}`]) {
      const r = verifyWebhook(SECRET, BODY, h, { nowS: NOW });
      expect(r.ok).toBe(false);
    }
  });

  it('accepts any one of several v1 signatures (secret rotation)', () => {
    const good = computeSignature(SECRET, NOW, BODY);
    const other = computeSignature('old-secret-0123456789abc', NOW, BODY);
    expect(verifyWebhook(SECRET, BODY, `t=${NOW},v1=${other},v1=${good}`, { nowS: NOW }).ok).toBe(true);
    expect(verifyWebhook(SECRET, BODY, `t=${NOW}, v1=${good.toUpperCase()}`, { nowS: NOW }).ok).toBe(true);
  });
});
