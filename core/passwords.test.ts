import { describe, it, expect } from 'vitest';
import { hashPassword, verifyPassword, needsRehash, SCRYPT_PARAMS } from './passwords.ts';

describe('passwords (scrypt)', () => {
  it('hashes with the documented parameters and a random salt', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b); // random salt: equal passwords do not give equal rows
    expect(needsRehash(a)).toBe(false);
    expect(SCRYPT_PARAMS).toEqual({ N: 32768, r: 8, p: 1 });
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('s3cret-密码');
    expect(await verifyPassword('s3cret-密码', h)).toBe(true);
    expect(await verifyPassword('s3cret-密碼', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
  });

  it('refuses malformed or dangerous stored hashes instead of throwing', async () => {
    const h = await hashPassword('password1');
    const [, , , , salt, hash] = h.split('$');
    for (const bad of ['', 'plain', 'sha256$abc$def', `scrypt$abc$8$1$${salt}$${hash}`, `scrypt$${2 ** 24}$8$1$${salt}$${hash}`, `scrypt$1000$8$1$${salt}$${hash}`, `scrypt$32768$8$1$${salt}$AAAA`]) {
      expect(await verifyPassword('password1', bad)).toBe(false);
    }
  });

  it('still verifies older, cheaper hashes and flags them for rehash', async () => {
    const old = await hashPassword('password1', { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('password1', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
  });
});
