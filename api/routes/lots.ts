import { Type } from '@sinclair/typebox';
import type { App } from '../../core/module.ts';
import type { ApiContext } from '../context.ts';
import { OneLotError } from '../../core/errors.ts';
import { LotDetail, LotList, type LotBody } from '../schemas.ts';
import { parseBbox, toLotBody } from '../lot-body.ts';

export function lotsRoutes(app: App, { cache, pool }: ApiContext): void {
  app.get('/api/v1/lots', {
    schema: {
      tags: ['availability'],
      summary: 'Lots (garages and street segments) with live counts',
      querystring: Type.Object({
        bbox: Type.Optional(Type.String({ description: 'minLng,minLat,maxLng,maxLat (WGS-84)', examples: ['113.60,34.72,113.75,34.80'] })),
        q: Type.Optional(Type.String({ maxLength: 100, description: 'search a lot or street name (Chinese or English), district or id' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 5000 })),
      }),
      response: { 200: LotList, 400: Type.Ref('ErrorBody') },
    },
  }, async (req) => {
    const box = req.query.bbox ? parseBbox(req.query.bbox) : null;
    const q = req.query.q?.trim().toLowerCase();
    const limit = req.query.limit ?? 5000;
    const lots: LotBody[] = [];
    for (const l of cache.all()) {
      if (box && (l.lng < box[0] || l.lat < box[1] || l.lng > box[2] || l.lat > box[3])) continue;
      if (q && !`${l.id} ${l.name} ${l.nameEn} ${l.district} ${l.address}`.toLowerCase().includes(q)) continue;
      lots.push(toLotBody(l));
      if (lots.length >= limit) break;
    }
    return { lots };
  });

  app.get('/api/v1/lots/:id', {
    schema: {
      tags: ['availability'],
      summary: 'One lot with every bay and its state',
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      response: { 200: LotDetail, 404: Type.Ref('ErrorBody') },
    },
  }, async (req) => {
    const lot = cache.get(req.params.id);
    if (!lot) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Lot ${req.params.id}`);
    const { rows } = await pool.query(
      `SELECT b.code, b.lat, b.lng, b.accessible, b.ev_charging, s.occupied, s.since
         FROM bays b LEFT JOIN bay_state s ON s.bay_code = b.code
        WHERE b.lot_id = $1 AND b.retired_at IS NULL ORDER BY b.code`,
      [lot.id],
    );
    return {
      lot: toLotBody(lot),
      bays: rows.map((r) => ({
        code: r.code, lat: r.lat, lng: r.lng, accessible: r.accessible, evCharging: r.ev_charging,
        occupied: r.occupied ?? null, since: r.since ? new Date(r.since).toISOString() : null,
      })),
    };
  });
}
