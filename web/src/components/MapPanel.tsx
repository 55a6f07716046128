// The map page's side panel body: the selected lot, else "guide me" while it is open, else the
// city at a glance.
import type { GuideState } from '../hooks/useGuide.ts';
import type { LoadStatus } from '../hooks/useLots.ts';
import type { LiveState } from '../state.ts';
import { GuidePanel } from './GuidePanel.tsx';
import { HomePanel } from './HomePanel.tsx';
import { LotDetails } from './LotDetails.tsx';

interface Props {
  live: LiveState;
  lotsStatus: LoadStatus;
  onRetryLots: () => void;
  selectedId: string | null;
  detailsStatus: LoadStatus;
  onRetryDetails: () => void;
  onSelect: (lotId: string) => void;
  onCloseLot: () => void;
  guideOpen: boolean;
  guide: GuideState;
  onLocate: () => void;
  onChoose: (index: number) => void;
  onRetryGuide: () => void;
  onToggleGuide: () => void;
}

export function MapPanel(props: Props) {
  const { live, selectedId, guideOpen, guide } = props;
  if (selectedId) {
    const lot = live.lots.get(selectedId) ?? null;
    const bays = live.details?.lotId === selectedId ? live.details.bays : null;
    return (
      <LotDetails
        lotId={selectedId}
        lot={lot}
        bays={bays}
        status={props.detailsStatus}
        backToGuide={guideOpen}
        onClose={props.onCloseLot}
        onRetry={props.onRetryDetails}
      />
    );
  }
  if (guideOpen) {
    return (
      <GuidePanel
        guide={guide}
        liveLots={live.lots}
        onLocate={props.onLocate}
        onChoose={props.onChoose}
        onDetails={props.onSelect}
        onRetry={props.onRetryGuide}
        onClose={props.onToggleGuide}
      />
    );
  }
  return <HomePanel lots={live.lots} status={props.lotsStatus} onRetry={props.onRetryLots} onGuide={props.onToggleGuide} />;
}
