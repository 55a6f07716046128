// The map: base tiles, street lines, lot markers and the guide overlay. Tiles are decoration only;
// if they fail to load the plain container background shows through and everything else works.
import { useCallback } from 'react';
import { MapContainer, TileLayer } from 'react-leaflet';
import { lotName, useI18n } from '../i18n.ts';
import type { LatLng, Lot, MapConfig } from '../types.ts';
import { FlyController, type FlyTarget } from './FlyController.tsx';
import { GuideOverlay } from './GuideOverlay.tsx';
import { LotMarkerLayer } from './LotMarkerLayer.tsx';
import { MapClickPicker } from './MapClickPicker.tsx';
import { MapResizeWatcher } from './MapResizeWatcher.tsx';
import { StreetLayer } from './StreetLayer.tsx';

interface Props {
  config: MapConfig;
  lots: ReadonlyMap<string, Lot>;
  selectedId: string | null;
  chosenLot: Lot | null;
  /** The chance of a space on arrival at the chosen lot, as the guidance list words it; null: none. */
  chosenChance: string | null;
  destination: LatLng | null;
  picking: boolean;
  flyTarget: FlyTarget | null;
  onSelect: (lotId: string) => void;
  onPick: (at: LatLng) => void;
}

const OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';

export function MapView({ config, lots, selectedId, chosenLot, chosenChance, destination, picking, flyTarget, onSelect, onPick }: Props) {
  const { lang, t } = useI18n();
  const nameOf = useCallback((lot: Lot) => lotName(lot, lang), [lang]);
  const titleOf = useCallback((lot: Lot) => t('markerTitle', { name: lotName(lot, lang), free: lot.free }), [lang, t]);
  const chosenId = chosenLot?.id ?? null;

  return (
    <MapContainer
      className="map"
      center={[config.center.lat, config.center.lng]}
      zoom={config.zoom}
      minZoom={9}
      maxZoom={19}
    >
      <TileLayer
        url={config.tileUrl}
        maxZoom={19}
        attribution={config.tileUrl.includes('openstreetmap') ? OSM_ATTRIBUTION : undefined}
      />
      <StreetLayer lots={lots} selectedId={selectedId} chosenId={chosenId} nameOf={nameOf} onSelect={onSelect} />
      <LotMarkerLayer lots={lots} selectedId={selectedId} chosenId={chosenId} titleOf={titleOf} onSelect={onSelect} />
      <GuideOverlay destination={destination} chosen={chosenLot} chanceText={chosenChance} />
      <MapClickPicker enabled={picking} onPick={onPick} />
      <FlyController target={flyTarget} />
      <MapResizeWatcher />
    </MapContainer>
  );
}
