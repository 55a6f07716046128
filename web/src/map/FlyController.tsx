// Moves the map when asked (search pick, guide results). Each request carries a fresh `seq`, so
// asking twice for the same place flies twice.
import { useEffect } from 'react';
import { useMap } from 'react-leaflet';
import L from './leaflet.ts';
import type { LatLng } from '../types.ts';

export type FlyRequest =
  | { kind: 'point'; center: LatLng; zoom: number }
  | { kind: 'bounds'; points: LatLng[]; maxZoom: number };

export type FlyTarget = FlyRequest & { seq: number };

const reducedMotion = () => window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

export function FlyController({ target }: { target: FlyTarget | null }) {
  const map = useMap();
  useEffect(() => {
    if (!target) return;
    const animate = !reducedMotion();
    if (target.kind === 'point') {
      const zoom = Math.max(map.getZoom(), target.zoom);
      if (animate) map.flyTo(target.center, zoom, { duration: 0.8 });
      else map.setView(target.center, zoom);
    } else if (target.points.length > 0) {
      const bounds = L.latLngBounds(target.points.map((p) => [p.lat, p.lng] as L.LatLngTuple));
      const opts = { padding: [48, 48] as L.PointTuple, maxZoom: target.maxZoom };
      if (animate) map.flyToBounds(bounds, { ...opts, duration: 0.8 });
      else map.fitBounds(bounds, opts);
    }
  }, [map, target]);
  return null;
}
