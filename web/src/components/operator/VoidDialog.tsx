// Void an unpaid invoice: a reason code (other: a note) and, as evidence, device events of the
// stay; the API audits it and the invoice is never charged, contactless included. The caller says
// it is done (the invoice leaves the unpaid list it sits in).
import { useState } from 'react';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { voidInvoice } from '../../refunds-api.ts';
import { Notice } from '../Notice.tsx';
import { EvidencePicker } from './EvidencePicker.tsx';
import { ReasonFields, reasonInput, useReasons, type ReasonState } from './ReasonFields.tsx';

interface Props { invoiceId: number; token: string; onExpired: () => void; onVoided: () => void }

export function VoidDialog({ invoiceId, token, onExpired, onVoided }: Props) {
  const { t } = useI18n();
  const reasons = useReasons(token, onExpired);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<ReasonState>({ code: '', note: '' });
  const [evidence, setEvidence] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const why = reasonInput(reason, reasons);

  const submit = async () => {
    if (!why) return;
    setBusy(true);
    setError(null);
    try {
      await voidInvoice(token, invoiceId, { reason: why, evidence });
      onVoided();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    }
    setBusy(false);
  };

  if (!open) return <button type="button" className="btn btn--small" onClick={() => setOpen(true)} data-testid="void-button">{t('opVoidInvoice')}</button>;
  return (
    <form className="void" role="group" aria-label={t('opVoidTitle', { id: invoiceId })} onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid="void-dialog">
      <h3>{t('opVoidTitle', { id: invoiceId })}</h3>
      <ReasonFields idPrefix={`void-${invoiceId}`} reasons={reasons} value={reason} onChange={setReason} />
      <EvidencePicker invoiceId={invoiceId} token={token} onExpired={onExpired} picked={evidence} onChange={setEvidence} />
      <div className="confirm__actions">
        <button type="submit" className="btn btn--small btn--danger" disabled={busy || !why} data-testid="void-confirm">{t('opVoidConfirm')}</button>
        <button type="button" className="btn btn--small" disabled={busy} onClick={() => setOpen(false)}>{t('cancel')}</button>
      </div>
      {error && <Notice message={error} />}
    </form>
  );
}
