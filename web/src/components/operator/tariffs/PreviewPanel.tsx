// The composer's live preview: the draft priced by the server's engine as it is typed (debounced),
// the rules in words and typical stays explained as the driver's bill; a draft the engine refuses
// shows the engine's sentence saying what to fix.
import { useEffect, useState } from 'react';
import { isAbort, previewTariff } from '../../../api.ts';
import { useDebounced } from '../../../hooks/useDebounced.ts';
import { operatorFailure } from '../../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../../i18n.ts';
import type { TariffDraft, TariffPreview } from '../../../types.ts';
import { StayExamples, TariffRules } from '../../StayExamples.tsx';

interface Props { token: string; lotId: string; draft: TariffDraft; onExpired: () => void }

export function PreviewPanel({ token, lotId, draft, onExpired }: Props) {
  const { t, lang } = useI18n();
  const settled = useDebounced(draft, 300);
  const [preview, setPreview] = useState<TariffPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const ac = new AbortController();
    setBusy(true);
    previewTariff(token, lotId, settled, ac.signal)
      .then((p) => { setPreview(p); setError(null); })
      .catch((err: unknown) => { if (!isAbort(err)) setError(operatorFailure(err, onExpired)); })
      .finally(() => { if (!ac.signal.aborted) setBusy(false); });
    return () => ac.abort();
  }, [token, lotId, settled, onExpired]);

  return (
    <aside className="tariff-preview" data-testid="tariff-preview" aria-live="polite" aria-busy={busy}>
      <h3>{t('tfPreview')}</h3>
      {error && <p className="note" data-testid="tariff-preview-error">{error}</p>}
      {preview && (
        <div className={error ? 'is-stale' : undefined}>
          <p className="muted">{t('tfRules')}</p>
          <TariffRules lines={preview.description[lang]} testId="tariff-preview-rules" />
          <StayExamples stays={preview.examples} testId="tariff-preview-examples" />
        </div>
      )}
      {!preview && !error && <p className="muted">{t('tfPreviewBusy')}</p>}
    </aside>
  );
}
