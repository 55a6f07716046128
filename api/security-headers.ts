// Security headers on every answer (helmet), with a Content-Security-Policy written out in
// full rather than helmet's defaults, so what the page may load is read here in one place:
//   - scripts only from this origin: the built page (web/dist) and swagger-ui (/docs) load theirs
//     from files and run nothing inline; no inline event handlers (script-src-attr 'none');
//   - styles only from this origin, no 'unsafe-inline': the map's markers and clusters are divIcons
//     styled by class (web/src/map/lotIcon.ts), and Leaflet and React write positions and sizes
//     through the CSSOM (element.style), which CSP does not govern; swagger-ui runs in its
//     BaseLayout (api/openapi.ts) because the standalone top bar's logo carries an inline <style>.
//     Checked in Chromium: the browser tests fail on any violation (test/helpers.ts cspViolations);
//   - images from this origin, data: (Leaflet's and the page's icons are inlined into the CSS) and
//     the base-map tile host of TILE_URL;
//   - fetch and the live stream (EventSource) to this origin only;
//   - no framing by anyone (frame-ancestors 'none', and X-Frame-Options: DENY for old browsers).
// helmet's default upgrade-insecure-requests is left out: `npm start` serves plain HTTP on
// 127.0.0.1, and a browser would upgrade the page's own requests to an https that is not there.
// Referrer-Policy is strict-origin-when-cross-origin, not helmet's no-referrer: OpenStreetMap's tile
// servers refuse tiles to pages that send no Referer (tile usage policy); the origin alone is sent
// cross-origin, never a path.
// helmet's own middleware, made once: @fastify/helmet built a new one for every request (its CSP
// directives parsed again each time, two onRequest hooks, one of them async), 1.5 % of the main
// thread in bench:billing at 2,000 exits/s, where payment webhooks arrive 200 a second.
import helmet from 'helmet';
import type { App } from '../core/module.ts';

/**
 * The CSP source for a Leaflet tile URL template: its scheme and host, with a placeholder label
 * (`{s}` subdomains) and everything left of it as `*.`; undefined if the template has no plain
 * http(s) host (the map then shows lots and streets without tiles, as it does when tiles fail).
 *   https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png → https://*.tile.openstreetmap.org
 *   https://webrd0{s}.is.autonavi.com/appmaptile?…     → https://*.is.autonavi.com
 */
export function tileSource(tileUrl: string): string | undefined {
  const m = /^(https?:)\/\/([\w.\-:[\]{}]+)(?:[/?#]|$)/i.exec(tileUrl);
  if (!m) return undefined;
  const [, scheme, authority] = m;
  const labels = authority.split('.');
  const last = labels.map((l) => l.includes('{')).lastIndexOf(true);
  const host = last < 0 ? authority : ['*', ...labels.slice(last + 1)].join('.');
  // A placeholder in the port or a bare `{s}` host would widen the source to any host: drop it.
  if (host.includes('{') || host === '*' || host.startsWith('*:')) return undefined;
  return `${scheme.toLowerCase()}//${host.toLowerCase()}`;
}

export async function registerSecurityHeaders(app: App, opts: { tileUrl: string }): Promise<void> {
  const tiles = tileSource(opts.tileUrl);
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', ...(tiles ? [tiles] : [])],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
  app.addHook('onRequest', (request, reply, done) => { headers(request.raw, reply.raw, (err) => done(err as Error | undefined)); });
}
