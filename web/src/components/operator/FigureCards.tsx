// The range's totals as figure cards: parking, money (integer fen) and what waits for an operator.
import { collectionRate } from '../../analytics.ts';
import { formatPercent, formatStay } from '../../format.ts';
import { useI18n, type StringKey } from '../../i18n.ts';
import { formatFen } from '../../money.ts';
import type { AnalyticsTotals } from '../../types.ts';

interface Figure {
  key: string;
  label: StringKey;
  value: string;
  /** The raw figure, for tests and copying (fen for money). */
  raw: number | null;
  sub?: string;
  tone?: 'bad';
}

export function FigureCards({ totals }: { totals: AnalyticsTotals }) {
  const { t, lang } = useI18n();
  const rate = collectionRate(totals.paidFen, totals.invoicedFen);
  const figures: Figure[] = [
    { key: 'lots', label: 'opFigLots', value: String(totals.lots), raw: totals.lots },
    { key: 'bays', label: 'opFigBays', value: totals.bays.toLocaleString('en-US'), raw: totals.bays },
    { key: 'sessions', label: 'opFigSessions', value: String(totals.sessions), raw: totals.sessions },
    { key: 'closed', label: 'opFigClosed', value: String(totals.closed), raw: totals.closed },
    { key: 'avgStay', label: 'opFigAvgStay', value: formatStay(totals.avgStayMinutes, lang), raw: totals.avgStayMinutes },
    { key: 'invoiced', label: 'opFigInvoiced', value: formatFen(totals.invoicedFen), raw: totals.invoicedFen },
    { key: 'paid', label: 'opFigPaid', value: formatFen(totals.paidFen), raw: totals.paidFen, sub: `${t('opFigCollection')} ${formatPercent(rate)}` },
    {
      key: 'outstanding', label: 'opFigOutstanding', value: formatFen(totals.outstandingFen), raw: totals.outstandingFen,
      sub: `${t('opFigOverdue')} ${formatFen(totals.overdueFen)}`, tone: totals.overdueFen > 0 ? 'bad' : undefined,
    },
    { key: 'inReview', label: 'opFigInReview', value: String(totals.inReview), raw: totals.inReview, tone: totals.inReview > 0 ? 'bad' : undefined },
    { key: 'exceptions', label: 'opFigExceptions', value: String(totals.openExceptions), raw: totals.openExceptions, tone: totals.openExceptions > 0 ? 'bad' : undefined },
  ];
  return (
    <section aria-label={t('opFigures')}>
      <dl className="figures" data-testid="figures">
        {figures.map((f) => (
          <div key={f.key} className={`figure${f.tone ? ` figure--${f.tone}` : ''}`} data-testid={`fig-${f.key}`} data-value={f.raw ?? ''}>
            <dt>{t(f.label)}</dt>
            <dd>
              <strong className="figure__value">{f.value}</strong>
              {f.sub && <small className="figure__sub">{f.sub}</small>}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
