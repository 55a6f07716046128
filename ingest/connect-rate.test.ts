// Connection-attempt rate limits: bursts then a steady rate, per address and per device id; trusted
// networks skip the address limit; and a 5,000-device reconnect storm from one address recovers.
import { describe, it, expect } from 'vitest';
import { ConnectRateLimiter, DEFAULT_CONNECT_RATES } from './connect-rate.ts';

const T = 1_000_000;
const rates = { addressBurst: 3, addressPerSecond: 1, deviceBurst: 2, devicePerMinute: 6, trustedNetworks: ['10.9.0.0/16', '::1/128'] };

describe('ConnectRateLimiter', () => {
  it('lets an address connect a burst, then at its rate', () => {
    const l = new ConnectRateLimiter(rates);
    for (let i = 0; i < 3; i++) expect(l.attempt(`sen-${i}`, '203.0.113.5', T)).toEqual({ ok: true });
    expect(l.attempt('sen-3', '203.0.113.5', T)).toEqual({ ok: false, by: 'address', retryAfterMs: 1000, first: true });
    expect(l.attempt('sen-4', '203.0.113.5', T + 10)).toMatchObject({ ok: false, first: false });
    expect(l.attempt('sen-3', '203.0.113.6', T)).toEqual({ ok: true }); // another address is not affected
    expect(l.attempt('sen-3', '203.0.113.5', T + 1000)).toEqual({ ok: true }); // one token back after 1 s
  });

  it('limits one device id from any address, and not its neighbours', () => {
    const l = new ConnectRateLimiter(rates);
    expect(l.attempt('sen-1', '198.51.100.1', T).ok).toBe(true);
    expect(l.attempt('sen-1', '198.51.100.2', T).ok).toBe(true);
    expect(l.attempt('sen-1', '198.51.100.3', T)).toEqual({ ok: false, by: 'device', retryAfterMs: 10_000, first: true });
    expect(l.attempt('sen-2', '198.51.100.3', T).ok).toBe(true);
    expect(l.attempt('sen-1', '198.51.100.3', T + 10_000).ok).toBe(true); // 6 a minute: one every 10 s
  });

  it('skips the address limit for trusted networks (IPv4, IPv4-mapped IPv6, IPv6), not the device limit', () => {
    const l = new ConnectRateLimiter(rates);
    for (let i = 0; i < 100; i++) expect(l.attempt(`sen-${i}`, i % 2 ? '10.9.3.4' : '::ffff:10.9.200.1', T).ok).toBe(true);
    for (let i = 0; i < 100; i++) expect(l.attempt(`gw-${i}`, '::1', T).ok).toBe(true);
    expect(l.attempt('sen-x', '10.10.0.1', T).ok).toBe(true);
    l.attempt('sen-y', '::1', T);
    l.attempt('sen-y', '::1', T);
    expect(l.attempt('sen-y', '::1', T)).toMatchObject({ ok: false, by: 'device' });
  });

  it('the defaults: a 5,000-device reconnect storm from one address (a carrier NAT) is all back within 30 s', () => {
    // Every device reconnects at once after a broker restart; a refused one retries 1–3 s later
    // (mqtt.js reconnects after its reconnectPeriod; our simulator waits 3–8 s).
    const l = new ConnectRateLimiter({ ...DEFAULT_CONNECT_RATES, trustedNetworks: [] });
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let waiting = Array.from({ length: 5000 }, (_, i) => ({ id: `sen-${i}`, at: T + Math.floor(rand() * 200) }));
    let now = T;
    let refusals = 0;
    while (waiting.length > 0 && now < T + 120_000) {
      now = Math.min(...waiting.map((w) => w.at));
      const next: typeof waiting = [];
      for (const w of waiting) {
        if (w.at > now) { next.push(w); continue; }
        if (l.attempt(w.id, '100.64.0.1', now).ok) continue;
        refusals++;
        next.push({ id: w.id, at: now + 1000 + Math.floor(rand() * 2000) });
      }
      waiting = next;
    }
    expect(waiting).toEqual([]);
    expect(now - T).toBeLessThan(30_000);
    expect(refusals).toBeGreaterThan(0); // the limit did act
    // …while one machine opening connections as fast as it can gets its burst, then 200 a second.
    const flood = new ConnectRateLimiter({ ...DEFAULT_CONNECT_RATES, trustedNetworks: [] });
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms++) for (let k = 0; k < 10; k++) if (flood.attempt(`x-${ms}-${k}`, '192.0.2.66', T + ms).ok) allowed++;
    expect(allowed).toBeLessThanOrEqual(1000 + 200 * 10 + 1);
  });

  it('refuses a trusted network entry that is not an address or CIDR block', () => {
    expect(() => new ConnectRateLimiter({ ...rates, trustedNetworks: ['10.0.0.0/33'] })).toThrow(/not an address or CIDR block/);
    expect(() => new ConnectRateLimiter({ ...rates, trustedNetworks: ['example.com'] })).toThrow(/not an address or CIDR block/);
  });
});
