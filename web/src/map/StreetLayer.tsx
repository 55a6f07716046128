// Street lots' kerb segments as polylines in the lot's colour. Create/update pair, as the markers:
// lines are added, removed or restyled one by one, never redrawn as a whole.
import { useEffect, useRef } from 'react';
import { useMap } from 'react-leaflet';
import L from './leaflet.ts';
import { LEVEL_COLOR, levelOf } from '../availability.ts';
import type { Lot } from '../types.ts';

interface Props {
  lots: ReadonlyMap<string, Lot>;
  selectedId: string | null;
  chosenId: string | null;
  nameOf: (lot: Lot) => string;
  onSelect: (lotId: string) => void;
}

interface Entry {
  line: L.Polyline;
  lot: Lot;
  highlighted: boolean;
  name: string;
}

const toLatLngs = (path: [number, number][]): L.LatLngTuple[] => path.map(([lng, lat]) => [lat, lng]);

function style(lot: Lot, highlighted: boolean): L.PathOptions {
  return { color: LEVEL_COLOR[levelOf(lot)], weight: highlighted ? 9 : 6, opacity: highlighted ? 1 : 0.85 };
}

/** Test hooks on the SVG path; only exists while the line is on the map. */
function tagElement(line: L.Polyline, lot: Lot): void {
  const el = line.getElement();
  if (!el) return;
  el.setAttribute('data-testid', 'street-line');
  el.setAttribute('data-lot-id', lot.id);
  el.setAttribute('data-free', String(lot.free));
  el.setAttribute('data-level', levelOf(lot));
}

export function StreetLayer({ lots, selectedId, chosenId, nameOf, onSelect }: Props) {
  const map = useMap();
  const groupRef = useRef<L.LayerGroup | null>(null);
  const entries = useRef(new Map<string, Entry>());
  const onSelectRef = useRef(onSelect);
  useEffect(() => {
    onSelectRef.current = onSelect;
  });

  // create
  useEffect(() => {
    const group = L.layerGroup().addTo(map);
    groupRef.current = group;
    const held = entries.current;
    return () => {
      group.remove();
      held.clear();
      groupRef.current = null;
    };
  }, [map]);

  // update
  useEffect(() => {
    const group = groupRef.current;
    if (!group) return;
    const held = entries.current;
    const seen = new Set<string>();

    for (const lot of lots.values()) {
      if (!lot.path || lot.path.length < 2) continue;
      seen.add(lot.id);
      const highlighted = lot.id === selectedId || lot.id === chosenId;
      const name = nameOf(lot);
      const entry = held.get(lot.id);
      if (!entry) {
        const line = L.polyline(toLatLngs(lot.path), {
          ...style(lot, highlighted),
          lineCap: 'round',
          className: 'street-line',
          // Without this a click on the line also reaches the map (and would pick a destination).
          bubblingMouseEvents: false,
        });
        line.bindTooltip(name, { sticky: true, direction: 'top' });
        line.on('click', () => onSelectRef.current(lot.id));
        group.addLayer(line);
        tagElement(line, lot);
        held.set(lot.id, { line, lot, highlighted, name });
        continue;
      }
      if (entry.lot === lot && entry.highlighted === highlighted && entry.name === name) continue;
      const { line } = entry;
      if (entry.lot.path !== lot.path) line.setLatLngs(toLatLngs(lot.path));
      line.setStyle(style(lot, highlighted));
      if (highlighted && !entry.highlighted) line.bringToFront();
      if (entry.name !== name) line.setTooltipContent(name);
      tagElement(line, lot);
      held.set(lot.id, { line, lot, highlighted, name });
    }

    for (const [id, entry] of held) {
      if (!seen.has(id)) {
        group.removeLayer(entry.line);
        held.delete(id);
      }
    }
  }, [lots, selectedId, chosenId, nameOf]);

  return null;
}
