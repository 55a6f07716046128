// Import devices from a CSV file: the secrets of those created (shown once) and each refused row.
import { useState } from 'react';
import { importDevices } from '../../api.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { DeviceImport } from '../../types.ts';
import { Field } from '../Field.tsx';
import { Notice } from '../Notice.tsx';
import { BayReportView } from './BayReportView.tsx';
import { SecretReveal } from './SecretReveal.tsx';

export function DeviceImportForm({ token, onExpired, onImported }: { token: string; onExpired: () => void; onImported: () => void }) {
  const { t } = useI18n();
  const [result, setResult] = useState<DeviceImport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      setResult(await importDevices(token, await file.text()));
      setError(null);
      onImported();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    }
  };
  return (
    <div className="estate-stack" data-testid="device-import">
      <Field label={t('esImport')} hint={<>{t('esCsvHeader')} <code>id,kind,lot_id,bay_code,bays,lane,gateway_id</code></>}>
        {(c) => <input {...c} type="file" accept=".csv,text/csv" onChange={(e) => void onFile(e.target.files?.[0])} data-testid="device-csv" />}
      </Field>
      {error && <Notice message={error} />}
      {result && <BayReportView report={{ created: result.created.map((d) => d.id), refused: result.refused }} />}
      {result?.created.map((d) => <SecretReveal key={d.id} id={d.id} secret={d.secret} />)}
    </div>
  );
}
