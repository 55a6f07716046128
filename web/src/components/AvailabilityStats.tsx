// Free / occupied / unknown of capacity, as numbers and a stacked bar.
import { LEVEL_COLOR, levelOf } from '../availability.ts';
import { useI18n } from '../i18n.ts';
import type { Lot } from '../types.ts';

/** Below this share of bays on good evidence, the driver is told the counts may be off. */
const LOW_QUALITY = 0.9;

export function AvailabilityStats({ lot }: { lot: Lot }) {
  const { t } = useI18n();
  const total = Math.max(lot.capacity, lot.free + lot.occupied + lot.unknown, 1);
  const pct = (n: number) => `${(n / total) * 100}%`;
  return (
    <div className="stats">
      <div className="stats__numbers">
        <div className={`stats__free lvl-${levelOf(lot)}`}>
          <strong data-testid="lot-free">{lot.free}</strong>
          <span>{t('free')}</span>
        </div>
        <div>
          <strong data-testid="lot-occupied">{lot.occupied}</strong>
          <span>{t('occupied')}</span>
        </div>
        <div>
          <strong data-testid="lot-unknown">{lot.unknown}</strong>
          <span>{t('unknown')}</span>
        </div>
        <div className="stats__capacity">{t('capacity', { n: lot.capacity })}</div>
      </div>
      {lot.dataQuality !== null && (
        // How far to trust the counts: the share of bays on fresh, consistent evidence (API dataQuality).
        <div className={`stats__quality${lot.dataQuality < LOW_QUALITY ? ' stats__quality--low' : ''}`} data-testid="lot-quality"
          title={t('dataQualityHint')}>
          {t('dataQuality', { pct: Math.round(lot.dataQuality * 100) })}
          {lot.dataQuality < LOW_QUALITY && <span> · {t('dataQualityLow')}</span>}
        </div>
      )}
      <div className="stats__bar" aria-hidden="true">
        <span style={{ width: pct(lot.free), background: LEVEL_COLOR.high }} />
        <span style={{ width: pct(lot.occupied), background: LEVEL_COLOR.low }} />
        <span style={{ width: pct(lot.unknown), background: LEVEL_COLOR.none }} />
      </div>
    </div>
  );
}
