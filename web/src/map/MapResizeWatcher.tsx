// Leaflet measures its container once; the bottom sheet and window resizes change it later.
import { useEffect } from 'react';
import { useMap } from 'react-leaflet';

export function MapResizeWatcher() {
  const map = useMap();
  useEffect(() => {
    const observer = new ResizeObserver(() => map.invalidateSize({ debounceMoveend: true }));
    observer.observe(map.getContainer());
    return () => observer.disconnect();
  }, [map]);
  return null;
}
