// Named prepared statements for the hot path: a statement is parsed and planned once per
// connection, not on every call. Measured on the embedded database with a captured 604-event ingest
// batch, its statement ran in a median 62–68 ms named against 108–146 ms unnamed (load-tests/
// bench-ingest.ts measures the whole path). A name per connection and statement text: the embedded
// database serves every connection from one backend (core/db/wire-server.ts), where a client that
// reconnected would find a name of its predecessor's already taken.
import type { QueryResult } from 'pg';
import type { PoolClient } from './index.ts';

const names = new WeakMap<object, Map<string, string>>();
let serial = 0;

/** Anything with pg's query(text, values); a pool checked-out client gets named statements. */
export interface Queryable { query(text: string, values?: unknown[]): Promise<QueryResult<any>> }

/**
 * Runs `text` as a named prepared statement on a checked-out client (one with `release`), and as an
 * ordinary query on anything else: a pool may hand each call another connection, which would have
 * to parse it again under a name that is only unique per connection.
 */
export function preparedQuery(q: Queryable, text: string, values: unknown[]): Promise<QueryResult<any>> {
  if (typeof (q as Partial<PoolClient>).release !== 'function') return q.query(text, values);
  let byText = names.get(q);
  if (!byText) names.set(q, (byText = new Map()));
  let name = byText.get(text);
  if (!name) byText.set(text, (name = `onelot_${process.pid}_${++serial}`));
  return (q as unknown as PoolClient).query({ name, text, values });
}
