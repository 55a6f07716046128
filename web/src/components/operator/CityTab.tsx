// The city view (issue 15): the city's parking over a typical day as pictures — a heat map of
// occupancy with a time slider, the streets and lots full most often, and arrivals turned away by
// district. The city sees every lot, an operator its own (the route is scoped: core/tenancy.ts).
import { useCallback } from 'react';
import { fetchCityView } from '../../api.ts';
import { fullMostOften } from '../../city-view.ts';
import { formatPercent } from '../../format.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { districtName, lotName, useI18n } from '../../i18n.ts';
import { timeZoneText } from '../../server-texts.ts';
import type { CityView } from '../../types.ts';
import { Notice } from '../Notice.tsx';
import { BarChart } from './BarChart.tsx';
import { CityHeatMap } from './CityHeatMap.tsx';
import type { SectionProps } from './console.ts';

const DAYS = 28;

function CityCharts({ view }: { view: CityView }) {
  const { t, lang } = useI18n();
  const full = fullMostOften(view.lots);
  return (
    <>
      <section className="card" data-testid="city-full">
        <h2>{t('cityFullTitle')}</h2>
        <p className="muted small">{t('cityFullNote')}</p>
        {full.length === 0 ? <p className="muted">{t('cityNoOccupancy')}</p> : (
          <BarChart title={t('cityFullShare')} showTitle={false} categories={full.map((l) => lotName(l, lang))}
            series={[{ key: 'full', label: t('cityFullShare'), className: 'bar--occupancy', values: full.map((l) => l.fullShare) }]}
            format={(v) => formatPercent(v, 1)} categoryHeading={t('cityLot')} testId="chart-full" />
        )}
      </section>
      <section className="card" data-testid="city-away">
        <h2>{t('cityAwayTitle')}</h2>
        <p className="muted small">{t('cityAwayNote')}</p>
        {view.turnedAway.length === 0 ? <p className="muted">{t('cityNoAway')}</p> : (
          <BarChart title={t('cityAway')} showTitle={false} categories={view.turnedAway.map((d) => districtName(d.district, lang))}
            series={[{ key: 'away', label: t('cityAway'), className: 'bar--entries', values: view.turnedAway.map((d) => d.arrivals) }]}
            format={(v) => (v === null ? '—' : String(v))} integer categoryHeading={t('cityDistrict')} testId="chart-away" />
        )}
      </section>
    </>
  );
}

export function CityTab({ token, onExpired }: SectionProps) {
  const { t, lang } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchCityView(token, DAYS, signal), [token]);
  const view = useOperatorQuery(load, onExpired);
  const v = view.data;
  return (
    <div className="op-section" aria-busy={view.loading} data-testid="city" data-loading={view.loading}>
      <section className="card">
        <h2>{t('cityTitle')}</h2>
        <p className="muted">{t('cityIntro', { days: DAYS })}</p>
        {v && <p className="muted small">{t('opTimeZoneNote', { tz: timeZoneText(v.timeZone, lang) })}</p>}
      </section>
      {view.error && <Notice message={t('loadFailed', { msg: view.error })} onRetry={() => void view.reload()} />}
      {!v ? (!view.error && <p className="muted">{t('loading')}</p>) : (
        <>
          {v.lots.every((l) => l.weekday.every((x) => x === null) && l.weekend.every((x) => x === null)) && <p className="muted">{t('cityNoOccupancy')}</p>}
          <CityHeatMap lots={v.lots} />
          <CityCharts view={v} />
        </>
      )}
    </div>
  );
}
