// The lot "guide me" currently highlights, as live state holds it, and keeping it in view: shows
// the destination and the chosen lot together whenever guidance arrives or the pick changes.
import { useEffect } from 'react';
import type { FlyRequest } from '../map/FlyController.tsx';
import { UNCLUSTER_ZOOM } from '../map/LotMarkerLayer.tsx';
import type { Lot } from '../types.ts';
import type { GuideState } from './useGuide.ts';

/** Returns the chosen lot (live copy if held, else guidance's own), or null. */
export function useChosenLot(guide: GuideState, liveLots: ReadonlyMap<string, Lot>, fly: (request: FlyRequest) => void): Lot | null {
  const chosenOption = guide.status === 'ready' ? guide.options[guide.chosen] : undefined;
  const chosenLot = chosenOption ? (liveLots.get(chosenOption.lot.id) ?? chosenOption.lot) : null;
  // Only the position matters here: a count change on the chosen lot must not move the map.
  const chosenLat = chosenLot?.lat;
  const chosenLng = chosenLot?.lng;
  useEffect(() => {
    if (!guide.destination || guide.status !== 'ready') return;
    const points = [guide.destination];
    if (chosenLat !== undefined && chosenLng !== undefined) points.push({ lat: chosenLat, lng: chosenLng });
    fly({ kind: 'bounds', points, maxZoom: UNCLUSTER_ZOOM });
  }, [guide.destination, guide.status, chosenLat, chosenLng, fly]);
  return chosenLot;
}
