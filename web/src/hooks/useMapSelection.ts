// What the map page is showing: the selected lot, whether "guide me" is open, and whether the
// bottom sheet is unfolded (narrow screens). Every way into a lot or the guide unfolds the sheet.
import { useCallback, useState } from 'react';
import type { FlyRequest } from '../map/FlyController.tsx';
import { UNCLUSTER_ZOOM } from '../map/LotMarkerLayer.tsx';
import type { LatLng, Lot } from '../types.ts';

interface GuideControls {
  setDestination: (at: LatLng) => void;
  clear: () => void;
}

export function useMapSelection(guide: GuideControls, fly: (request: FlyRequest) => void) {
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [guideOpen, setGuideOpen] = useState(false);
  const [sheetOpen, setSheetOpen] = useState(true);
  const { setDestination, clear } = guide;

  const selectLot = useCallback((id: string) => {
    setSelectedId(id);
    setSheetOpen(true);
  }, []);

  const closeLot = useCallback(() => setSelectedId(null), []);

  const toggleSheet = useCallback(() => setSheetOpen((o) => !o), []);

  const pickFromSearch = useCallback(
    (lot: Lot) => {
      selectLot(lot.id);
      fly({ kind: 'point', center: { lat: lot.lat, lng: lot.lng }, zoom: UNCLUSTER_ZOOM });
    },
    [selectLot, fly],
  );

  const toggleGuide = useCallback(() => {
    if (guideOpen) {
      setGuideOpen(false);
      clear();
    } else {
      setGuideOpen(true);
      setSelectedId(null);
      setSheetOpen(true);
    }
  }, [guideOpen, clear]);

  const pickDestination = useCallback(
    (at: LatLng) => {
      setDestination(at);
      setSheetOpen(true);
    },
    [setDestination],
  );

  return { selectedId, guideOpen, sheetOpen, selectLot, closeLot, toggleSheet, pickFromSearch, toggleGuide, pickDestination };
}
