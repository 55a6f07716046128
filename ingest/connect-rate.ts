// Connection attempts are rate-limited, per remote address and per device id, before anything else
// happens to a CONNECT (no secret check, no database): a device in a reconnect loop, or a machine
// opening connection after connection, costs a map lookup each, and the CONNACK says "server
// unavailable" (3) so a well-behaved client backs off and tries again.
//
// Token buckets, so a burst is allowed and a steady rate refills it:
//   - per device id: a real device connects a few times an hour; a burst of 20 covers a flapping
//     network, 10 a minute after that stops a crash loop hammering the device directory.
//   - per address: 1,000 at once, then 200 a second. A whole district can sit behind one carrier
//     NAT or gateway, and after a broker restart all of it reconnects at once: 5,000 devices from
//     one address that retry 1–3 s after a refusal are all back within 30 s (connect-rate.test.ts).
//   - trusted networks (MQTT_TRUSTED_NETWORKS, default loopback) have no per-address limit: the
//     simulators and load tests connect tens of thousands of devices from 127.0.0.1, and so does
//     a TLS-terminating proxy on the same host, where every device would share one address.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface ConnectRates {
  addressBurst: number;
  addressPerSecond: number;
  deviceBurst: number;
  devicePerMinute: number;
  /** CIDR blocks or single addresses exempt from the per-address limit. */
  trustedNetworks: string[];
}

export const DEFAULT_CONNECT_RATES: ConnectRates = {
  addressBurst: 1000, addressPerSecond: 200, deviceBurst: 20, devicePerMinute: 10, trustedNetworks: ['127.0.0.0/8', '::1/128'],
};

/** Keys kept per bucket map before full (idle) buckets are dropped: bounded memory under a spray of made-up ids. */
const MAX_KEYS = 100_000;

class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number; refusing: boolean }>();
  constructor(private readonly burst: number, private readonly perMs: number) {}

  /** Take one token: 0 when allowed, else ms until one is back; `first` on the first refusal of a run. */
  take(key: string, now: number): { waitMs: number; first: boolean } {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_KEYS) this.prune(now);
      b = { tokens: this.burst, at: now, refusing: false };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      b.refusing = false;
      return { waitMs: 0, first: false };
    }
    const first = !b.refusing;
    b.refusing = true;
    return { waitMs: Math.ceil((1 - b.tokens) / this.perMs), first };
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= this.burst) this.buckets.delete(key);
    }
    if (this.buckets.size >= MAX_KEYS) this.buckets.clear(); // all busy: forget rather than grow
  }
}

export type ConnectVerdict = { ok: true } | { ok: false; by: 'address' | 'device'; retryAfterMs: number; first: boolean };

export class ConnectRateLimiter {
  private readonly byAddress: TokenBuckets;
  private readonly byDevice: TokenBuckets;
  private readonly trusted = new BlockList();

  constructor(rates: ConnectRates = DEFAULT_CONNECT_RATES) {
    this.byAddress = new TokenBuckets(rates.addressBurst, rates.addressPerSecond / 1000);
    this.byDevice = new TokenBuckets(rates.deviceBurst, rates.devicePerMinute / 60_000);
    for (const net of rates.trustedNetworks) addToBlockList(this.trusted, net);
  }

  /** One connection attempt from `address` as `deviceId`: allowed, or which limit it is over. */
  attempt(deviceId: string, address: string, now = Date.now()): ConnectVerdict {
    if (!this.isTrusted(address)) {
      const a = this.byAddress.take(address, now);
      if (a.waitMs > 0) return { ok: false, by: 'address', retryAfterMs: a.waitMs, first: a.first };
    }
    const d = this.byDevice.take(deviceId, now);
    if (d.waitMs > 0) return { ok: false, by: 'device', retryAfterMs: d.waitMs, first: d.first };
    return { ok: true };
  }

  private isTrusted(address: string): boolean {
    // An IPv4 client on a dual-stack socket reads as ::ffff:a.b.c.d.
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (v4) return this.trusted.check(v4, 'ipv4');
    if (isIPv4(address)) return this.trusted.check(address, 'ipv4');
    return isIPv6(address) && this.trusted.check(address, 'ipv6');
  }
}

/** Parse "a.b.c.d/n", "::1/128" or a bare address; throws naming the entry. */
function addToBlockList(list: BlockList, entry: string): void {
  const [address, bits] = entry.trim().split('/');
  const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  const prefix = bits === undefined ? (type === 'ipv4' ? 32 : 128) : Number(bits);
  if (!type || !Number.isInteger(prefix) || prefix < 0 || prefix > (type === 'ipv4' ? 32 : 128)) {
    throw new Error(`"${entry}" is not an address or CIDR block (e.g. 10.0.0.0/8, ::1/128)`);
  }
  list.addSubnet(address, prefix, type);
}
