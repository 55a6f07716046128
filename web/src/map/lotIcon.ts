// Marker and cluster icons as L.divIcon HTML, plus the in-place patch used by the live stream.
// Both paths render from `pinView`, so a patched marker looks exactly like a freshly created one.
import L from './leaflet.ts';
import { levelOf, type Level } from '../availability.ts';
import type { Lot } from '../types.ts';

export interface MarkerLook {
  selected: boolean;
  /** Highlighted as the "guide me" pick. */
  chosen: boolean;
}

interface PinView {
  level: Level;
  className: string;
  free: string;
}

function pinView(lot: Lot, look: MarkerLook): PinView {
  const level = levelOf(lot);
  const className = ['lot-pin', `lvl-${level}`, `kind-${lot.kind}`, look.selected ? 'is-selected' : '', look.chosen ? 'is-chosen' : '']
    .filter(Boolean)
    .join(' ');
  return { level, className, free: String(lot.free) };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

// A zero-size anchor at the lot's position; the pin is centred on it by CSS, so pins can grow
// with their count ("8" vs "1200") without recomputing icon sizes.
const ZERO: L.PointTuple = [0, 0];

export function lotIcon(lot: Lot, look: MarkerLook): L.DivIcon {
  const v = pinView(lot, look);
  return L.divIcon({
    className: 'lot-icon',
    iconSize: ZERO,
    html:
      `<div data-testid="lot-marker" data-lot-id="${escapeHtml(lot.id)}" data-free="${v.free}" data-level="${v.level}" class="${v.className}">` +
      `<span class="lot-pin__count">${v.free}</span></div>`,
  });
}

/** Update a rendered marker's pin without replacing its DOM (keeps focus, hover and test handles). */
export function patchLotIcon(iconElement: HTMLElement, lot: Lot, look: MarkerLook): void {
  const pin = iconElement.querySelector<HTMLElement>('[data-testid="lot-marker"]');
  if (!pin) return;
  const v = pinView(lot, look);
  if (pin.className !== v.className) pin.className = v.className;
  pin.dataset.free = v.free;
  pin.dataset.level = v.level;
  const count = pin.firstElementChild;
  if (count && count.textContent !== v.free) count.textContent = v.free;
}

/** Per-marker numbers the cluster icon sums; kept on the marker's options. */
export interface LotMarkerOptions extends L.MarkerOptions {
  lotId: string;
  free: number;
  occupied: number;
}

export function clusterIcon(cluster: L.MarkerCluster): L.DivIcon {
  let free = 0;
  let occupied = 0;
  const markers = cluster.getAllChildMarkers();
  for (const m of markers) {
    const o = m.options as LotMarkerOptions;
    free += o.free;
    occupied += o.occupied;
  }
  const level = levelOf({ free, occupied });
  const size = free >= 1000 ? 'l' : free >= 100 ? 'm' : 's';
  return L.divIcon({
    className: 'lot-cluster-icon',
    iconSize: ZERO,
    html:
      `<div data-testid="lot-cluster" data-free="${free}" data-count="${markers.length}" data-level="${level}" class="lot-cluster lvl-${level} size-${size}">` +
      `<span class="lot-cluster__count">${free}</span></div>`,
  });
}
