// A bar chart in plain HTML and CSS (no chart library): one or more series on one scale, a slot per
// category, each bar titled with its figure; text stays at its real size on any screen. The same
// figures follow as a table, for screen readers and copying.
import { niceMax } from '../../analytics.ts';
import { useI18n } from '../../i18n.ts';

export interface BarSeries {
  key: string;
  label: string;
  /** CSS class that colours the bars (styles.css `.bar--…`). */
  className: string;
  values: readonly (number | null)[];
}

interface Props {
  title: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  format: (v: number | null) => string;
  /** Top of the scale; default a round number at or above the largest value. */
  max?: number;
  /** Counts and fen: no gridline at a fraction. */
  integer?: boolean;
  /** Label every n-th category under the axis (all of them in the table). */
  labelEvery?: number;
  /** Heading of the table's category column. */
  categoryHeading: string;
  /** Show the title above the chart (off when the card's heading already says it). */
  showTitle?: boolean;
  testId: string;
}

/** The part of the props the plot and the table share. */
interface Figures {
  categories: readonly string[];
  series: readonly BarSeries[];
  format: (v: number | null) => string;
}

export function BarChart({ title, categories, series, format, max, integer = false, labelEvery = 1, categoryHeading, showTitle = true, testId }: Props) {
  const top = max ?? niceMax(series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const figures = { categories, series, format };

  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart__head">
        {showTitle ? <strong>{title}</strong> : <span />}
        <span className="chart__legend">
          {series.map((s) => (
            <span key={s.key}>
              <span className={`chart__swatch ${s.className}`} aria-hidden="true" /> {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <ChartPlot {...figures} title={title} top={top} integer={integer} labelEvery={labelEvery} testId={testId} />
      <ChartTable {...figures} categoryHeading={categoryHeading} />
    </figure>
  );
}

interface PlotProps extends Figures {
  title: string;
  /** Top of the scale. */
  top: number;
  integer: boolean;
  labelEvery: number;
  testId: string;
}

/** The bars, their y-axis and gridlines, and the category labels under them. */
function ChartPlot({ categories, series, format, title, top, integer, labelEvery, testId }: PlotProps) {
  const ticks = [top, top / 2, 0].filter((v) => !integer || Number.isInteger(v));
  const pct = (v: number) => `${(Math.min(v, top) / top) * 100}%`;

  // The drawing is one image to assistive technology; the table below carries the figures.
  return (
    <div className="chart__plot" role="img" aria-label={title}>
      <div className="chart__yaxis" aria-hidden="true">
        {ticks.map((v) => (
          <span key={v} style={{ bottom: pct(v) }}>
            {format(v)}
          </span>
        ))}
      </div>
      <div className="chart__area">
        {ticks.map((v) => (
          <span key={v} className="chart__grid" style={{ bottom: pct(v) }} aria-hidden="true" />
        ))}
        {categories.map((c, i) => (
          <div key={c} className="chart__slot">
            {series.map((s) => {
              const v = s.values[i];
              return (
                <span
                  key={s.key}
                  className={`bar ${s.className}`}
                  style={{ height: v ? pct(v) : 0 }}
                  title={`${c} · ${s.label}: ${format(v ?? null)}`}
                  data-testid={v ? `${testId}-bar` : undefined}
                  data-series={s.key}
                  data-category={c}
                  data-value={v ?? ''}
                />
              );
            })}
          </div>
        ))}
      </div>
      <div className="chart__xaxis" aria-hidden="true">
        {categories.map((c, i) => (
          <span key={c}>{i % labelEvery === 0 ? c : ''}</span>
        ))}
      </div>
    </div>
  );
}

/** The same figures as a table, folded away: for screen readers and copying. */
function ChartTable({ categories, series, format, categoryHeading }: Figures & { categoryHeading: string }) {
  const { t } = useI18n();
  return (
    <details className="chart__data">
      <summary>{t('opShowData')}</summary>
      <div className="table-wrap">
        <table className="data-table data-table--compact">
          <thead>
            <tr>
              <th scope="col">{categoryHeading}</th>
              {series.map((s) => (
                <th key={s.key} scope="col" className="num">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {categories.map((c, i) => (
              <tr key={c}>
                <th scope="row">{c}</th>
                {series.map((s) => (
                  <td key={s.key} className="num">
                    {format(s.values[i] ?? null)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
