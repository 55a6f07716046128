// The drivers' map page (route `#/`, the default): wires config, live state, stream, selection and
// "guide me" together. Each concern is a hook of its own (hooks/); this file only joins them.
import { useCallback, useReducer } from 'react';
import { chancePercent } from './ArrivalChance.tsx';
import { Header } from './Header.tsx';
import { MapLegend } from './MapLegend.tsx';
import { MapPanel } from './MapPanel.tsx';
import { Notice } from './Notice.tsx';
import { SearchBox } from './SearchBox.tsx';
import { SidePanel } from './SidePanel.tsx';
import { useChosenLot } from '../hooks/useChosenLot.ts';
import { useFly } from '../hooks/useFly.ts';
import { useGuide } from '../hooks/useGuide.ts';
import { useLiveStreams } from '../hooks/useLiveStreams.ts';
import { useLotDetails } from '../hooks/useLotDetails.ts';
import { useLots } from '../hooks/useLots.ts';
import { useMapConfig } from '../hooks/useMapConfig.ts';
import { useMapSelection } from '../hooks/useMapSelection.ts';
import { useI18n } from '../i18n.ts';
import { MapView } from '../map/MapView.tsx';
import { initialLive, liveReducer } from '../state.ts';

const GUIDE_LIMIT = 5;

export function MapPage() {
  const { t } = useI18n();
  const [live, dispatch] = useReducer(liveReducer, initialLive);
  const lots = useLots(dispatch);
  const { guide, setDestination, locate, choose, clear } = useGuide(GUIDE_LIMIT);
  const { flyTarget, fly } = useFly();
  const view = useMapSelection({ setDestination, clear }, fly);
  const { selectedId, guideOpen } = view;
  const details = useLotDetails(selectedId, dispatch);
  const { config, error: configError } = useMapConfig();
  const stream = useLiveStreams(selectedId, dispatch, lots, details);
  const chosenLot = useChosenLot(guide, live.lots, fly);
  const retryGuide = useCallback(() => {
    if (guide.destination) setDestination(guide.destination);
  }, [guide.destination, setDestination]);
  const picking = guideOpen && !selectedId;
  const chosenOption = guide.status === 'ready' ? guide.options[guide.chosen] : undefined;
  const chosenChance = guideOpen && chosenOption?.chanceOfSpace != null ? t('chanceOnArrival', { p: chancePercent(chosenOption.chanceOfSpace) }) : null;

  return (
    <div className="app">
      <Header route="map" stream={stream} guideOpen={guideOpen} onGuide={view.toggleGuide} />
      <main className="main">
        <div className={`map-wrap${picking ? ' is-picking' : ''}`}>
          {config ? (
            <MapView
              config={config}
              lots={live.lots}
              selectedId={selectedId}
              chosenLot={guideOpen ? chosenLot : null}
              chosenChance={chosenChance}
              destination={guideOpen ? guide.destination : null}
              picking={picking}
              flyTarget={flyTarget}
              onSelect={view.selectLot}
              onPick={view.pickDestination}
            />
          ) : (
            <div className="map map--loading">{t('loading')}</div>
          )}
          <MapLegend />
        </div>
        <SidePanel open={view.sheetOpen} onToggle={view.toggleSheet} top={<SearchBox liveLots={live.lots} onPick={view.pickFromSearch} />}>
          {configError && <Notice message={t('loadFailed', { msg: configError })} />}
          <MapPanel
            live={live}
            lotsStatus={lots.status}
            onRetryLots={lots.reload}
            selectedId={selectedId}
            detailsStatus={details.status}
            onRetryDetails={details.reload}
            onSelect={view.selectLot}
            onCloseLot={view.closeLot}
            guideOpen={guideOpen}
            guide={guide}
            onLocate={locate}
            onChoose={choose}
            onRetryGuide={retryGuide}
            onToggleGuide={view.toggleGuide}
          />
        </SidePanel>
      </main>
    </div>
  );
}
