// Each bay's state and since when, as the API and then the stream report it.
import { formatAgo, formatClock } from '../format.ts';
import { useI18n, type StringKey } from '../i18n.ts';
import type { Bay } from '../types.ts';

type BayState = 'free' | 'occupied' | 'unknown';

const stateOf = (bay: Bay): BayState => (bay.occupied === null ? 'unknown' : bay.occupied ? 'occupied' : 'free');

const LABEL: Record<BayState, StringKey> = { free: 'bayFree', occupied: 'bayOccupied', unknown: 'bayUnknown' };

/** "ZZ-JS-S001-03" in lot "ZZ-JS-S001" reads as "03". */
const shortCode = (code: string, lotId: string) => (code.startsWith(`${lotId}-`) ? code.slice(lotId.length + 1) : code);

export function BayList({ lotId, bays, now }: { lotId: string; bays: readonly Bay[]; now: number }) {
  const { t, lang } = useI18n();
  if (bays.length === 0) return <p className="muted">{t('noBays')}</p>;
  return (
    <ul className="bays" data-testid="bay-list">
      {bays.map((bay) => {
        const state = stateOf(bay);
        return (
          <li key={bay.code} className={`bay is-${state}`} data-testid="bay" data-bay-code={bay.code} data-state={state}>
            <span className="bay__dot" aria-hidden="true" />
            <span className="bay__code" title={bay.code}>
              {shortCode(bay.code, lotId)}
            </span>
            <span className="bay__state">{t(LABEL[state])}</span>
            <span className="bay__since">
              {bay.since &&
                t('since', { t: `${formatClock(bay.since, lang)} · ${formatAgo(bay.since, lang, now, t('justNow'))}` })}
            </span>
            <span className="bay__tags">
              {bay.accessible && (
                <span className="tag" title={t('accessible')} aria-label={t('accessible')}>
                  ♿
                </span>
              )}
              {bay.evCharging && (
                <span className="tag" title={t('evCharging')} aria-label={t('evCharging')}>
                  ⚡
                </span>
              )}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
