// A bar chart in plain SVG: one or more series on one scale, a bar per category and series, each
// bar titled with its figure. The same figures follow as a table for screen readers and copying.
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
  /** Top of the scale; default a round number above the largest value. */
  max?: number;
  /** Label every n-th category under the axis (all of them in the table). */
  labelEvery?: number;
  /** Heading of the table's category column. */
  categoryHeading: string;
  testId: string;
}

const W = 720;
const H = 180;
const PAD = { left: 64, right: 8, top: 10, bottom: 22 };

export function BarChart({ title, categories, series, format, max, labelEvery = 1, categoryHeading, testId }: Props) {
  const { t } = useI18n();
  const top = max ?? niceMax(series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, categories.length);
  const barW = (slot * 0.8) / Math.max(1, series.length);
  const y = (v: number) => PAD.top + plotH - (Math.min(v, top) / top) * plotH;

  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart__head">
        <strong>{title}</strong>
        <span className="chart__legend">
          {series.map((s) => (
            <span key={s.key}>
              <span className={`chart__swatch ${s.className}`} aria-hidden="true" /> {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <svg className="chart__svg" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line className="chart__grid" x1={PAD.left} x2={W - PAD.right} y1={y(top * f)} y2={y(top * f)} />
            <text className="chart__axis" x={PAD.left - 6} y={y(top * f) + 4} textAnchor="end">
              {format(top * f)}
            </text>
          </g>
        ))}
        {categories.map((c, i) => (
          <g key={c}>
            {series.map((s, j) => {
              const v = s.values[i];
              if (v === null || v === undefined || v <= 0) return null;
              const x = PAD.left + i * slot + slot * 0.1 + j * barW;
              return (
                <rect key={s.key} className={`bar ${s.className}`} x={x} y={y(v)} width={Math.max(1, barW - 1)} height={PAD.top + plotH - y(v)} data-testid={`${testId}-bar`} data-series={s.key} data-category={c} data-value={v}>
                  <title>{`${c} · ${s.label}: ${format(v)}`}</title>
                </rect>
              );
            })}
            {i % labelEvery === 0 && (
              <text className="chart__axis" x={PAD.left + i * slot + slot / 2} y={H - 6} textAnchor="middle">
                {c}
              </text>
            )}
          </g>
        ))}
      </svg>
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
    </figure>
  );
}
