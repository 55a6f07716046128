// The HTTP API as a builder: tests start it on port 0; main.ts wires it and listens.
import Fastify, { type FastifyInstance, type FastifyBaseLogger, type RawServerDefault, type RawRequestDefaultExpression, type RawReplyDefaultExpression } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ChangeFeed } from '../core/changes.ts';
import { OneLotError, ErrorBody, ERRORS } from '../core/errors.ts';
import { AvailabilityCache } from './availability-cache.ts';
import { LotSchema, BaySchema } from './schemas.ts';
import { lotsRoutes } from './routes/lots.ts';
import { streamRoutes, StreamHub } from './routes/stream.ts';
import { guidanceRoutes } from './routes/guidance.ts';
import { healthRoutes } from './routes/health.ts';
import { configRoutes } from './routes/config.ts';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiConfig {
  tileUrl: string;
  /** Directory of the built web page (web/dist); `/` serves its index.html. */
  webDir?: string;
  logLevel?: string;
  /** Interval at which the live stream flushes merged changes (ms). */
  streamFlushMs?: number;
}

export interface ApiDeps {
  pool: Pool;
  metrics: Metrics;
  changes: ChangeFeed;
  /** Readiness of the parts the API does not own (the MQTT broker). */
  brokerStatus: () => { ok: boolean; clients: number };
  /** What parking at a lot from entry to exit would cost (fen), once tariffs exist; null if unknown. */
  priceEstimate?: (lotId: string, entry: Date, exit: Date) => number | null;
  /** Extra route plugins (billing, operators…) registered after the core ones. */
  plugins?: Array<(app: App, ctx: ApiContext) => Promise<void> | void>;
}

export interface ApiContext extends ApiDeps {
  config: ApiConfig;
  cache: AvailabilityCache;
}

const DEFAULT_WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/dist');

export async function buildApi(config: ApiConfig, deps: ApiDeps): Promise<App> {
  const app = Fastify({
    logger: { level: config.logLevel ?? 'info', stream: process.stderr },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const cache = new AvailabilityCache(deps.pool, deps.changes);
  await cache.start();
  const hub = new StreamHub(deps.changes, config.streamFlushMs ?? 200);
  app.addHook('onClose', async () => { cache.stop(); hub.stop(); });

  app.addSchema(ErrorBody);
  app.addSchema(LotSchema);
  app.addSchema(BaySchema);

  await app.register(swagger, {
    openapi: {
      info: { title: 'OneLot API', version: '1', description: 'The whole city as one parking lot: availability, guidance, sessions and payment.' },
      tags: [{ name: 'availability' }, { name: 'guidance' }, { name: 'ops' }],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) ?? `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // One error shape everywhere; 5xx details stay in the log.
  app.setErrorHandler((err: any, req, reply) => {
    if (err instanceof OneLotError) return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } });
    if (err.validation) {
      const detail = `${err.validationContext ?? 'request'}${err.validation[0]?.instancePath ?? ''} ${err.validation[0]?.message ?? 'is invalid'}`.trim();
      return reply.status(400).send({ error: { code: 'ONELOT_ERR_VALIDATION', message: ERRORS.ONELOT_ERR_VALIDATION.message.replace('%s', detail) } });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.status(status).send({ error: { code: 'ONELOT_ERR_INTERNAL', message: ERRORS.ONELOT_ERR_INTERNAL.message } });
    }
    return reply.status(status).send({ error: { code: err.code ?? 'ONELOT_ERR_VALIDATION', message: err.message } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'ONELOT_ERR_ROUTE_NOT_FOUND', message: ERRORS.ONELOT_ERR_ROUTE_NOT_FOUND.message.replace('%s', `${req.method} ${req.url.split('?')[0]}`) } });
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/api/v1/stream') return;
    deps.metrics.httpSeconds.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const ctx: ApiContext = { ...deps, config, cache };
  healthRoutes(app, ctx);
  configRoutes(app, ctx);
  lotsRoutes(app, ctx);
  guidanceRoutes(app, ctx);
  streamRoutes(app, hub);
  for (const plugin of deps.plugins ?? []) await plugin(app, ctx);

  const webDir = config.webDir ?? DEFAULT_WEB_DIR;
  if (existsSync(path.join(webDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false, index: 'index.html' });
  } else {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/plain').send('The web page has not been built: run `npm run build:web` (npm start does this for you).'));
  }
  return app;
}
