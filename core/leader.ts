// One leader among processes: whoever holds a PostgreSQL session advisory lock does the work (the
// scheduled jobs: core/jobs.ts), however many `jobs` processes run. The lock lives on a connection of
// its own, so the server frees it the moment that connection closes — at once when the holder is
// killed (the kernel closes its socket), after TCP keepalive when its machine vanishes. The others
// ask again every `retryMs` and the first to get it takes over. The holder checks its connection
// as often: a holder that lost it stops its work before anyone else can have started.
import pg from 'pg';
import type { Log } from './module.ts';

/** pg_try_advisory_lock(classid, objid): a namespace of OneLot's own, so no other key collides. */
const LOCK_NAMESPACE = 0x0e1e;

export interface LeaderOptions {
  connectionString: string;
  /** What is being led, within the namespace: one number per kind of leadership. */
  lockId: number;
  /** Ask again / check the lock connection this often (ms). */
  retryMs: number;
  log: Log;
  /** Called on becoming leader; returns what to call on losing it or stopping. */
  lead(): Promise<() => Promise<void>> | (() => Promise<void>);
  /** A name for logs, e.g. "jobs". */
  name: string;
}

export interface Leadership {
  /** Whether this process leads now. */
  readonly leading: boolean;
  stop(): Promise<void>;
}

export const JOBS_LOCK = 1;
export const MIGRATIONS_LOCK = 2;

export function followLeader(opts: LeaderOptions): Leadership {
  let client: pg.Client | undefined;
  let resign: (() => Promise<void>) | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let busy = Promise.resolve();

  const drop = async (why: string, err?: unknown) => {
    const c = client;
    client = undefined;
    if (resign) {
      if (err) opts.log.warn({ err }, `${opts.name}: no longer the leader (${why}); stopping`);
      else opts.log.info(`${opts.name}: handing the lead over (${why})`);
      const r = resign;
      resign = undefined;
      await r().catch((e: unknown) => opts.log.error({ err: e }, `${opts.name}: stopping failed`));
    }
    await c?.end().catch(() => {});
  };

  const tick = async () => {
    if (stopped) return;
    try {
      if (client && resign) {
        await client.query('SELECT 1'); // still holding: the lock lives as long as this connection
        return;
      }
      if (!client) {
        const c = new pg.Client({ connectionString: opts.connectionString, keepAlive: true });
        c.on('error', (err) => { if (client === c) busy = busy.then(() => drop('its database connection failed', err)); });
        client = c;
        await c.connect();
      }
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_NAMESPACE, opts.lockId]);
      if (!rows[0].ok || stopped) return;
      opts.log.info(`${opts.name}: this process is the leader`);
      resign = await opts.lead();
    } catch (err) {
      await drop('its database connection failed', err);
    }
  };

  const loop = () => {
    busy = busy.then(tick);
    void busy.then(() => { if (!stopped) timer = setTimeout(loop, opts.retryMs); });
  };
  loop();

  return {
    get leading() { return resign !== undefined; },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await busy;
      await drop('stopping');
    },
  };
}

/** Runs `fn` while holding a session advisory lock on a connection of its own (waits for it). */
export async function withAdvisoryLock<T>(connectionString: string, lockId: number, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, lockId]);
    return await fn();
  } finally {
    await client.end().catch(() => {});
  }
}
