// "导航找车位 / Guide me": pick a destination, see ranked lots, hand off to Amap or Baidu.
import type { GuideState } from '../hooks/useGuide.ts';
import { useI18n } from '../i18n.ts';
import type { Lot } from '../types.ts';
import { GuideOptionItem } from './GuideOptionItem.tsx';
import { Notice } from './Notice.tsx';

interface Props {
  guide: GuideState;
  liveLots: ReadonlyMap<string, Lot>;
  onLocate: () => void;
  onChoose: (index: number) => void;
  onDetails: (lotId: string) => void;
  onRetry: () => void;
  onClose: () => void;
}

export function GuidePanel({ guide, liveLots, onLocate, onChoose, onDetails, onRetry, onClose }: Props) {
  const { t } = useI18n();
  const { destination, status, options, chosen, error } = guide;

  let errorText: string | null = null;
  if (error?.kind === 'geo-unsupported') errorText = t('geoUnsupported');
  else if (error?.kind === 'geo') errorText = t('geoFailed', { msg: error.message });
  else if (error?.kind === 'api') errorText = t('loadFailed', { msg: error.message });

  return (
    <section className="guide" data-testid="guide-panel" data-state={status}>
      <div className="section-head">
        <button type="button" className="icon-btn" onClick={onClose} aria-label={t('close')} title={t('close')}>
          ×
        </button>
        <div className="section-head__text">
          <h2>{t('guideTitle')}</h2>
        </div>
      </div>

      <p className="guide__hint">{t('guideHint')}</p>
      <div className="guide__controls">
        <button type="button" className="btn" data-testid="guide-locate" onClick={onLocate} disabled={status === 'locating'}>
          ◎ {status === 'locating' ? t('locating') : t('useMyLocation')}
        </button>
        {destination && (
          <span className="guide__dest muted" data-testid="guide-destination-label">
            {t('destination')}: {destination.lat.toFixed(5)}, {destination.lng.toFixed(5)}
          </span>
        )}
      </div>

      {errorText && <Notice message={errorText} onRetry={error?.kind === 'api' ? onRetry : undefined} />}
      {status === 'loading' && <p className="muted">{t('finding')}</p>}
      {status === 'ready' && options.length === 0 && <p className="muted">{t('noOptions')}</p>}
      {options.length > 0 && (
        <>
          <h3>{t('recommended')}</h3>
          <ol className="guide__options">
            {options.map((option, i) => (
              <GuideOptionItem
                key={option.lot.id}
                option={option}
                lot={liveLots.get(option.lot.id) ?? option.lot}
                rank={i + 1}
                chosen={i === chosen}
                onChoose={() => onChoose(i)}
                onDetails={() => onDetails(option.lot.id)}
              />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
