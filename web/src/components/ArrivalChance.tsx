// "约 85 % 有空位 / ~85 % chance of a space on arrival": the lot's forecast (issue 15) at the
// driver's estimated arrival, coloured by how safe a bet it is; nothing when the lot has no forecast yet.
import { formatLocalTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import type { GuidanceOption } from '../types.ts';

/** Whole percent, kept off 0 and 100: a forecast is never certain. */
export const chancePercent = (chance: number) => Math.min(99, Math.max(1, Math.round(chance * 100)));
export const chanceLevel = (chance: number) => (chance >= 0.8 ? 'good' : chance >= 0.5 ? 'fair' : 'poor');

export function ArrivalChance({ option }: { option: Pick<GuidanceOption, 'chanceOfSpace' | 'arrivalAt'> }) {
  const { t } = useI18n();
  if (option.chanceOfSpace == null) return null;
  const p = chancePercent(option.chanceOfSpace);
  return (
    <span
      className={`arrival-chance arrival-chance--${chanceLevel(option.chanceOfSpace)}`}
      data-testid="guide-chance"
      data-chance={p}
      title={t('chanceOnArrivalTitle', { time: formatLocalTime(option.arrivalAt).slice(11) })}
    >
      {t('chanceOnArrival', { p })}
    </span>
  );
}
