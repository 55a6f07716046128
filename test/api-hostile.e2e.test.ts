// Requests `npm run fuzz` found answered outside docs/errors.md: a 500 for a NUL in a path
// parameter or for a number bigint cannot take, fastify's own error shape for a broken %-escape
// and for headers over 16 KB.
import http from 'node:http';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { operatorsModule } from '../operators/index.ts';
import { consoleToken, startTestPlatform, type TestPlatform } from './helpers.ts';

let p: TestPlatform;
beforeAll(async () => { p = await startTestPlatform({ modules: [operatorsModule()] }); });
afterAll(async () => { await p?.destroy(); });

/** A raw request (fetch would refuse some of these), answered as status and parsed JSON body. */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; type: string; body: any }> {
  const url = new URL(p.httpUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const lotId = async () => ((await (await fetch(`${p.httpUrl}/api/v1/lots`)).json()) as { lots: Array<{ id: string }> }).lots[0].id;

describe('hostile HTTP input gets a 4xx in the one error shape', () => {
  it.each([
    ['a NUL in a path parameter', () => '/api/v1/lots/%00/tariff'],
    ['a NUL in a query value', async () => `/api/v1/lots/${await lotId()}/tariff?at=%00`],
    ['an unpaired surrogate as a path parameter', () => '/api/v1/plates/%ED%A0%80/invoices'],
  ])('%s: 400 ONELOT_ERR_VALIDATION', async (_what, path) => {
    const r = await raw(await path());
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('ONELOT_ERR_VALIDATION');
    expect(r.body.error.message).toMatch(/Fix the request/);
  });

  it.each([
    // Invoices are public by reference now; an operator route still takes a numeric id.
    ['an id of 4e59 (an integer to the schema, not to bigint)', '/api/v1/operator/alerts/4e59/acknowledge'],
    ['an id of 1e309 (Infinity once coerced)', '/api/v1/operator/alerts/1e309/acknowledge'],
  ])('%s: 400 naming the unsafe number', async (_what, path) => {
    const token = await consoleToken(p);
    const r = await raw(path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ note: 'x' }) });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/the path holds a number that is not finite or is an integer beyond 2\^53/);
  });

  it('a NUL in a JSON body: 400 naming the body', async () => {
    const r = await raw('/api/v1/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: '13900000001', password: 'long-enough-1', name: 'a\u0000b' }) });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/the body holds a NUL character/);
  });

  it('a broken %-escape in the URL: 400 ONELOT_ERR_VALIDATION', async () => {
    const r = await raw('/api/v1/invoices/%/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'ONELOT_ERR_VALIDATION', message: expect.stringMatching(/broken %-escape/) });
  });

  it('headers over 16 KB: 431 ONELOT_ERR_HEADERS_TOO_LARGE in JSON', async () => {
    const r = await raw('/api/v1/lots', { headers: { authorization: `Bearer ${'a'.repeat(20_000)}` } });
    expect(r.status).toBe(431);
    expect(r.type).toMatch(/application\/json/);
    expect(r.body.error.code).toBe('ONELOT_ERR_HEADERS_TOO_LARGE');
  });
});
