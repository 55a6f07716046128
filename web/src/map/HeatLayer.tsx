// A leaflet.heat layer as a react-leaflet child: created once with the map, its points replaced
// when they change (a create/update pair, like LotMarkerLayer). leaflet.heat draws on a canvas, so
// the page's CSP needs nothing more.
import { useEffect, useRef } from 'react';
import { useMap } from 'react-leaflet';
import L from './leaflet.ts';
import 'leaflet.heat';

// Green where lots are empty, amber at SFpark's 80 % target ceiling, red where they are full.
// maxZoom: leaflet.heat divides each point's intensity by 2 for every zoom level under it, which
// would show a full city at city zoom as pale green; from zoom 10 in, an occupancy is its colour.
const OPTIONS: L.HeatMapOptions = { radius: 28, blur: 18, max: 1, maxZoom: 10, minOpacity: 0.25, gradient: { 0.3: '#2e7d32', 0.6: '#9e9d24', 0.8: '#f9a825', 1: '#c62828' } };

/** Frames the map on the points given (the lots the caller may see), once they are known. */
export function FitPoints({ points }: { points: ReadonlyArray<[number, number]> }) {
  const map = useMap();
  useEffect(() => {
    if (points.length > 0) map.fitBounds(L.latLngBounds(points.map(([lat, lng]) => L.latLng(lat, lng))), { padding: [30, 30], maxZoom: 15 });
  }, [map, points]);
  return null;
}

export function HeatLayer({ points }: { points: Array<[number, number, number]> }) {
  const map = useMap();
  const layer = useRef<L.HeatLayer | null>(null);
  useEffect(() => {
    const l = L.heatLayer([], OPTIONS).addTo(map);
    layer.current = l;
    return () => { l.remove(); layer.current = null; };
  }, [map]);
  useEffect(() => { layer.current?.setLatLngs(points); }, [points, map]);
  return null;
}
