// The change feed (core/changes.ts) across processes, over PostgreSQL LISTEN/NOTIFY: what one
// process emits, every other process on the same database receives as its own feed's event. An api
// process thus streams availability that an ingest process committed, an ingest process closes the
// connection of a device an operator disabled through an api process, and so on.
//
// Why PostgreSQL and not Redis pub/sub: the database is already the one thing every process needs,
// and a NOTIFY sent inside a transaction is delivered at its commit, in commit order, and never for a
// rollback — so an ingest batch's availability is sent in the batch's own transaction
// (ChangeFeed.relayIn) and two processes' changes to one lot arrive in the order the database
// applied them. Redis would be a second service to run and secure, and its messages are sent
// beside the commit, not with it. The cost: a NOTIFY payload is at most 8,000 bytes (big changes
// go in pieces), and notifications sent while a listener is disconnected are lost to it, so a
// reconnect emits `resync` and caches reload from the database.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { SHARED_CHANGES, type ChangeFeed, type SharedChange, type SharedChanges } from './changes.ts';
import type { Log } from './module.ts';

export const CHANGE_CHANNEL = 'onelot_changes';
/** A NOTIFY payload must stay under 8,000 bytes; this leaves room for the envelope. */
const PIECE_BYTES = 7_000;

export interface ChangeRelayOptions {
  /** DATABASE_URL: the listener holds a connection of its own. */
  connectionString: string;
  /** Where changes emitted outside a transaction are sent from. */
  pool: pg.Pool;
  log: Log;
  /** Wait before reconnecting a lost listener (ms). */
  reconnectMs?: number;
}

interface Envelope { o: string; n: SharedChange; c: unknown }
type Queryable = { query(text: string, values?: unknown[]): Promise<unknown> };

/** Relays `feed` to every other process on the database; resolves once listening, with the stop. */
export async function startChangeRelay(feed: ChangeFeed, opts: ChangeRelayOptions): Promise<() => Promise<void>> {
  const origin = randomUUID();
  const reconnectMs = opts.reconnectMs ?? 1_000;
  let listener: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const deliver = (msg: pg.Notification) => {
    if (msg.channel !== CHANGE_CHANNEL || !msg.payload) return;
    try {
      const { o, n, c } = JSON.parse(msg.payload) as Envelope;
      if (o === origin || !SHARED_CHANGES.includes(n)) return;
      feed.emitLocal(n, c as never);
    } catch (err) {
      opts.log.error({ err }, 'change relay: a change from another process could not be applied');
    }
  };

  const listen = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: opts.connectionString });
    const lost = (err?: Error) => {
      if (listener !== client) return;
      listener = undefined;
      client.end().catch(() => {});
      if (stopped) return;
      opts.log.warn({ err }, `change relay: lost the database connection; reconnecting in ${reconnectMs} ms`);
      retry = setTimeout(() => { listen().then(() => feed.emit('resync'), () => {}); }, reconnectMs);
    };
    client.on('notification', deliver);
    client.on('error', lost);
    client.on('end', () => lost());
    listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      lost(err as Error);
      throw err;
    }
  };
  try {
    await listen();
  } catch (err) {
    stopped = true;
    clearTimeout(retry);
    throw err;
  }

  // Outside a transaction, one process's changes leave in the order it emitted them.
  let sending: Promise<unknown> = Promise.resolve();
  feed.relayTo(async (name, change, client?: Queryable) => {
    const payloads = pieces(name, change).map((c) => JSON.stringify({ o: origin, n: name, c }));
    const send = (q: Queryable) => q.query(`SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, [CHANGE_CHANNEL, payloads]);
    if (client) { await send(client); return; }
    sending = sending.then(() => send(opts.pool)).catch((err: unknown) => {
      opts.log.error({ err, change: name }, 'change relay: a change could not be sent to the other processes');
    });
    await sending;
  }, (err) => opts.log.error({ err }, 'change relay: sending failed'));

  return async () => {
    stopped = true;
    clearTimeout(retry);
    feed.relayTo(undefined);
    await sending;
    const client = listener;
    listener = undefined;
    await client?.end().catch(() => {});
  };
}

/** A change in pieces that each fit a NOTIFY; every piece is a change of the same kind on its own. */
export function pieces<K extends SharedChange>(name: K, change: SharedChanges[K][0]): Array<SharedChanges[K][0]> {
  if (Buffer.byteLength(JSON.stringify(change)) <= PIECE_BYTES) return [change];
  const out: unknown[] = [];
  if (name === 'availability') {
    const c = change as SharedChanges['availability'][0];
    for (const lots of split(c.lots)) out.push({ lots, bays: [] });
    for (const bays of split(c.bays)) out.push({ lots: [], bays });
  } else if (name === 'connects') {
    const c = change as SharedChanges['connects'][0];
    for (const failed of split(c.failed)) out.push({ from: c.from, failed, succeeded: [] });
    for (const succeeded of split(c.succeeded)) out.push({ from: c.from, failed: [], succeeded });
  } else if (name === 'invoices') {
    out.push(...split(change as SharedChanges['invoices'][0]));
  } else if (name === 'lots' || name === 'tariffs') {
    for (const lotIds of split((change as { lotIds: string[] }).lotIds)) out.push({ lotIds });
  } else {
    out.push(change);
  }
  return out as Array<SharedChanges[K][0]>;
}

function split<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (cur.length && bytes + size > PIECE_BYTES) { out.push(cur); cur = []; bytes = 0; }
    cur.push(item);
    bytes += size;
  }
  if (cur.length) out.push(cur);
  return out;
}
