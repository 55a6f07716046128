// Every lot as a clustered marker. Create/update pair: the group is created once per map; each
// lots change then adds new markers, removes gone ones and patches only those whose lot or look
// changed (state.ts keeps unchanged lots identical, so most are skipped by a `===` check).
import { useEffect, useRef } from 'react';
import { useMap } from 'react-leaflet';
import L from './leaflet.ts';
import { clusterIcon, lotIcon, patchLotIcon, type LotMarkerOptions, type MarkerLook } from './lotIcon.ts';
import type { Lot } from '../types.ts';

interface Props {
  lots: ReadonlyMap<string, Lot>;
  selectedId: string | null;
  chosenId: string | null;
  /** Marker tooltip text (lot name in the UI language, free count). */
  titleOf: (lot: Lot) => string;
  onSelect: (lotId: string) => void;
}

interface Entry {
  marker: L.Marker;
  lot: Lot;
  look: MarkerLook;
  title: string;
}

// Past this zoom every lot is its own marker (a street block at most a few hundred metres).
export const UNCLUSTER_ZOOM = 17;
const SELECTED_Z = 1000;

export function LotMarkerLayer({ lots, selectedId, chosenId, titleOf, onSelect }: Props) {
  const map = useMap();
  const groupRef = useRef<L.MarkerClusterGroup | null>(null);
  const entries = useRef(new Map<string, Entry>());
  const onSelectRef = useRef(onSelect);
  useEffect(() => {
    onSelectRef.current = onSelect;
  });

  // create
  useEffect(() => {
    const group = L.markerClusterGroup({
      iconCreateFunction: clusterIcon,
      showCoverageOnHover: false,
      maxClusterRadius: 48,
      disableClusteringAtZoom: UNCLUSTER_ZOOM,
      chunkedLoading: true,
    });
    group.on('click', (e: L.LeafletEvent) => {
      const layer = (e as L.LeafletEvent & { layer: L.Marker }).layer;
      onSelectRef.current((layer.options as LotMarkerOptions).lotId);
    });
    map.addLayer(group);
    groupRef.current = group;
    const held = entries.current;
    return () => {
      map.removeLayer(group);
      held.clear();
      groupRef.current = null;
    };
  }, [map]);

  // update
  useEffect(() => {
    const group = groupRef.current;
    if (!group) return;
    const held = entries.current;
    const added: L.Marker[] = [];
    const recounted: L.Marker[] = [];

    for (const lot of lots.values()) {
      const look: MarkerLook = { selected: lot.id === selectedId, chosen: lot.id === chosenId };
      const title = titleOf(lot);
      const entry = held.get(lot.id);
      if (!entry) {
        const options: LotMarkerOptions = {
          icon: lotIcon(lot, look),
          title,
          lotId: lot.id,
          free: lot.free,
          occupied: lot.occupied,
          zIndexOffset: look.selected || look.chosen ? SELECTED_Z : 0,
          riseOnHover: true,
        };
        const marker = L.marker([lot.lat, lot.lng], options);
        held.set(lot.id, { marker, lot, look, title });
        added.push(marker);
        continue;
      }
      const sameLook = entry.look.selected === look.selected && entry.look.chosen === look.chosen;
      if (entry.lot === lot && sameLook && entry.title === title) continue;

      const { marker } = entry;
      const options = marker.options as LotMarkerOptions;
      if (entry.lot.lat !== lot.lat || entry.lot.lng !== lot.lng) marker.setLatLng([lot.lat, lot.lng]);
      if (options.free !== lot.free || options.occupied !== lot.occupied) {
        options.free = lot.free;
        options.occupied = lot.occupied;
        recounted.push(marker);
      }
      // The icon option is what Leaflet renders the next time the marker enters the map (out of
      // a cluster); the element on screen now, if any, is patched in place rather than rebuilt.
      options.icon = lotIcon(lot, look);
      options.title = title;
      const el = marker.getElement();
      if (el) {
        patchLotIcon(el, lot, look);
        el.title = title;
      }
      if (!sameLook) marker.setZIndexOffset(look.selected || look.chosen ? SELECTED_Z : 0);
      held.set(lot.id, { marker, lot, look, title });
    }

    const removed: L.Marker[] = [];
    for (const [id, entry] of held) {
      if (!lots.has(id)) {
        removed.push(entry.marker);
        held.delete(id);
      }
    }

    if (removed.length) group.removeLayers(removed);
    if (added.length) group.addLayers(added);
    // Cluster icons show summed free counts: redraw only the clusters above changed markers.
    if (recounted.length) group.refreshClusters(recounted);
  }, [lots, selectedId, chosenId, titleOf]);

  return null;
}
