// The open-data feeds (docs/open-data.md): every published lot's static description and live
// availability as ParkAPI v3 JSON, DATEX II v3 XML and NGSI-LD entities (FIWARE Smart Data Models).
// Public, but limited per address (api/rate-limits.ts) and cacheable: every answer carries an ETag
// (a hash of the body, @fastify/etag) and a Last-Modified (the newest count or lot change it holds);
// If-None-Match, or without it If-Modified-Since, answers 304 with no body. Built from the
// availability cache and the bays table only: no plate, no session, no account is ever read here.
import etag from '@fastify/etag';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../core/module.ts';
import type { Config } from '../../core/config.ts';
import { OneLotError } from '../../core/errors.ts';
import type { ApiContext } from '../context.ts';
import type { Lot } from '../availability-cache.ts';
import { openDataLimit } from '../rate-limits.ts';
import { ParkApiSites, parkApiSite } from '../open-data/parkapi.ts';
import { parkingStatusPublication, parkingTablePublication } from '../open-data/datex2.ts';
import { NGSI_LD_CONTEXT, PARKING_TYPES, lotEntity, lotType, parseUrn, spotEntity, type Entity, type SpotRow } from '../open-data/ngsi-ld.ts';

/** Feeds change every few seconds: caches may keep an answer this long without asking. */
const MAX_AGE_S = 10;
const TABLE_ID = 'onelot-lots';
const XML = 'application/xml; charset=utf-8';

/** The newest of the lots' metadata and their live counts: what Last-Modified says. */
function lastChange(lots: Iterable<Lot>, loadedAt: Date): Date {
  let newest = loadedAt.getTime();
  for (const l of lots) if (l.updatedAt) newest = Math.max(newest, Date.parse(l.updatedAt));
  return new Date(newest);
}

function dated(reply: FastifyReply, lastModified: Date): void {
  reply.header('last-modified', lastModified.toUTCString());
  reply.header('cache-control', `public, max-age=${MAX_AGE_S}`);
}

/**
 * After @fastify/etag (which set the ETag and answered If-None-Match): without If-None-Match, an
 * If-Modified-Since no older than Last-Modified answers 304 too (RFC 9110 §13.1.3: If-None-Match wins).
 */
function notModifiedSince(req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, p?: unknown) => void): void {
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  const modified = Date.parse(String(reply.getHeader('last-modified') ?? ''));
  if (reply.statusCode === 200 && req.headers['if-none-match'] === undefined && Number.isFinite(since) && Number.isFinite(modified) && modified <= since) {
    reply.code(304);
    done(null, '');
    return;
  }
  done(null, payload);
}

const EntityBody = Type.Object({ id: Type.String(), type: Type.String() }, { additionalProperties: true });
const EntityQuery = Type.Object({
  type: Type.Optional(Type.String({ description: 'OffStreetParking, OnStreetParking or ParkingSpot (comma-separated for several lot types)' })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'ParkingSpot only: refParkingSite=="urn:ngsi-ld:…"' })),
  options: Type.Optional(Type.String({ description: 'keyValues: the simplified representation' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  count: Type.Optional(Type.Boolean({ description: 'true: the total in the NGSILD-Results-Count header' })),
});

export async function openDataRoutes(app: App, ctx: ApiContext, config: Config): Promise<void> {
  await app.register(async (feeds) => {
    await feeds.register(etag);
    feeds.addHook('onSend', notModifiedSince);
    feeds.addHook('onRequest', openDataLimit(feeds as App, config));
    parkApiRoute(feeds as App, ctx);
    datexRoutes(feeds as App, ctx);
    ngsiLdRoutes(feeds as App, ctx);
  });
}

function parkApiRoute(app: App, { cache }: ApiContext): void {
  app.get('/api/v1/open-data/parkapi/parking-sites', {
    schema: {
      tags: ['open data'],
      summary: 'Every published lot as a ParkAPI v3 parking site: capacity and realtime free capacity (WGS-84)',
      querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('zh'), Type.Literal('en')], { default: 'zh', description: 'language of `name`' })) }),
      response: { 200: ParkApiSites, 400: Type.Ref('ErrorBody'), 429: Type.Ref('ErrorBody') },
    },
  }, async (req, reply) => {
    dated(reply, lastChange(cache.all(), cache.loadedAt));
    const lang = req.query.lang ?? 'zh';
    return { items: [...cache.all()].map((l) => parkApiSite(l, lang, cache.loadedAt)) };
  });
}

function datexRoutes(app: App, { cache }: ApiContext): void {
  const table = () => ({ id: TABLE_ID, version: cache.version });
  const xmlReply = { 200: Type.String({ description: 'DATEX II v3 XML (d2:payload)' }), 429: Type.Ref('ErrorBody') };
  app.get('/api/v1/open-data/datex2/parking-table', {
    schema: { tags: ['open data'], summary: 'DATEX II v3 ParkingTablePublication: every published lot as an UrbanParkingSite (static)', produces: ['application/xml'], response: xmlReply },
  }, async (_req, reply) => {
    dated(reply, cache.loadedAt);
    reply.type(XML);
    // Dated by the data, not the clock: the same data is the same document (and ETag).
    return parkingTablePublication(cache.all(), table(), cache.loadedAt, cache.loadedAt);
  });
  app.get('/api/v1/open-data/datex2/parking-status', {
    schema: { tags: ['open data'], summary: 'DATEX II v3 ParkingStatusPublication: vacant and occupied spaces of every published lot (live)', produces: ['application/xml'], response: xmlReply },
  }, async (_req, reply) => {
    const changed = lastChange(cache.all(), cache.loadedAt);
    dated(reply, changed);
    reply.type(XML);
    return parkingStatusPublication(cache.all(), table(), changed);
  });
}

/** JSON-LD wants the context in the body; a client asking for plain JSON gets it in a Link header. */
function ldType(req: FastifyRequest, reply: FastifyReply): boolean {
  const wantsLd = !/application\/json/.test(req.headers.accept ?? '') || /application\/ld\+json/.test(req.headers.accept ?? '');
  if (wantsLd) reply.type('application/ld+json');
  else reply.header('link', NGSI_LD_CONTEXT.map((c) => `<${c}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`).join(', '));
  return wantsLd;
}
const withContext = (e: Entity, ld: boolean) => (ld ? { ...e, '@context': NGSI_LD_CONTEXT } : e);

function ngsiLdRoutes(app: App, { cache, pool }: ApiContext): void {
  const spots = async (where: string, args: unknown[], limit: number, offset: number) => {
    const { rows } = await pool.query(
      `SELECT b.code, b.lat, b.lng, l.id AS lot_id, l.kind, s.occupied, s.since, count(*) OVER ()::int AS total
         FROM bays b JOIN lots l ON l.id = b.lot_id LEFT JOIN bay_state s ON s.bay_code = b.code
        WHERE b.retired_at IS NULL AND l.published AND l.retired_at IS NULL ${where}
        ORDER BY b.code LIMIT ${limit} OFFSET ${offset}`, args);
    return {
      total: rows[0]?.total ?? 0,
      rows: rows.map((r): SpotRow => ({ code: r.code, lat: r.lat, lng: r.lng, occupied: r.occupied ?? null, since: r.since ? new Date(r.since).toISOString() : null, lot: { id: r.lot_id, kind: r.kind } })),
    };
  };

  app.get('/ngsi-ld/v1/entities', {
    schema: {
      tags: ['open data'],
      summary: 'NGSI-LD query: published lots as OffStreetParking / OnStreetParking, bays as ParkingSpot (FIWARE Smart Data Models)',
      querystring: EntityQuery,
      response: { 200: Type.Array(EntityBody), 400: Type.Ref('ErrorBody'), 429: Type.Ref('ErrorBody') },
    },
  }, async (req, reply) => {
    const { limit = 20, offset = 0 } = req.query;
    const keyValues = req.query.options?.split(',').includes('keyValues') ?? false;
    const types = (req.query.type ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    if (types.length === 0 || types.some((t) => !PARKING_TYPES.includes(t as never))) {
      throw new OneLotError('ONELOT_ERR_VALIDATION', `type must name ${PARKING_TYPES.join(', ')} (got "${req.query.type ?? ''}")`);
    }
    const ld = ldType(req, reply);
    dated(reply, lastChange(cache.all(), cache.loadedAt));
    if (types.includes('ParkingSpot')) {
      if (types.length > 1) throw new OneLotError('ONELOT_ERR_VALIDATION', 'ask for ParkingSpot on its own: bays and lots are paged apart');
      const site = req.query.q ? /^refParkingSite=="(urn:ngsi-ld:[^"]+)"$/.exec(req.query.q) : null;
      if (req.query.q && !site) throw new OneLotError('ONELOT_ERR_VALIDATION', 'q may only be refParkingSite=="urn:ngsi-ld:<type>:<lot id>"');
      const lotId = site ? parseUrn(site[1])?.localId : undefined;
      const page = await spots(lotId ? 'AND b.lot_id = $1' : '', lotId ? [lotId] : [], limit, offset);
      if (req.query.count) reply.header('ngsild-results-count', page.total);
      return page.rows.map((s) => withContext(spotEntity(s, keyValues), ld));
    }
    const lots = [...cache.all()].filter((l) => types.includes(lotType(l)));
    if (req.query.count) reply.header('ngsild-results-count', lots.length);
    return lots.slice(offset, offset + limit).map((l) => withContext(lotEntity(l, keyValues), ld));
  });

  app.get('/ngsi-ld/v1/entities/:id', {
    schema: {
      tags: ['open data'],
      summary: 'One NGSI-LD entity: a published lot or one of its bays, by its urn:ngsi-ld id',
      params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
      querystring: Type.Object({ options: Type.Optional(Type.String()) }),
      response: { 200: EntityBody, 404: Type.Ref('ErrorBody'), 429: Type.Ref('ErrorBody') },
    },
  }, async (req, reply) => {
    const keyValues = req.query.options?.split(',').includes('keyValues') ?? false;
    const urn = parseUrn(req.params.id);
    const lot = urn && urn.type !== 'ParkingSpot' ? cache.get(urn.localId) : undefined;
    if (urn?.type === 'ParkingSpot') {
      const page = await spots('AND b.code = $1', [urn.localId], 1, 0);
      if (page.rows.length === 0) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Entity ${req.params.id}`);
      const ld = ldType(req, reply);
      dated(reply, new Date(page.rows[0].since ?? cache.loadedAt));
      return withContext(spotEntity(page.rows[0], keyValues), ld);
    }
    if (!lot || lotType(lot) !== urn?.type) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Entity ${req.params.id}`);
    const ld = ldType(req, reply);
    dated(reply, lastChange([lot], cache.loadedAt));
    return withContext(lotEntity(lot, keyValues), ld);
  });
}
