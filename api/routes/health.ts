import { Type } from '@sinclair/typebox';
import type { App } from '../../core/module.ts';
import type { ApiContext } from '../context.ts';

const Part = Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]);

export function healthRoutes(app: App, { pool, brokerStatus, metrics }: ApiContext): void {
  // Anyone may call it (load balancers do), so it says only ok or unavailable per part: the
  // reason (a database error names hosts, users, files) goes to the server's log.
  const Health = Type.Object({ status: Part, database: Part, broker: Part });
  app.get('/healthz', {
    schema: { tags: ['ops'], summary: 'Liveness and readiness (database and MQTT broker): ok or unavailable, no details', response: { 200: Health, 503: Health } },
  }, async (req, reply) => {
    let databaseOk = true;
    try {
      // Bounded: a hung database must make us "unavailable", not hang the probe.
      await Promise.race([pool.query('SELECT 1'), new Promise((_, rej) => setTimeout(() => rej(new Error('database did not answer within 2 s')), 2000).unref())]);
    } catch (err) {
      databaseOk = false;
      req.log.error({ err }, 'healthz: the database is unavailable');
    }
    const brokerOk = brokerStatus().ok;
    if (!brokerOk) req.log.error('healthz: the MQTT broker is closed');
    const ok = databaseOk && brokerOk;
    const part = (up: boolean) => (up ? 'ok' as const : 'unavailable' as const);
    return reply.status(ok ? 200 : 503).send({ status: part(ok), database: part(databaseOk), broker: part(brokerOk) });
  });

  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
