// What the panel shows when nothing is selected: the city at a glance and the way into "guide me".
import { useI18n } from '../i18n.ts';
import type { LoadStatus } from '../hooks/useLots.ts';
import type { Lot } from '../types.ts';
import { Notice } from './Notice.tsx';

interface Props {
  lots: ReadonlyMap<string, Lot>;
  status: LoadStatus;
  onRetry: () => void;
  onGuide: () => void;
}

export function HomePanel({ lots, status, onRetry, onGuide }: Props) {
  const { t } = useI18n();
  let free = 0;
  for (const lot of lots.values()) free += lot.free;
  return (
    <section className="home">
      {status.state === 'error' && <Notice message={t('loadFailed', { msg: status.error ?? '' })} onRetry={onRetry} />}
      {status.state === 'loading' && <p className="muted">{t('loading')}</p>}
      {status.state === 'ready' && (
        <div className="home__summary">
          <strong data-testid="city-free">{free.toLocaleString()}</strong>
          <span>{t('cityFree')}</span>
          <span className="muted">{t('lotsCount', { n: lots.size })}</span>
        </div>
      )}
      <button type="button" className="btn btn--primary btn--block" onClick={onGuide}>
        {t('guideMe')}
      </button>
      <p className="muted">{t('homeHint')}</p>
    </section>
  );
}
