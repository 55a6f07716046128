// While "guide me" is open, a click on the map (not on a lot) picks the destination.
import { useEffect, useRef } from 'react';
import { useMap } from 'react-leaflet';
import type { LeafletMouseEvent } from 'leaflet';
import type { LatLng } from '../types.ts';

export function MapClickPicker({ enabled, onPick }: { enabled: boolean; onPick: (at: LatLng) => void }) {
  const map = useMap();
  const onPickRef = useRef(onPick);
  useEffect(() => {
    onPickRef.current = onPick;
  });

  useEffect(() => {
    if (!enabled) return;
    const container = map.getContainer();
    container.classList.add('is-picking');
    const onClick = (e: LeafletMouseEvent) => onPickRef.current({ lat: e.latlng.lat, lng: e.latlng.lng });
    map.on('click', onClick);
    return () => {
      map.off('click', onClick);
      container.classList.remove('is-picking');
    };
  }, [map, enabled]);

  return null;
}
