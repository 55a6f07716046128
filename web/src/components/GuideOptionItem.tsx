// One recommended lot: rank, live free count, walking distance, the chance of a space on arrival
// and the hand-off to a map app.
import { formatDistance } from '../format.ts';
import { districtName, lotName, useI18n } from '../i18n.ts';
import type { GuidanceOption, Lot } from '../types.ts';
import { FreeBadge } from './FreeBadge.tsx';
import { formatFen } from '../money.ts';
import { ArrivalChance } from './ArrivalChance.tsx';

interface Props {
  option: GuidanceOption;
  /** The same lot as the live stream has it now (counts move after the recommendation). */
  lot: Lot;
  rank: number;
  chosen: boolean;
  onChoose: () => void;
  onDetails: () => void;
}

export function GuideOptionItem({ option, lot, rank, chosen, onChoose, onDetails }: Props) {
  const { t, lang } = useI18n();
  const nav = option.navigation;
  return (
    <li
      className={`guide-option${chosen ? ' is-chosen' : ''}`}
      data-testid="guide-option"
      data-lot-id={lot.id}
      data-rank={rank}
      aria-current={chosen ? 'true' : undefined}
    >
      <button type="button" className="guide-option__main" onClick={onChoose}>
        <span className="guide-option__rank">{rank}</span>
        <span className="guide-option__body">
          <span className="guide-option__name">
            {lotName(lot, lang)}
            {rank === 1 && <span className="best-chip">{t('best')}</span>}
          </span>
          <span className="guide-option__meta">
            {t('walk', { d: formatDistance(option.walkingMeters, lang) })} · {t(`kind_${lot.kind}`)} · {districtName(lot.district, lang)}
            {option.priceFen != null && <span data-testid="guide-price" data-fen={option.priceFen}> · {t('priceFor2h', { price: formatFen(option.priceFen) })}</span>}
          </span>
          <ArrivalChance option={option} />
        </span>
        <FreeBadge free={lot.free} occupied={lot.occupied} />
      </button>
      <div className="guide-option__actions">
        <a className="btn btn--small" data-testid="nav-amap" href={nav.amap} target="_blank" rel="noopener noreferrer">
          {t('openAmap')}
        </a>
        <a className="btn btn--small" data-testid="nav-baidu" href={nav.baidu} target="_blank" rel="noopener noreferrer">
          {t('openBaidu')}
        </a>
        <a className="btn btn--small btn--ghost nav-geo" data-testid="nav-geo" href={nav.geo}>
          {t('openOther')}
        </a>
        <button type="button" className="btn btn--small btn--ghost" data-testid="guide-details" onClick={onDetails}>
          {t('showDetails')}
        </button>
      </div>
    </li>
  );
}
