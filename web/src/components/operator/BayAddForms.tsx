// Adding bays in bulk: a code pattern (with a count for `{nnn}`), or a CSV file read in the
// browser and sent as text. Either way the answer is the per-row report.
import { useState } from 'react';
import { addBays } from '../../api.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { BayReport } from '../../types.ts';
import { Field } from '../Field.tsx';
import { Notice } from '../Notice.tsx';
import { BayReportView } from './BayReportView.tsx';

interface Props { token: string; onExpired: () => void; lotId: string; onAdded: () => void }

export function BayAddForms({ token, onExpired, lotId, onAdded }: Props) {
  const { t } = useI18n();
  const [pattern, setPattern] = useState(`${lotId}-{001..010}`);
  const [count, setCount] = useState('');
  const [report, setReport] = useState<BayReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async (body: { pattern: string; count?: number } | { csv: string }) => {
    try {
      setReport(await addBays(token, lotId, body));
      setError(null);
      onAdded();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    }
  };
  const onFile = async (file: File | undefined) => { if (file) await send({ csv: await file.text() }); };
  return (
    <div className="estate-stack">
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void send(count ? { pattern, count: Number(count) } : { pattern }); }}>
        <Field label={t('esBulkPattern')} hint={t('esBulkPatternHint')}>
          {(c) => <input {...c} className="input" value={pattern} onChange={(e) => setPattern(e.target.value)} data-testid="bay-pattern" />}
        </Field>
        <Field label={t('esBulkCount')} narrow>
          {(c) => <input {...c} className="input input--small" type="number" min={1} value={count} onChange={(e) => setCount(e.target.value)} data-testid="bay-count" />}
        </Field>
        <button type="submit" className="btn btn--primary" data-testid="bay-add">{t('esAddBays')}</button>
      </form>
      <Field label={t('esCsvUpload')} hint={<>{t('esCsvHeader')} <code>code,accessible,ev_charging,lat,lng</code></>}>
        {(c) => <input {...c} type="file" accept=".csv,text/csv" onChange={(e) => void onFile(e.target.files?.[0])} data-testid="bay-csv" />}
      </Field>
      {error && <Notice message={error} />}
      {report && <BayReportView report={report} />}
    </div>
  );
}
