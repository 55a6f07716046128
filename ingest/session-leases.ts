// Who drains an INGEST_ID's broker sessions (migrations/029). Mosquitto 2.0 keeps a dead member of a
// shared subscription in the group and keeps queueing its share to its session (docs/deploy.md), so
// a crashed, stopped or scaled-away ingest process's events would wait for it — and be dropped with
// the session when it expires. Each process renews a lease on its own INGEST_ID every RENEW_MS; a
// lease not renewed for LEASE_TTL is lapsed, and the first other process to see it adopts those
// sessions (connects with their client ids, resuming them with everything they hold) and renews the
// lease as their holder. When the owner starts again it takes its lease back and connects; the broker
// hands it the sessions (DISCONNECT 0x8E to the adopter, which lets go: broker-consumer.ts), and the
// adopter, no longer the holder at its next renewal, ends whatever it still has.
import type { Pool } from '../core/db/index.ts';

/** An INGEST_ID's sessions on the broker, opened by broker-consumer.ts. */
export interface SessionGroup {
  ingestId: string;
  clients: Array<{ connected: boolean }>;
  /** Resolves when the first session is connected; rejects when the broker cannot be reached. */
  connected: Promise<void>;
  end(): Promise<void>;
}

export interface LeaseOptions {
  ingestId: string;
  sessions: number;
  log: { info(o: unknown, m?: string): void; warn(o: unknown, m?: string): void };
  adopt(ingestId: string, sessions: number): SessionGroup;
  /** Renewal period and lapse time (ms); tests shorten them. */
  renewMs?: number;
  ttlMs?: number;
}

export interface Leases {
  adopted(): string[];
  /** Stop renewing and adopting (the process is closing). */
  stop(): Promise<void>;
  endAdopted(): Promise<void>;
  /** Lapse this process's leases now, so another adopts its sessions without waiting. */
  release(): Promise<void>;
}

/** Renewed every 2 s, lapsed after 10 s: a process stalled (GC, a slow disk) for less is not robbed. */
const RENEW_MS = 2_000;
const LEASE_TTL_MS = 10_000;

export async function leaseSessions(pool: Pool, o: LeaseOptions): Promise<Leases> {
  const me = o.ingestId;
  const ttl = `${o.ttlMs ?? LEASE_TTL_MS} milliseconds`;
  const adopted = new Map<string, SessionGroup>();
  // The owner always takes its own lease, whoever held it.
  const claimOwn = () => pool.query(
    `INSERT INTO ingest_leases (ingest_id, holder, sessions, expires_at) VALUES ($1, $1, $2, now() + $3::interval)
     ON CONFLICT (ingest_id) DO UPDATE SET holder = $1, sessions = $2, expires_at = now() + $3::interval`, [me, o.sessions, ttl]);
  await claimOwn();

  const tick = async () => {
    const { rows } = await pool.query<{ ingest_id: string }>(
      'UPDATE ingest_leases SET expires_at = now() + $2::interval WHERE holder = $1 RETURNING ingest_id', [me, ttl]);
    const held = new Set(rows.map((r) => r.ingest_id));
    if (!held.has(me)) await claimOwn();
    for (const [id, group] of adopted) {
      if (held.has(id)) continue;
      o.log.info({ ingestId: id }, 'ingest: the owner of adopted broker sessions is back; handing them over');
      adopted.delete(id);
      void group.end();
    }
    // One lapsed lease a tick: several survivors share several dead processes' sessions between them.
    const lapsed = await pool.query<{ ingest_id: string; sessions: number }>(
      `UPDATE ingest_leases SET holder = $1, expires_at = now() + $2::interval
        WHERE ingest_id = (SELECT ingest_id FROM ingest_leases WHERE expires_at < now() AND ingest_id <> $1 ORDER BY expires_at LIMIT 1)
          AND expires_at < now()
        RETURNING ingest_id, sessions`, [me, ttl]);
    for (const { ingest_id: id, sessions } of lapsed.rows) {
      o.log.warn({ ingestId: id, sessions }, 'ingest: another ingest process stopped renewing its lease; draining its broker sessions until it returns');
      adopted.get(id)?.end();
      adopted.set(id, o.adopt(id, sessions));
    }
  };
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(tick).catch((err) => o.log.warn({ err: (err as Error).message }, 'ingest: renewing broker session leases failed; retrying'));
  }, o.renewMs ?? RENEW_MS);

  return {
    adopted: () => [...adopted.keys()],
    async stop() {
      clearInterval(timer);
      await running;
    },
    async endAdopted() {
      await Promise.all([...adopted.values()].map((g) => g.end()));
    },
    async release() {
      await pool.query('UPDATE ingest_leases SET expires_at = now() WHERE holder = $1', [me]).catch(() => {});
    },
  };
}
