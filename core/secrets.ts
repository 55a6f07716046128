// Device secrets are 128-bit random tokens, not human passwords: a salted SHA-256 is enough to
// keep them useless if the table leaks, and it is cheap enough for a reconnect storm of thousands
// of devices (a password KDF at ~50 ms each would take minutes). Driver passwords use scrypt (core/passwords.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newDeviceSecret(): string {
  return randomBytes(16).toString('base64url');
}

export function hashDeviceSecret(secret: string, salt: string = randomBytes(8).toString('hex')): string {
  const digest = createHash('sha256').update(salt).update(':').update(secret).digest('hex');
  return `sha256$${salt}$${digest}`;
}

export function verifyDeviceSecret(secret: string, stored: string): boolean {
  const [scheme, salt, digest] = stored.split('$');
  if (scheme !== 'sha256' || !salt || !digest) return false;
  const actual = Buffer.from(hashDeviceSecret(secret, salt).split('$')[2], 'hex');
  const expected = Buffer.from(digest, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
