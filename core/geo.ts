// Geodesy at the edges. Data is WGS-84 everywhere; Chinese map apps want GCJ-02 (Amap, Tencent)
// or BD-09 (Baidu), so hand-off links convert here and nowhere else.

export interface LatLng { lat: number; lng: number }

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance in metres. */
export function distanceMeters(a: LatLng, b: LatLng): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Walking distance estimate: street grids make walks ~1.3× the straight line (a common detour
 * factor for Chinese city grids); we have no road graph to do better.
 */
export function walkingMeters(a: LatLng, b: LatLng): number {
  return Math.round(distanceMeters(a, b) * 1.3);
}

/**
 * Driving time in minutes over `straightMeters` at local hour `hour` (0–24): roads ~1.35× the
 * straight line, at the average speeds of Zhengzhou's published congestion pattern — ~18 km/h in
 * the commute peaks (07:00–09:30, 17:00–19:30), ~28 km/h in the day and evening, ~40 km/h at
 * night — plus 2 minutes to turn in and park. No road graph or traffic feed: an estimate.
 */
export function drivingMinutes(straightMeters: number, hour: number): number {
  const peak = (hour >= 7 && hour < 9.5) || (hour >= 17 && hour < 19.5);
  const night = hour >= 22 || hour < 6;
  const kmh = peak ? 18 : night ? 40 : 28;
  return 2 + (straightMeters * 1.35) / 1000 / kmh * 60;
}

// GCJ-02 ("Mars coordinates"): the published obfuscation formula (Krasovsky 1940 ellipsoid).
const GCJ_A = 6378245.0;
// Eccentricity squared, published as 0.00669342162296594323: this is that value as a double.
const GCJ_EE = 0.006693421622965943;

function outOfChina({ lat, lng }: LatLng): boolean {
  return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;
}
function transformLat(x: number, y: number): number {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}
function transformLng(x: number, y: number): number {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

export function wgs84ToGcj02(p: LatLng): LatLng {
  if (outOfChina(p)) return { ...p };
  let dLat = transformLat(p.lng - 105.0, p.lat - 35.0);
  let dLng = transformLng(p.lng - 105.0, p.lat - 35.0);
  const radLat = rad(p.lat);
  let magic = Math.sin(radLat);
  magic = 1 - GCJ_EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((GCJ_A * (1 - GCJ_EE)) / (magic * sqrtMagic)) * Math.PI);
  dLng = (dLng * 180.0) / ((GCJ_A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return { lat: p.lat + dLat, lng: p.lng + dLng };
}

const X_PI = (Math.PI * 3000.0) / 180.0;
export function gcj02ToBd09(p: LatLng): LatLng {
  const z = Math.sqrt(p.lng * p.lng + p.lat * p.lat) + 0.00002 * Math.sin(p.lat * X_PI);
  const theta = Math.atan2(p.lat, p.lng) + 0.000003 * Math.cos(p.lng * X_PI);
  return { lat: z * Math.sin(theta) + 0.006, lng: z * Math.cos(theta) + 0.0065 };
}

export function wgs84ToBd09(p: LatLng): LatLng {
  return gcj02ToBd09(wgs84ToGcj02(p));
}

/** Turn-by-turn hand-off links for the driver's map app, each in the datum that app expects. */
export function navigationLinks(to: LatLng & { name: string }) {
  const g = wgs84ToGcj02(to);
  const b = wgs84ToBd09(to);
  const name = encodeURIComponent(to.name);
  const f = (n: number) => n.toFixed(6);
  return {
    amap: `https://uri.amap.com/navigation?to=${f(g.lng)},${f(g.lat)},${name}&mode=car&coordinate=gaode&callnative=1`,
    baidu: `https://api.map.baidu.com/direction?destination=latlng:${f(b.lat)},${f(b.lng)}|name:${name}&mode=driving&coordtype=bd09ll&output=html&src=onelot`,
    geo: `geo:${f(to.lat)},${f(to.lng)}?q=${f(to.lat)},${f(to.lng)}(${name})`,
  };
}
