// What the platform shows the internet, with every module loaded as npm start runs them: the OpenAPI
// document is valid and says who may call each route, docs/security.md lists every route as the
// document does, the security headers are on the page, /docs and the API, and /docs works in a
// real browser under the Content-Security-Policy.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../core/config.ts';
import { cityModules } from '../platform.ts';
import { routesTable, tableIn, type OpenApiDocument } from '../scripts/routes-table.ts';
import { cspViolations, driverToken, launchChromium, startTestPlatform, tempDataDir, type TestPlatform } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', SCHEDULED_JOBS: 'false' };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

let p: TestPlatform;
let doc: any;
let browser: Browser | undefined;

beforeAll(async () => {
  const dataDir = tempDataDir();
  const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  p = await startTestPlatform({ dataDir, env: ENV, modules: cityModules(config).modules });
  const res = await fetch(`${p.httpUrl}/docs/json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = await res.json();
});
afterAll(async () => {
  await browser?.close();
  await p?.destroy();
});

function operations(): Array<{ method: string; path: string; op: any }> {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([method, op]) => ({ method, path, op })));
}

/** The value a local JSON pointer (#/a/b~1c) points at, or undefined. */
function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: any = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !(key in at)) return undefined;
    at = at[key];
  }
  return at;
}

describe('the OpenAPI document with every module loaded', () => {
  it('is OpenAPI 3 with every route of every module', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const paths = Object.keys(doc.paths);
    // One route of each module and of the shell: a module that fails to register is missing here.
    expect(paths).toEqual(expect.arrayContaining([
      '/healthz', '/api/v1/lots', '/api/v1/stream', // api/
      '/api/v1/lots/{id}/tariff', '/api/v1/operator/review', // billing/
      '/api/v1/me', '/api/v1/invoices/{ref}/pay', '/api/v1/payments/webhook', // payments/
      '/api/v1/operator/analytics', // analytics/
      '/api/v1/operator/login', // operators/
    ]));
    for (const { method, path, op } of operations()) {
      expect(Object.keys(op.responses ?? {}).length, `${method} ${path} has responses`).toBeGreaterThan(0);
      // Every {param} of the path template is declared as a required path parameter.
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        const param = (op.parameters ?? []).find((x: any) => x.in === 'path' && x.name === name);
        expect(param, `${method} ${path} declares {${name}}`).toMatchObject({ required: true });
      }
    }
  });

  it('names only defined security schemes, and every $ref resolves', () => {
    const schemes = Object.keys(doc.components?.securitySchemes ?? {});
    expect(schemes.sort()).toEqual(['driverToken', 'operatorToken']);
    for (const { method, path, op } of operations()) {
      for (const requirement of op.security ?? []) {
        for (const name of Object.keys(requirement)) expect(schemes, `${method} ${path} names ${name}`).toContain(name);
      }
    }
    const refs: string[] = [];
    (function walk(node: unknown) {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v);
          else walk(v);
        }
      }
    })(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) expect(resolvePointer(ref), `$ref ${ref}`).toBeDefined();
  });

  it('says the truth about tokens: every route it says needs one refuses a call without it', async () => {
    const someone = (await p.db.pool.query<{ id: number }>(`INSERT INTO drivers (phone, password_hash) VALUES ('13700000001', '!disabled') RETURNING id`)).rows[0].id;
    const driver = `Bearer ${await driverToken(p, someone)}`;
    const sample: Record<string, string> = { id: '1', plate: encodeURIComponent('豫A12345'), number: 'OL-20260101-000001' };
    const guarded = operations().filter(({ op }) => (op.security ?? []).length > 0 && !op.security.some((r: object) => Object.keys(r).length === 0));
    expect(guarded.length).toBeGreaterThan(10);
    for (const { method, path, op } of guarded) {
      const url = p.httpUrl + path.replace(/\{([^}]+)\}/g, (_, n: string) => sample[n] ?? 'x');
      const call = (authorization?: string) => fetch(url, {
        method: method.toUpperCase(),
        headers: { ...(authorization ? { authorization } : {}), ...(method === 'get' || method === 'delete' ? {} : { 'content-type': 'application/json' }) },
        body: method === 'get' || method === 'delete' ? undefined : '{}',
      });
      // Operator tokens are checked on request, before anything else; a driver route's token is
      // checked after the body is validated, so `{}` may meet a 400 first. Either way: not served.
      const allowed = op.security[0].operatorToken ? [401] : [400, 401];
      expect(allowed, `${method} ${path} without a token`).toContain((await call()).status);
      if (op.security[0].operatorToken) expect((await call(driver)).status, `${method} ${path} with a driver's token`).toBe(401);
    }
  });
});

describe('docs/security.md', () => {
  it('lists every route, with who may call it, exactly as the document says (npm run docs:routes -- --write)', () => {
    const inDoc = tableIn(readFileSync('docs/security.md', 'utf8'));
    expect(inDoc, 'docs/security.md has the route markers').toBeDefined();
    const fresh = routesTable(doc as OpenApiDocument);
    for (const { method, path } of operations()) {
      expect(inDoc, `docs/security.md lists ${method.toUpperCase()} ${path}`).toContain(`| ${method.toUpperCase()} | \`${path}\` |`);
    }
    expect(inDoc, 'the route table is out of date: start OneLot (npm start) and run `npm run docs:routes -- --write`').toBe(fresh);
  });
});

describe('security headers and /docs in the browser', () => {
  it('are on the page, /docs and the API', async () => {
    for (const url of ['/', '/docs', '/docs/json', '/api/v1/lots', '/healthz']) {
      const res = await fetch(p.httpUrl + url);
      await res.arrayBuffer();
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("script-src 'self'");
      // The default TILE_URL: OpenStreetMap's a/b/c subdomains.
      expect(csp, url).toMatch(/img-src 'self' data: https:\/\/\*\.tile\.openstreetmap\.org(;|$)/);
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), url).toBe('DENY');
      expect(res.headers.get('referrer-policy'), url).toBe('strict-origin-when-cross-origin');
    }
  });

  it('/docs shows every operation and both token schemes in Chromium, breaking no CSP rule', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const csp = await cspViolations(page);
    await page.goto(`${p.httpUrl}/docs`);
    const ops = page.locator('.swagger-ui .opblock');
    await ops.first().waitFor({ timeout: 15_000 });
    // An operation with two tags is drawn under each: count distinct method + path.
    const drawn = await ops.evaluateAll((els) => els.map((e) => `${e.querySelector('.opblock-summary-method')?.textContent} ${e.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`));
    expect(new Set(drawn).size).toBe(operations().length);
    // Open one operation (its schemas render), then the Authorize dialog (the schemes).
    await page.locator('.swagger-ui .opblock-summary', { hasText: '/api/v1/operator/analytics' }).first().click();
    await page.locator('.swagger-ui .opblock-body').first().waitFor();
    await page.locator('.swagger-ui .btn.authorize').click();
    const dialog = page.locator('.swagger-ui .dialog-ux');
    await dialog.waitFor();
    expect(await dialog.innerText()).toMatch(/driverToken[\s\S]*operatorToken/);
    await page.screenshot({ path: '/tmp/onelot-docs.png' });
    expect(csp).toEqual([]);
  });
});
