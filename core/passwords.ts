// Driver passwords: scrypt (RFC 7914), a memory-hard KDF, with a random 16-byte salt per password.
// Stored as `scrypt$N$r$p$<salt base64>$<hash base64>` so the cost can be raised later and old
// hashes still verify. N=2^15, r=8, p=1 is the OWASP Password Storage Cheat Sheet minimum for
// scrypt (~32 MiB and ~50 ms per hash): slow enough to make a leaked table expensive to crack.
import { scrypt as scryptCb, randomBytes, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LEN = 32;
const SALT_LEN = 16;
// A stored hash is data: refuse costs that would let a crafted row exhaust memory (128·N·r bytes).
const MAX_N = 2 ** 20;

function scrypt(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  // Node's default maxmem (32 MiB) is exactly 128·N·r at N=2^15, r=8, which it refuses; allow 2×.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFKC'), salt, KEY_LEN, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const hash = await scrypt(password, salt, params.N, params.r, params.p);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when password matches the stored hash; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((v) => Number.isInteger(v) && v > 0) || N > MAX_N || (N & (N - 1)) !== 0 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  if (salt.length === 0 || expected.length !== KEY_LEN) return false;
  const actual = await scrypt(password, salt, N, r, p);
  // Constant-time compare: an early-exit compare leaks how much of the hash matched.
  return timingSafeEqual(actual, expected);
}

// Verified against when an account is unknown or has no password, so that refusal takes as long
// as a wrong password (the timing must not tell who has an account).
let dummyHash: Promise<string> | undefined;

/** Make the dummy hash now (a login route calls this when registered), so even the first refusal takes as long. */
export function prepareAccountPasswords(): void {
  dummyHash ??= hashPassword('not-a-real-password-0000');
}

/** verifyPassword for an account that may not exist: false without a stored hash, in the same time. */
export async function verifyAccountPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  prepareAccountPasswords();
  const ok = await verifyPassword(password, stored ?? (await dummyHash!));
  return ok && !!stored;
}

/** True when a stored hash uses weaker parameters than today's: rehash at the next login. */
export function needsRehash(stored: string): boolean {
  const [scheme, N, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(N) < SCRYPT_PARAMS.N || Number(r) < SCRYPT_PARAMS.r || Number(p) < SCRYPT_PARAMS.p;
}
