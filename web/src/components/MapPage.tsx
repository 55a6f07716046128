// The drivers' map page (route `#/`, the default): wires config, live state, stream, selection and
// "guide me" together.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { fetchConfig, STREAM_URL } from '../api.ts';
import { Header } from './Header.tsx';
import { GuidePanel } from './GuidePanel.tsx';
import { HomePanel } from './HomePanel.tsx';
import { LotDetails } from './LotDetails.tsx';
import { MapLegend } from './MapLegend.tsx';
import { Notice } from './Notice.tsx';
import { SearchBox } from './SearchBox.tsx';
import { SidePanel } from './SidePanel.tsx';
import { useGuide } from '../hooks/useGuide.ts';
import { useLotDetails } from '../hooks/useLotDetails.ts';
import { useLots } from '../hooks/useLots.ts';
import { useStream } from '../hooks/useStream.ts';
import { useI18n } from '../i18n.ts';
import type { FlyRequest, FlyTarget } from '../map/FlyController.tsx';
import { UNCLUSTER_ZOOM } from '../map/LotMarkerLayer.tsx';
import { MapView } from '../map/MapView.tsx';
import { initialLive, liveReducer } from '../state.ts';
import type { AvailabilityEvent, LatLng, Lot, MapConfig } from '../types.ts';

// Used only if /api/v1/config fails, so the map still opens on Zhengzhou (the API's own defaults).
const FALLBACK_CONFIG: MapConfig = {
  tileUrl: 'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png',
  center: { lat: 34.7466, lng: 113.6253 },
  zoom: 13,
};

const GUIDE_LIMIT = 5;

export function MapPage() {
  const { t } = useI18n();
  const [config, setConfig] = useState<MapConfig | null>(null);
  const [configError, setConfigError] = useState<string | null>(null);
  const [live, dispatch] = useReducer(liveReducer, initialLive);
  const lots = useLots(dispatch);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const details = useLotDetails(selectedId, dispatch);
  const [guideOpen, setGuideOpen] = useState(false);
  const { guide, setDestination, locate, choose, clear } = useGuide(GUIDE_LIMIT);
  const [sheetOpen, setSheetOpen] = useState(true);
  const [flyTarget, setFlyTarget] = useState<FlyTarget | null>(null);
  const flySeq = useRef(0);

  useEffect(() => {
    const ac = new AbortController();
    fetchConfig(ac.signal)
      .then(setConfig)
      .catch((err: unknown) => {
        if (ac.signal.aborted) return;
        setConfigError(err instanceof Error ? err.message : String(err));
        setConfig(FALLBACK_CONFIG);
      });
    return () => ac.abort();
  }, []);

  // Two streams: lot counts for the whole map (no bay changes: a city's worth would be most of
  // the traffic), and, while a lot is open, one that carries that lot's bay changes as well.
  // On (re)connect, changes sent while away are lost, so each resyncs with one fetch — unless a
  // fetch is already under way, whose answer is as fresh as this moment.
  const onAvailability = useCallback((event: AvailabilityEvent) => dispatch({ type: 'availability', event }), []);
  const stream = useStream(`${STREAM_URL}?bays=none`, onAvailability, () => {
    if (!lots.loading()) lots.reload();
  });
  useStream(selectedId ? `${STREAM_URL}?bays=${encodeURIComponent(selectedId)}` : null, onAvailability, () => {
    if (!details.loading()) details.reload();
  });

  const fly = useCallback((request: FlyRequest) => {
    setFlyTarget({ ...request, seq: ++flySeq.current });
  }, []);

  const selectLot = useCallback((id: string) => {
    setSelectedId(id);
    setSheetOpen(true);
  }, []);

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

  // Show the destination and the chosen lot together whenever guidance arrives or the pick changes.
  const chosenOption = guide.status === 'ready' ? guide.options[guide.chosen] : undefined;
  const chosenLot = chosenOption ? (live.lots.get(chosenOption.lot.id) ?? chosenOption.lot) : null;
  const chosenLat = chosenLot?.lat;
  const chosenLng = chosenLot?.lng;
  useEffect(() => {
    if (!guide.destination || guide.status !== 'ready') return;
    const points = [guide.destination];
    if (chosenLat !== undefined && chosenLng !== undefined) points.push({ lat: chosenLat, lng: chosenLng });
    fly({ kind: 'bounds', points, maxZoom: UNCLUSTER_ZOOM });
  }, [guide.destination, guide.status, chosenLat, chosenLng, fly]);

  const selectedLot = selectedId ? (live.lots.get(selectedId) ?? null) : null;
  const bays = selectedId && live.details?.lotId === selectedId ? live.details.bays : null;

  let panel;
  if (selectedId) {
    panel = (
      <LotDetails
        lotId={selectedId}
        lot={selectedLot}
        bays={bays}
        status={details.status}
        backToGuide={guideOpen}
        onClose={() => setSelectedId(null)}
        onRetry={details.reload}
      />
    );
  } else if (guideOpen) {
    panel = (
      <GuidePanel
        guide={guide}
        liveLots={live.lots}
        onLocate={locate}
        onChoose={choose}
        onDetails={selectLot}
        onRetry={() => guide.destination && setDestination(guide.destination)}
        onClose={toggleGuide}
      />
    );
  } else {
    panel = <HomePanel lots={live.lots} status={lots.status} onRetry={lots.reload} onGuide={toggleGuide} />;
  }

  return (
    <div className="app">
      <Header route="map" stream={stream} guideOpen={guideOpen} onGuide={toggleGuide} />
      <main className="main">
        <div className={`map-wrap${guideOpen && !selectedId ? ' is-picking' : ''}`}>
          {config ? (
            <MapView
              config={config}
              lots={live.lots}
              selectedId={selectedId}
              chosenLot={guideOpen ? chosenLot : null}
              destination={guideOpen ? guide.destination : null}
              picking={guideOpen && !selectedId}
              flyTarget={flyTarget}
              onSelect={selectLot}
              onPick={pickDestination}
            />
          ) : (
            <div className="map map--loading">{t('loading')}</div>
          )}
          <MapLegend />
        </div>
        <SidePanel
          open={sheetOpen}
          onToggle={() => setSheetOpen((o) => !o)}
          top={<SearchBox liveLots={live.lots} onPick={pickFromSearch} />}
        >
          {configError && <Notice message={t('loadFailed', { msg: configError })} />}
          {panel}
        </SidePanel>
      </main>
    </div>
  );
}
