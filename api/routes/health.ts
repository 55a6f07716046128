import { Type } from '@sinclair/typebox';
import type { App } from '../../core/module.ts';
import type { ApiContext } from '../context.ts';

export function healthRoutes(app: App, { pool, brokerStatus, metrics }: ApiContext): void {
  const Health = Type.Object({
    status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
    database: Type.Object({ ok: Type.Boolean(), latencyMs: Type.Number(), error: Type.Optional(Type.String()) }),
    broker: Type.Object({ ok: Type.Boolean(), clients: Type.Integer() }),
  });
  app.get('/healthz', {
    schema: { tags: ['ops'], summary: 'Liveness and readiness (database and MQTT broker)', response: { 200: Health, 503: Health } },
  }, async (_req, reply) => {
    const started = performance.now();
    let database: { ok: boolean; latencyMs: number; error?: string };
    try {
      // Bounded: a hung database must make us "unavailable", not hang the probe.
      await Promise.race([pool.query('SELECT 1'), new Promise((_, rej) => setTimeout(() => rej(new Error('database did not answer within 2 s')), 2000).unref())]);
      database = { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (err) {
      database = { ok: false, latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
    }
    const broker = brokerStatus();
    const ok = database.ok && broker.ok;
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', database, broker });
  });

  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
