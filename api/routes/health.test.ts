// /healthz answers anyone, so it says ok or unavailable per part and nothing more: the reason goes
// to the server's log. On a bare fastify app with a database that fails as a real one does.
import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { createMetrics } from '../../core/metrics.ts';
import type { App } from '../../core/module.ts';
import type { ApiContext } from '../context.ts';
import { healthRoutes } from './health.ts';

const INTERNALS = 'password authentication failed for user "onelot" at db.internal:5432';
let app: FastifyInstance;
let logged: string[];

async function appWith(query: () => Promise<unknown>, brokerOk = true) {
  logged = [];
  app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => { logged.push(line); } } } });
  const ctx = { pool: { query }, brokerStatus: () => ({ ok: brokerOk }), metrics: createMetrics() } as unknown as ApiContext;
  healthRoutes(app as unknown as App, ctx);
  await app.ready();
  const r = await app.inject({ method: 'GET', url: '/healthz' });
  return { status: r.statusCode, body: r.json() };
}
afterEach(async () => { await app?.close(); });

describe('/healthz', () => {
  it('answers 200 and ok for every part when the database and the broker are up', async () => {
    expect(await appWith(async () => ({ rows: [{ '?column?': 1 }] }))).toEqual({ status: 200, body: { status: 'ok', database: 'ok', broker: 'ok' } });
  });

  it('answers 503 naming the part down, and logs the database error instead of sending it', async () => {
    const r = await appWith(async () => { throw new Error(INTERNALS); });
    expect(r).toEqual({ status: 503, body: { status: 'unavailable', database: 'unavailable', broker: 'ok' } });
    expect(logged.map((l) => JSON.parse(l).err?.message)).toContain(INTERNALS);
  });

  it('answers 503 when the broker is closed', async () => {
    expect(await appWith(async () => ({ rows: [] }), false)).toEqual({ status: 503, body: { status: 'unavailable', database: 'ok', broker: 'unavailable' } });
  });
});
