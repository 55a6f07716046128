// The HTTP shell as a builder: OpenAPI, one error shape, authentication, the availability routes it
// owns (lots, guidance, live stream, health), and every module's routes. Tests start it on port 0;
// platform.ts wires it and listens.
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChangeFeed } from '../core/changes.ts';
import fastifyCookie from '@fastify/cookie';
import { principalOf, revokeSession } from '../core/sessions.ts';
import { checkRole } from '../core/tenancy.ts';
import { ErrorBody } from '../core/errors.ts';
import type { App, ModuleContext, OneLotModule, RouteContext } from '../core/module.ts';
import { createAuth } from './auth.ts';
import { registerRateLimits } from './rate-limits.ts';
import { AvailabilityCache } from './availability-cache.ts';
import type { ApiConfig, ApiContext } from './context.ts';
import { errorHandler, notFoundHandler } from './error-handler.ts';
import { clientErrorHandler, frameworkErrors, refuseUnsafeNumbers, refuseUnstorableText } from './hostile-input.ts';
import { LotSchema, BaySchema } from './schemas.ts';
import { registerOpenApi, securityFromGuards } from './openapi.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { lotsRoutes } from './routes/lots.ts';
import { streamRoutes, StreamHub } from './routes/stream.ts';
import { guidanceRoutes } from './routes/guidance.ts';
import { healthRoutes } from './routes/health.ts';
import { configRoutes } from './routes/config.ts';
import { openDataRoutes } from './routes/open-data.ts';

export type { ApiConfig };

export interface ApiDeps extends ModuleContext {
  changes: ChangeFeed;
  /** Readiness of the parts the API does not own (the MQTT broker). */
  brokerStatus: () => { ok: boolean };
  /** The process's logger (core/logger.ts); fastify logs requests through it. */
  logger: FastifyBaseLogger;
  /** The modules whose routes the shell hosts. */
  modules?: readonly OneLotModule[];
}

const DEFAULT_WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/dist');

export async function buildApi(config: ApiConfig, deps: ApiDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Behind a TLS proxy, the client's address and scheme come from X-Forwarded-* (core/config.ts).
    trustProxy: deps.config.TRUST_PROXY,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
    clientErrorHandler, frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();
  const modules = deps.modules ?? [];

  const cache = new AvailabilityCache(deps.pool, deps.changes);
  await cache.start();
  const hub = new StreamHub(deps.changes, config.streamFlushMs ?? 200, (lotId) => cache.get(lotId) !== undefined);
  // Live streams never finish on their own: end them before the server waits for its connections
  // to close (an open map kept a Ctrl-C waiting 15 s for the shutdown timer).
  app.addHook('preClose', async () => { hub.stop(); });
  app.addHook('onClose', async () => { cache.stop(); });

  // First, so every answer carries them: the API, /docs and the web page alike.
  await registerSecurityHeaders(app, { tileUrl: config.tileUrl });

  app.addSchema(ErrorBody);
  app.addSchema(LotSchema);
  app.addSchema(BaySchema);

  await registerOpenApi(app);
  await app.register(fastifyCookie);
  const limits = await registerRateLimits(app, deps.config, deps.pool);

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('preValidation', refuseUnstorableText);
  app.addHook('preHandler', refuseUnsafeNumbers);

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/api/v1/stream') return;
    deps.metrics.httpSeconds.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const ctx: ApiContext = {
    config, cache, pool: deps.pool, metrics: deps.metrics, brokerStatus: deps.brokerStatus, changes: deps.changes,
    priceEstimate: modules.find((m) => m.priceEstimate)?.priceEstimate,
    arrivalForecast: modules.find((m) => m.arrivalForecast)?.arrivalForecast,
  };
  healthRoutes(app, ctx);
  configRoutes(app, ctx);
  lotsRoutes(app, ctx);
  guidanceRoutes(app, ctx);
  streamRoutes(app, hub);
  await openDataRoutes(app, ctx, deps.config);
  const auth = createAuth({
    resolve: (token) => principalOf(deps.pool, deps.config.AUTH_TOKEN_SECRET, token),
    revoke: (sessionId) => revokeSession(deps.pool, sessionId),
  });
  await registerModules(app, modules, { config: deps.config, pool: deps.pool, metrics: deps.metrics, changes: deps.changes, log: deps.log, sms: deps.sms, brokerAccounts: deps.brokerAccounts, auth, limits });

  const webDir = config.webDir ?? DEFAULT_WEB_DIR;
  if (existsSync(path.join(webDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false, index: 'index.html' });
  } else {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/plain').send('The web page has not been built: run `npm run build:web` (npm start does this for you).'));
  }
  return app;
}

/**
 * Each module's routes in a fastify context of its own. Every operator route of every module sits
 * in ONE scope under /api/v1/operator whose first hook requires an operator token: a route cannot
 * be added there without it, and the sign-in (a module's public route) is the only way in. Each
 * route there must also say which roles may call it (config.roles), checked before its handler.
 */
async function registerModules(app: App, modules: readonly OneLotModule[], ctx: RouteContext): Promise<void> {
  app.addHook('onRoute', securityFromGuards(ctx.auth, 'public'));
  for (const m of modules) {
    const routes = m.routes;
    if (routes) await app.register(async (scope) => { await routes(scope as App, ctx); });
  }
  await app.register(async (operator) => {
    operator.addHook('onRequest', ctx.auth.requireOperator);
    // Before the body is even validated: a role the route does not list gets 403 (core/tenancy.ts).
    operator.addHook('preValidation', async (req) => { checkRole(req); });
    operator.addHook('onRoute', securityFromGuards(ctx.auth, 'operator'));
    for (const m of modules) {
      const routes = m.operatorRoutes;
      if (routes) await operator.register(async (scope) => { await routes(scope as App, ctx); });
    }
  }, { prefix: '/api/v1/operator' });
}
