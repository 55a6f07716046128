// The OpenAPI document (/docs/json) and its browser (/docs). Who may call a route is not written by
// hand: each operation's `security` is derived from the preHandlers that enforce it (api/auth.ts)
// and from the operator scope (api/app.ts), so the document, and the route table in
// docs/security.md generated from it (scripts/routes-table.ts), say what the server checks.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RouteOptions } from 'fastify';
import type { App, HttpAuth } from '../core/module.ts';

/**
 * Which roles may call each operator route (`config.roles`, core/tenancy.ts), by "method url":
 * written into the document as the operation's `x-roles` (fastify-swagger copies no `x-` key of a
 * route schema). The same route has the same roles in every app of a process.
 */
const ROLES = new Map<string, string[]>();

function withRoles(doc: { paths?: Record<string, Record<string, Record<string, unknown>>> }): typeof doc {
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    const url = p.replace(/\{(\w+)\}/g, ':$1');
    for (const [method, op] of Object.entries(item)) {
      const roles = ROLES.get(`${method} ${url}`);
      if (roles) op['x-roles'] = roles;
    }
  }
  return doc;
}

/** Two bearer schemes, because OpenAPI cannot say "bearer, but a driver's" any other way. */
const SECURITY_SCHEMES = {
  driverToken: { type: 'http', scheme: 'bearer', description: "A driver's token, from POST /api/v1/auth/register or /api/v1/auth/login (12 h). Browsers send the onelot_session cookie those set instead, with X-OneLot-CSRF on state changes (docs/security.md)." },
  operatorToken: { type: 'http', scheme: 'bearer', description: "An operator's token, from POST /api/v1/operator/login or `npm run operator:token` (12 h)." },
} as const;

export async function registerOpenApi(app: App): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'OneLot API', version: '1', description: 'The whole city as one parking lot: availability, guidance, sessions and payment.' },
      tags: [{ name: 'availability' }, { name: 'guidance' }, { name: 'billing' }, { name: 'drivers' }, { name: 'payments' }, { name: 'operator' }, { name: 'ops' }],
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transformObject: (d) => withRoles(('openapiObject' in d ? d.openapiObject : d.swaggerObject) as Parameters<typeof withRoles>[0]) as never,
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) ?? `def-${i}` },
  });
  // BaseLayout: without the standalone top bar, whose logo SVG carries an inline <style> the CSP
  // refuses (api/security-headers.ts) and whose box loads any URL as a spec; one spec needs neither.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { layout: 'BaseLayout' } });
}

/**
 * An onRoute hook that writes into each route's schema who may call it. `operator`: every route of
 * the scope it is added to needs an operator token (the scope's onRequest hook checks it). Otherwise
 * from the route's preHandlers: requireDriver → a driver token; optionalDriver → anyone, or a driver
 * (`{}` is OpenAPI's "no credentials"); neither → anyone. A route that declares `security` itself is
 * refused: the document must not claim a check the server does not make.
 */
export function securityFromGuards(auth: HttpAuth, scope: 'operator' | 'public') {
  return (route: RouteOptions): void => {
    // fastify's automatic HEAD route copies its GET route's options, security included.
    if (route.method === 'HEAD') return;
    let security: Array<Record<string, string[]>> | undefined;
    if (scope === 'operator') {
      security = [{ operatorToken: [] }];
      // Tenancy (core/tenancy.ts): an operator route says which roles may call it, or is refused here.
      const roles = route.config?.roles;
      if (!roles?.length) throw new Error(`${String(route.method)} ${route.url}: an operator route must declare config.roles (core/tenancy.ts READ, WORK, ADMIN, CITY, OVERSEE)`);
      for (const m of [route.method].flat()) if (m !== 'HEAD') ROLES.set(`${m.toLowerCase()} ${route.url}`, [...roles]);
    }
    else {
      if (route.schema?.security) {
        throw new Error(`${String(route.method)} ${route.url} declares schema.security: leave it out, api/openapi.ts derives it from the route's auth preHandler`);
      }
      const guards: unknown[] = [route.preHandler ?? []].flat();
      if (guards.includes(auth.requireDriver)) security = [{ driverToken: [] }];
      else if (guards.includes(auth.optionalDriver)) security = [{}, { driverToken: [] }];
    }
    if (security) route.schema = { ...route.schema, security };
  };
}
