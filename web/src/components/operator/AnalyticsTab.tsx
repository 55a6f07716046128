// Analytics for decisions: a range (last 24 h, 7 or 30 days) and an optional lot; totals as figure
// cards, occupancy and entries by hour of day, revenue by day, and a sortable table by lot.
import { useCallback, useState } from 'react';
import { rangeFor, type RangePreset } from '../../analytics.ts';
import { fetchAnalytics } from '../../api.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { timeZoneText } from '../../server-texts.ts';
import { Notice } from '../Notice.tsx';
import { AnalyticsControls } from './AnalyticsControls.tsx';
import type { SectionProps } from './console.ts';
import { DailyRevenueChart } from './DailyRevenueChart.tsx';
import { FigureCards } from './FigureCards.tsx';
import { HourlyChart } from './HourlyChart.tsx';
import { LotTable } from './LotTable.tsx';

export function AnalyticsTab({ token, onExpired, lots }: SectionProps) {
  const { t, lang } = useI18n();
  const [preset, setPreset] = useState<RangePreset>('7d');
  // The instants are fixed when the range is chosen (or refreshed), not on every render.
  const [range, setRange] = useState(() => rangeFor('7d', Date.now()));
  const [lotId, setLotId] = useState('');
  const load = useCallback((signal: AbortSignal) => fetchAnalytics(token, { ...range, lotId: lotId || null }, signal), [token, range, lotId]);
  const analytics = useOperatorQuery(load, onExpired);
  const a = analytics.data;

  const choose = (p: RangePreset) => {
    setPreset(p);
    setRange(rangeFor(p, Date.now()));
  };

  return (
    <div className="op-section" aria-busy={analytics.loading} data-testid="analytics" data-loading={analytics.loading}>
      <AnalyticsControls
        preset={preset}
        onPreset={choose}
        lotId={lotId}
        onLot={setLotId}
        lots={lots}
        loading={analytics.loading}
        onRefresh={() => setRange(rangeFor(preset, Date.now()))}
      />
      {analytics.error && <Notice message={t('loadFailed', { msg: analytics.error })} onRetry={() => void analytics.reload()} />}
      {!a ? (
        !analytics.error && <p className="muted">{t('loading')}</p>
      ) : (
        <>
          <FigureCards totals={a.totals} />
          <p className="muted small">{t('opTimeZoneNote', { tz: timeZoneText(a.timeZone, lang) })}</p>
          <HourlyChart hourly={a.hourly} />
          <DailyRevenueChart analytics={a} />
          {a.byLot.length === 0 ? <p className="muted">{t('opNoData')}</p> : <LotTable lots={a.byLot} />}
        </>
      )}
    </div>
  );
}
