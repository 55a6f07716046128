// The selected lot: names, kind, live counts, last update, its fees and its bays.
import { formatAgo, formatClock } from '../format.ts';
import { districtName, lotName, useI18n } from '../i18n.ts';
import { useNow } from '../hooks/useNow.ts';
import type { LoadStatus } from '../hooks/useLots.ts';
import type { Bay, Lot } from '../types.ts';
import { AvailabilityStats } from './AvailabilityStats.tsx';
import { BayList } from './BayList.tsx';
import { LotTariffCard } from './LotTariffCard.tsx';
import { Notice } from './Notice.tsx';

interface Props {
  lotId: string;
  lot: Lot | null;
  /** null until /api/v1/lots/:id answers. */
  bays: readonly Bay[] | null;
  status: LoadStatus;
  backToGuide: boolean;
  onClose: () => void;
  onRetry: () => void;
}

export function LotDetails({ lotId, lot, bays, status, backToGuide, onClose, onRetry }: Props) {
  const { t, lang } = useI18n();
  const now = useNow();
  const other = lot ? (lang === 'zh' ? lot.nameEn : lot.name) : '';

  return (
    <section className="details" data-testid="lot-details" data-lot-id={lotId} data-free={lot?.free}>
      <div className="section-head">
        <button type="button" className="icon-btn" onClick={onClose} aria-label={t(backToGuide ? 'back' : 'close')} title={t(backToGuide ? 'back' : 'close')}>
          {backToGuide ? '←' : '×'}
        </button>
        <div className="section-head__text">
          <h2>{lot ? lotName(lot, lang) : lotId}</h2>
          {lot && other && other !== lotName(lot, lang) && <p className="muted">{other}</p>}
        </div>
      </div>

      {lot && (
        <>
          <p className="details__meta">
            <span className={`kind-chip kind-${lot.kind}`}>{t(`kind_${lot.kind}`)}</span>
            <span>{districtName(lot.district, lang)}</span>
            <span className="muted">{lot.id}</span>
          </p>
          {lot.address && <p className="details__address">{lot.address}</p>}
          <AvailabilityStats lot={lot} />
          <p className="details__updated muted" data-testid="lot-updated">
            {lot.updatedAt
              ? t('updated', { t: `${formatClock(lot.updatedAt, lang)} (${formatAgo(lot.updatedAt, lang, now, t('justNow'))})` })
              : t('neverUpdated')}
          </p>
        </>
      )}

      <LotTariffCard lotId={lotId} />

      <h3>{t('bays')}</h3>
      {status.state === 'error' && <Notice message={t('loadFailed', { msg: status.error ?? '' })} onRetry={onRetry} />}
      {bays ? <BayList lotId={lotId} bays={bays} now={now} /> : status.state === 'loading' && <p className="muted">{t('loading')}</p>}
    </section>
  );
}
