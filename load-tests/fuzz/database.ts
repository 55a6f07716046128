// Read-only access to the platform's database from outside, to count what the fuzz run left there:
// dead letters and stored events per device. An outside TimescaleDB is DATABASE_URL; the embedded
// one is reached as README ("The embedded database is private to OneLot's OS user") tells an
// operator to: the Unix socket in a 0700 onelot-db-* directory, with the password file beside it.
// Several OneLots may run on one machine, so the directory is the one whose socket the platform
// process holds open (/proc/net/unix names each socket's inode; /proc/<pid>/fd links to them).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

function embeddedSocketDir(pid: number, tmpDir: string): string | undefined {
  const held = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) held.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  const prefix = path.join(tmpDir, 'onelot-db-');
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const [inode, file] = [f[6], f[7]];
    if (file?.startsWith(prefix) && held.has(inode)) return path.dirname(file);
  }
  return undefined;
}

/**
 * A pg client on the platform's database (the child `pid` when embedded, its socket under `tmpDir`:
 * the platform's TMPDIR); the caller ends it.
 */
export async function connectPlatformDatabase(pid: number, tmpDir = os.tmpdir(), databaseUrl = process.env.DATABASE_URL): Promise<pg.Client> {
  let client: pg.Client;
  if (databaseUrl) client = new pg.Client({ connectionString: databaseUrl });
  else {
    const dir = embeddedSocketDir(pid, tmpDir);
    if (!dir) throw new Error(`no embedded database socket held by the platform (pid ${pid}) under ${tmpDir}/onelot-db-*`);
    const password = readFileSync(path.join(dir, 'password'), 'utf8').trim();
    // 5432: the number in the socket's name, .s.PGSQL.5432 (core/db/wire-server.ts SOCKET_PORT).
    client = new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres', password });
  }
  await client.connect();
  return client;
}

export interface DeviceCounts { stored: Map<string, number>; dead: Map<string, number>; reasons: Array<{ deviceId: string; reason: string; payload: string }> }

/** Events stored and dead letters kept per device since `since` (the platform's clock: received_at). */
export async function countsSince(db: pg.Client, deviceIds: string[], since: Date): Promise<DeviceCounts> {
  const stored = await db.query<{ device_id: string; n: string }>(
    'SELECT device_id, count(*) AS n FROM device_events WHERE device_id = ANY($1) AND received_at >= $2 GROUP BY device_id', [deviceIds, since]);
  const dead = await db.query<{ device_id: string; reason: string; payload: string }>(
    'SELECT device_id, reason, left(payload, 200) AS payload FROM dead_letters WHERE device_id = ANY($1) AND received_at >= $2', [deviceIds, since]);
  const deadBy = new Map<string, number>();
  for (const r of dead.rows) deadBy.set(r.device_id, (deadBy.get(r.device_id) ?? 0) + 1);
  return {
    stored: new Map(stored.rows.map((r) => [r.device_id, Number(r.n)])),
    dead: deadBy,
    reasons: dead.rows.map((r) => ({ deviceId: r.device_id, reason: r.reason, payload: r.payload })),
  };
}
