// Typical stays priced, each with its bill explained line by line as the driver's invoice will be:
// the lot's public fees and the console's live preview show the same thing.
import { formatFen } from '../money.ts';
import { useI18n } from '../i18n.ts';
import type { PricedStay } from '../types.ts';

export function StayExamples({ stays, testId }: { stays: readonly PricedStay[]; testId?: string }) {
  const { lang, t } = useI18n();
  return (
    <ul className="stay-examples" data-testid={testId}>
      {stays.map((s) => (
        <li key={`${s.entry}-${s.exit}-${s.plateKind}`}>
          <details>
            <summary>
              <span>{s.label[lang]}</span>
              <strong data-testid="stay-total">{formatFen(s.totalFen)}</strong>
            </summary>
            <p className="muted">{t('tariffExplain')}</p>
            <ol className="stay-examples__lines">
              {s.explanation[lang].map((line, i) => <li key={i}>{line}</li>)}
            </ol>
          </details>
        </li>
      ))}
    </ul>
  );
}

/** A tariff's rules, one sentence each. */
export function TariffRules({ lines, testId }: { lines: readonly string[]; testId?: string }) {
  return (
    <ul className="tariff-rules" data-testid={testId}>
      {lines.map((l, i) => <li key={i}>{l}</li>)}
    </ul>
  );
}
