// Occupancy and entries by lot-local hour of day: two charts on one hour axis (their units differ,
// so they do not share a scale).
import { fillHours } from '../../analytics.ts';
import { formatPercent } from '../../format.ts';
import { useI18n } from '../../i18n.ts';
import type { HourAnalytics } from '../../types.ts';
import { BarChart } from './BarChart.tsx';

export function HourlyChart({ hourly }: { hourly: readonly HourAnalytics[] }) {
  const { t } = useI18n();
  const hours = fillHours(hourly);
  const categories = hours.map((h) => t('opHour', { h: h.hour }));
  return (
    <section className="card" data-testid="hourly-chart">
      <h2>{t('opHourlyTitle')}</h2>
      {hours.every((h) => h.avgOccupancy === null) && <p className="muted small">{t('opNoOccupancy')}</p>}
      <BarChart
        title={t('opOccupancy')}
        categories={categories}
        series={[{ key: 'occupancy', label: t('opOccupancy'), className: 'bar--occupancy', values: hours.map((h) => h.avgOccupancy) }]}
        format={(v) => formatPercent(v)}
        max={1}
        labelEvery={3}
        categoryHeading={t('opColHour')}
        testId="chart-occupancy"
      />
      <BarChart
        title={t('opEntries')}
        categories={categories}
        series={[{ key: 'entries', label: t('opEntries'), className: 'bar--entries', values: hours.map((h) => h.entries) }]}
        format={(v) => (v === null ? '—' : String(v))}
        integer
        labelEvery={3}
        categoryHeading={t('opColHour')}
        testId="chart-entries"
      />
    </section>
  );
}
