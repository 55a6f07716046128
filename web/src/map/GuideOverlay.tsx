// "Guide me" on the map: the destination pin, a dashed walk line to the chosen lot and a ring
// around that lot (visible even while its marker sits inside a cluster), labelled with the chance of
// a space on arrival when the lot has a forecast. Create/update pair.
import { useEffect, useRef } from 'react';
import { useMap } from 'react-leaflet';
import L from './leaflet.ts';
import type { LatLng, Lot } from '../types.ts';

interface Props {
  destination: LatLng | null;
  chosen: Lot | null;
  /** "约 85 % 有空位" for the chosen lot; null: no label. */
  chanceText: string | null;
}

interface Parts {
  group: L.LayerGroup;
  pin: L.Marker;
  line: L.Polyline;
  ring: L.CircleMarker;
  label: HTMLSpanElement;
}

const destinationIcon = L.divIcon({
  className: 'guide-dest-icon',
  iconSize: [0, 0],
  html: '<div data-testid="guide-destination" class="guide-dest"><span></span></div>',
});

export function GuideOverlay({ destination, chosen, chanceText }: Props) {
  const map = useMap();
  const parts = useRef<Parts | null>(null);

  // create
  useEffect(() => {
    const group = L.layerGroup().addTo(map);
    const origin: L.LatLngTuple = [0, 0];
    parts.current = {
      group,
      pin: L.marker(origin, { icon: destinationIcon, interactive: false, keyboard: false, zIndexOffset: 2000 }),
      line: L.polyline([], { className: 'guide-line', color: '#1d4ed8', weight: 3, dashArray: '6 8', interactive: false }),
      ring: L.circleMarker(origin, { className: 'guide-ring', radius: 24, color: '#1d4ed8', weight: 3, fill: false, interactive: false }),
      label: document.createElement('span'),
    };
    parts.current.label.dataset.testid = 'map-chance';
    return () => {
      group.remove();
      parts.current = null;
    };
  }, [map]);

  // update
  useEffect(() => {
    const p = parts.current;
    if (!p) return;
    const show = (layer: L.Layer, on: boolean) => {
      if (on && !p.group.hasLayer(layer)) p.group.addLayer(layer);
      if (!on && p.group.hasLayer(layer)) p.group.removeLayer(layer);
    };
    if (destination) p.pin.setLatLng(destination);
    show(p.pin, destination !== null);
    if (chosen) p.ring.setLatLng([chosen.lat, chosen.lng]);
    show(p.ring, chosen !== null);
    if (destination && chosen) p.line.setLatLngs([destination, [chosen.lat, chosen.lng]]);
    show(p.line, destination !== null && chosen !== null);
    // The label rides on the ring: a permanent tooltip above the chosen lot.
    p.label.textContent = chanceText ?? '';
    if (chanceText && !p.ring.getTooltip()) p.ring.bindTooltip(p.label, { permanent: true, direction: 'top', offset: [0, -22], className: 'guide-chance-tip' });
    if (!chanceText && p.ring.getTooltip()) p.ring.unbindTooltip();
    if (chanceText && p.group.hasLayer(p.ring)) p.ring.openTooltip();
  }, [destination, chosen, chanceText]);

  return null;
}
