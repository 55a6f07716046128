// The lot editor's map: a click places a garage's entrance, or adds a point to a street segment's
// polyline (undo and clear are the editor's buttons). Circle markers and a polyline are vectors,
// so no marker images are needed (the page's CSP allows images only from itself and the tiles).
import { useEffect, useRef } from 'react';
import { CircleMarker, MapContainer, Polyline, TileLayer, useMap } from 'react-leaflet';
import type { LeafletMouseEvent } from 'leaflet';
import type { LatLng, MapConfig } from '../types.ts';
import { MapResizeWatcher } from './MapResizeWatcher.tsx';

interface Props {
  config: MapConfig;
  point: LatLng | null;
  /** [lng, lat] pairs. */
  path: Array<[number, number]>;
  onClick: (at: LatLng) => void;
  label: string;
}

function ClickToDraw({ onClick }: { onClick: (at: LatLng) => void }) {
  const map = useMap();
  const ref = useRef(onClick);
  useEffect(() => { ref.current = onClick; });
  useEffect(() => {
    const container = map.getContainer();
    container.classList.add('is-picking');
    const handler = (e: LeafletMouseEvent) => ref.current({ lat: e.latlng.lat, lng: e.latlng.lng });
    map.on('click', handler);
    return () => { map.off('click', handler); container.classList.remove('is-picking'); };
  }, [map]);
  return null;
}

export function LotDrawMap({ config, point, path, onClick, label }: Props) {
  const first = point ?? (path[0] ? { lat: path[0][1], lng: path[0][0] } : config.center);
  const line = path.map(([lng, lat]) => [lat, lng] as [number, number]);
  return (
    <div className="draw-map" role="application" aria-label={label} data-testid="lot-draw-map">
      <MapContainer className="map" center={[first.lat, first.lng]} zoom={point || path.length ? 17 : config.zoom} minZoom={9} maxZoom={19}>
        <TileLayer url={config.tileUrl} maxZoom={19} />
        {point && <CircleMarker center={[point.lat, point.lng]} radius={9} pathOptions={{ color: '#0b6bcb', fillOpacity: 0.8 }} />}
        {line.length > 1 && <Polyline positions={line} pathOptions={{ color: '#0b6bcb', weight: 6 }} />}
        {line.map((p, i) => <CircleMarker key={i} center={p} radius={5} pathOptions={{ color: '#0b6bcb', fillOpacity: 1 }} />)}
        <ClickToDraw onClick={onClick} />
        <MapResizeWatcher />
      </MapContainer>
    </div>
  );
}
