// The security headers on a bare fastify app, and the tile host the CSP lets images come from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../core/module.ts';
import { registerSecurityHeaders, tileSource } from './security-headers.ts';

describe('tileSource', () => {
  it('turns a Leaflet template into the CSP source of its host', () => {
    expect(tileSource('https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png')).toBe('https://*.tile.openstreetmap.org');
    expect(tileSource('https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&x={x}&y={y}&z={z}')).toBe('https://*.is.autonavi.com');
    expect(tileSource('https://tiles.{s}.example.com/{z}/{x}/{y}{r}.png')).toBe('https://*.example.com');
    expect(tileSource('http://127.0.0.1:9/{z}/{x}/{y}.png')).toBe('http://127.0.0.1:9');
    expect(tileSource('https://Tiles.Example.COM:8443/{z}/{x}/{y}.png')).toBe('https://tiles.example.com:8443');
  });

  it('gives nothing for a template that would widen the policy or break the header', () => {
    for (const url of ['{s}/{z}/{x}/{y}.png', '//a.tile.example.com/{z}.png', 'https://{s}/{z}/{x}/{y}.png', 'https://a.example.com:{port}/x',
      "https://a.example.com; script-src 'unsafe-inline'/x", 'https://user:pw@a.example.com/x', 'javascript:alert(1)']) {
      expect(tileSource(url), url).toBeUndefined();
    }
  });
});

describe('security headers', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    await registerSecurityHeaders(app as unknown as App, { tileUrl: 'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png' });
    app.get('/x', async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(async () => { await app.close(); });

  it('sends the CSP in full, no framing, nosniff and a referrer policy that tile servers accept', async () => {
    const h = (await app.inject({ method: 'GET', url: '/x' })).headers;
    const csp = Object.fromEntries(String(h['content-security-policy']).split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')];
    }));
    expect(csp).toEqual({
      'default-src': "'self'", 'base-uri': "'self'", 'script-src': "'self'", 'script-src-attr': "'none'", 'style-src': "'self'",
      'img-src': "'self' data: https://*.tile.openstreetmap.org", 'font-src': "'self'", 'connect-src': "'self'",
      'object-src': "'none'", 'form-action': "'self'", 'frame-ancestors': "'none'",
    });
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['referrer-policy']).toBe('strict-origin-when-cross-origin');
  });
});
