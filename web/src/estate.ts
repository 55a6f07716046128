// The lot editor's form, without React: an empty form, a form from a lot, and the API bodies it
// becomes (operators/http/schemas.ts LotInput / LotPatch). A street segment's place is its drawn
// polyline; a garage's is one point.
import type { LatLng, LotInput, LotPatch, OperatorLot } from './types.ts';

export type LotKind = 'garage' | 'street';

export interface LotForm {
  kind: LotKind;
  name: string;
  nameEn: string;
  district: string;
  address: string;
  timeZone: string;
  capacity: string;
  accessibleBays: string;
  evBays: string;
  published: boolean;
  /** A garage's entrance. */
  point: LatLng | null;
  /** A street segment's polyline, [lng, lat] pairs as the API has them. */
  path: Array<[number, number]>;
}

export function emptyLotForm(kind: LotKind = 'garage'): LotForm {
  return { kind, name: '', nameEn: '', district: '', address: '', timeZone: 'Asia/Shanghai', capacity: '0', accessibleBays: '0', evBays: '0', published: false, point: null, path: [] };
}

export function formOf(l: OperatorLot): LotForm {
  return {
    kind: l.kind, name: l.name, nameEn: l.nameEn, district: l.district, address: l.address, timeZone: l.timeZone,
    capacity: String(l.capacity), accessibleBays: String(l.accessibleBays), evBays: String(l.evBays), published: l.published,
    point: l.kind === 'garage' ? { lat: l.lat, lng: l.lng } : null, path: l.path ?? [],
  };
}

/** Whether the form can be sent: names, district, and a place (a point, or a path of two points). */
export function lotFormReady(f: LotForm): boolean {
  const placed = f.kind === 'garage' ? f.point !== null : f.path.length >= 2;
  return placed && f.name.trim() !== '' && f.nameEn.trim() !== '' && f.district.trim() !== '';
}

/** A map click: a garage moves its point; a street segment gets one more point. */
export function addPoint(f: LotForm, at: LatLng): LotForm {
  return f.kind === 'garage' ? { ...f, point: at } : { ...f, path: [...f.path, [round(at.lng), round(at.lat)]] };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const count = (s: string) => Math.max(0, Math.floor(Number(s) || 0));

export function lotPatchOf(f: LotForm): LotPatch {
  const place = f.kind === 'garage' && f.point ? { lat: round(f.point.lat), lng: round(f.point.lng) } : { path: f.path };
  return {
    name: f.name.trim(), nameEn: f.nameEn.trim(), district: f.district.trim(), address: f.address.trim(), timeZone: f.timeZone.trim(),
    capacity: count(f.capacity), accessibleBays: count(f.accessibleBays), evBays: count(f.evBays), published: f.published, ...place,
  };
}

export function lotInputOf(f: LotForm): LotInput {
  return { kind: f.kind, ...lotPatchOf(f) } as LotInput;
}
