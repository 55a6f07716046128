// Shapes of the API's JSON (see the API contract); kept in one place so a contract change is one edit.

export interface LatLng {
  lat: number;
  lng: number;
}

export interface MapConfig {
  tileUrl: string;
  center: LatLng;
  zoom: number;
}

export type LotKind = 'garage' | 'street';

export interface Lot {
  id: string;
  name: string;
  nameEn: string;
  kind: LotKind;
  district: string;
  address: string;
  lat: number;
  lng: number;
  capacity: number;
  free: number;
  occupied: number;
  unknown: number;
  updatedAt: string | null;
  /** Street segment polyline, [lng, lat] pairs (WGS-84); null for garages. */
  path: [number, number][] | null;
}

export interface Bay {
  code: string;
  lat: number;
  lng: number;
  accessible: boolean;
  evCharging: boolean;
  /** null: the sensor has not reported (or went silent). */
  occupied: boolean | null;
  since: string | null;
}

export interface LotsResponse {
  lots: Lot[];
}

export interface LotDetailResponse {
  lot: Lot;
  bays: Bay[];
}

export interface NavigationLinks {
  amap: string;
  baidu: string;
  geo: string;
}

export interface GuidanceOption {
  lot: Lot;
  distanceMeters: number;
  walkingMeters: number;
  score: number;
  navigation: NavigationLinks;
}

export interface GuidanceResponse {
  destination: LatLng;
  options: GuidanceOption[];
}

/** `availability` event on /api/v1/stream: only what changed. */
export interface LotPatch {
  id: string;
  free: number;
  occupied: number;
  unknown: number;
  updatedAt: string | null;
}

export interface BayPatch {
  code: string;
  lotId: string;
  occupied: boolean | null;
  since: string | null;
}

export interface AvailabilityEvent {
  lots: LotPatch[];
  bays: BayPatch[];
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}
