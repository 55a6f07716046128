// A lot as the routes send it (the Lot schema), and the bounding box the map asks with.
import { OneLotError } from '../core/errors.ts';
import type { Lot } from './availability-cache.ts';
import type { LotBody } from './schemas.ts';

export function toLotBody(l: Lot): LotBody {
  return {
    id: l.id, name: l.name, nameEn: l.nameEn, kind: l.kind, district: l.district, address: l.address, lat: l.lat, lng: l.lng,
    capacity: l.capacity, free: l.free, occupied: l.occupied, unknown: l.unknown, dataQuality: l.dataQuality, updatedAt: l.updatedAt, path: l.path,
  };
}

export function parseBbox(bbox: string): [number, number, number, number] {
  const parts = bbox.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) throw new OneLotError('ONELOT_ERR_BAD_BBOX');
  const [minLng, minLat, maxLng, maxLat] = parts;
  if (minLng >= maxLng || minLat >= maxLat || minLat < -90 || maxLat > 90 || minLng < -180 || maxLng > 180) throw new OneLotError('ONELOT_ERR_BAD_BBOX');
  return [minLng, minLat, maxLng, maxLat];
}
