// Invoiced and collected per lot-local day, in integer fen on one scale.
import { fillDays } from '../../analytics.ts';
import { useI18n } from '../../i18n.ts';
import { formatFen } from '../../money.ts';
import type { Analytics } from '../../types.ts';
import { BarChart } from './BarChart.tsx';

export function DailyRevenueChart({ analytics }: { analytics: Analytics }) {
  const { t } = useI18n();
  const days = fillDays(analytics.daily, analytics.from, analytics.to);
  return (
    <section className="card" data-testid="daily-chart">
      <h2>{t('opDailyTitle')}</h2>
      <BarChart
        title={t('opDailyTitle')}
        categories={days.map((d) => d.day.slice(5))}
        series={[
          { key: 'invoiced', label: t('opFigInvoiced'), className: 'bar--invoiced', values: days.map((d) => d.invoicedFen) },
          { key: 'paid', label: t('opFigPaid'), className: 'bar--paid', values: days.map((d) => d.paidFen) },
        ]}
        // Integer fen throughout: the scale's top is a round number of fen, and `integer` leaves out
        // a middle gridline that would fall between two fen.
        format={(v) => (v === null ? '—' : formatFen(v))}
        integer
        labelEvery={Math.max(1, Math.ceil(days.length / 10))}
        categoryHeading={t('opColDay')}
        showTitle={false}
        testId="chart-daily"
      />
    </section>
  );
}
