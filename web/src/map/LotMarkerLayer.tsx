// Every lot as a clustered marker. Create/update pair: the group is created once per map; each
// lots change then adds new markers, removes gone ones and patches only those whose lot or look
// changed (state.ts keeps unchanged lots identical, so most are skipped by a `===` check).
// The component only holds the group and the markers; the work is in named helpers above it:
// createGroup, createMarker, updateMarker, removeGone, and syncMarkers, which runs one pass of them.
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

/** What a sync pass compares each lot against. */
interface Wanted {
  selectedId: string | null;
  chosenId: string | null;
  titleOf: (lot: Lot) => string;
}

// Past this zoom every lot is its own marker (a street block at most a few hundred metres).
export const UNCLUSTER_ZOOM = 17;
const SELECTED_Z = 1000;

const zIndexOf = (look: MarkerLook) => (look.selected || look.chosen ? SELECTED_Z : 0);

function sameLook(a: MarkerLook, b: MarkerLook): boolean {
  return a.selected === b.selected && a.chosen === b.chosen;
}

/** create: the cluster group, reporting a click on any of its markers by lot id. */
function createGroup(onSelect: (lotId: string) => void): L.MarkerClusterGroup {
  const group = L.markerClusterGroup({
    iconCreateFunction: clusterIcon,
    showCoverageOnHover: false,
    maxClusterRadius: 48,
    disableClusteringAtZoom: UNCLUSTER_ZOOM,
    chunkedLoading: true,
  });
  group.on('click', (e: L.LeafletEvent) => {
    const layer = (e as L.LeafletEvent & { layer: L.Marker }).layer;
    onSelect((layer.options as LotMarkerOptions).lotId);
  });
  return group;
}

/** create: one lot's marker; it carries the lot's counts for the cluster icons to sum. */
function createMarker(lot: Lot, look: MarkerLook, title: string): L.Marker {
  const options: LotMarkerOptions = {
    icon: lotIcon(lot, look),
    title,
    lotId: lot.id,
    free: lot.free,
    occupied: lot.occupied,
    zIndexOffset: zIndexOf(look),
    riseOnHover: true,
  };
  return L.marker([lot.lat, lot.lng], options);
}

/**
 * update: patch a held marker to its lot's new state, touching only what changed. Returns true
 * when its counts changed, so the clusters above it must be redrawn.
 */
function updateMarker(entry: Entry, lot: Lot, look: MarkerLook, title: string): boolean {
  const { marker } = entry;
  const options = marker.options as LotMarkerOptions;
  let recounted = false;
  if (entry.lot.lat !== lot.lat || entry.lot.lng !== lot.lng) marker.setLatLng([lot.lat, lot.lng]);
  if (options.free !== lot.free || options.occupied !== lot.occupied) {
    options.free = lot.free;
    options.occupied = lot.occupied;
    recounted = true;
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
  if (!sameLook(entry.look, look)) marker.setZIndexOffset(zIndexOf(look));
  return recounted;
}

/** remove: forget the lots no longer in `lots`; returns their markers, for the group to drop. */
function removeGone(held: Map<string, Entry>, lots: ReadonlyMap<string, Lot>): L.Marker[] {
  const removed: L.Marker[] = [];
  for (const [id, entry] of held) {
    if (!lots.has(id)) {
      removed.push(entry.marker);
      held.delete(id);
    }
  }
  return removed;
}

/** One update pass: create, patch and remove markers so `held` and `group` match `lots`. */
function syncMarkers(group: L.MarkerClusterGroup, held: Map<string, Entry>, lots: ReadonlyMap<string, Lot>, wanted: Wanted): void {
  const added: L.Marker[] = [];
  const recounted: L.Marker[] = [];

  for (const lot of lots.values()) {
    const look: MarkerLook = { selected: lot.id === wanted.selectedId, chosen: lot.id === wanted.chosenId };
    const title = wanted.titleOf(lot);
    const entry = held.get(lot.id);
    if (!entry) {
      const marker = createMarker(lot, look, title);
      held.set(lot.id, { marker, lot, look, title });
      added.push(marker);
      continue;
    }
    if (entry.lot === lot && sameLook(entry.look, look) && entry.title === title) continue;
    if (updateMarker(entry, lot, look, title)) recounted.push(entry.marker);
    held.set(lot.id, { marker: entry.marker, lot, look, title });
  }

  const removed = removeGone(held, lots);
  if (removed.length) group.removeLayers(removed);
  if (added.length) group.addLayers(added);
  // Cluster icons show summed free counts: redraw only the clusters above changed markers.
  if (recounted.length) group.refreshClusters(recounted);
}

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
    const group = createGroup((lotId) => onSelectRef.current(lotId));
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
    syncMarkers(group, entries.current, lots, { selectedId, chosenId, titleOf });
  }, [lots, selectedId, chosenId, titleOf]);

  return null;
}
