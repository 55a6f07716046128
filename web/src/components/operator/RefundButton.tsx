// The refund dialog of one invoice: amount in yuan (sent as integer fen, at most what remains
// refundable), a reason code and note, evidence of the stay, then the invoice's refund history. The
// dialog holds one Idempotency-Key until a refund is made, so pressing again after a lost answer is
// the same refund. The API answers 202: the provider confirms by webhook, or an admin must approve.
import { useCallback, useState } from 'react';
import { operatorFailure, useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { formatFen, parseYuan } from '../../money.ts';
import { fetchInvoiceRefunds, refundInvoice } from '../../refunds-api.ts';
import type { Refund } from '../../types.ts';
import { Field } from '../Field.tsx';
import { INVOICE_STATUS } from '../InvoiceStatusChip.tsx';
import { Notice } from '../Notice.tsx';
import { EvidencePicker } from './EvidencePicker.tsx';
import { ReasonFields, reasonInput, useReasons, type ReasonState } from './ReasonFields.tsx';
import { RefundHistory } from './RefundHistory.tsx';

interface Props {
  invoiceId: number;
  token: string;
  onExpired: () => void;
  onRefunded?: (r: Refund) => void;
}

export function RefundButton({ invoiceId, token, onExpired, onRefunded }: Props) {
  const { t } = useI18n();
  const reasons = useReasons(token, onExpired);
  const load = useCallback((signal: AbortSignal) => fetchInvoiceRefunds(token, invoiceId, signal), [token, invoiceId]);
  const history = useOperatorQuery(load, onExpired);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState<ReasonState>({ code: '', note: '' });
  const [evidence, setEvidence] = useState<string[]>([]);
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Refund | null>(null);
  const [error, setError] = useState<string | null>(null);

  const h = history.data;
  const fen = parseYuan(amount);
  const amountOk = fen !== null && fen > 0 && !!h && fen <= h.refundableFen;
  const why = reasonInput(reason, reasons);

  const submit = async () => {
    if (!amountOk || !why) return;
    setBusy(true);
    setError(null);
    try {
      const r = await refundInvoice(token, invoiceId, { amountFen: fen, reason: why, evidence }, key);
      setDone(r);
      setKey(crypto.randomUUID()); // the next refund is a new one
      setAmount('');
      setEvidence([]);
      onRefunded?.(r);
      void history.reload();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    }
    setBusy(false);
  };

  if (history.error) return <Notice message={history.error} onRetry={() => void history.reload()} />;
  if (!h) return <p className="muted">{t('loading')}</p>;
  return (
    <div className="refund" data-testid="refund-dialog" data-invoice={invoiceId}>
      {h.status !== 'paid' ? <p className="muted" data-testid="refund-not-paid">{t('opRefundNotPaid', { status: INVOICE_STATUS[h.status] ? t(INVOICE_STATUS[h.status]) : h.status })}</p> : (
        <form className="refund__form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <Field label={t('opRefundAmount')} id={`refund-amount-${invoiceId}`} narrow invalid={amount !== '' && !amountOk} hint={amount !== '' && !amountOk ? t('opRefundBadAmount') : undefined}>
            {(control) => <input {...control} className="input" inputMode="decimal" autoComplete="off" value={amount} placeholder={(h.refundableFen / 100).toFixed(2)} onChange={(e) => setAmount(e.target.value)} data-testid="refund-amount" />}
          </Field>
          <ReasonFields idPrefix={`refund-${invoiceId}`} reasons={reasons} value={reason} onChange={setReason} />
          <EvidencePicker invoiceId={invoiceId} token={token} onExpired={onExpired} picked={evidence} onChange={setEvidence} />
          <button type="submit" className="btn btn--small btn--danger" disabled={busy || !amountOk || !why} data-testid="refund-submit">{t('opSubmitRefund')}</button>
        </form>
      )}
      {done && (
        <p className="pay-msg pay-msg--ok" role="status" data-testid="refund-done" data-status={done.status}>
          {t(done.status === 'pending_approval' ? 'opRefundPending' : 'opRefundSent', { amount: formatFen(done.amountFen) })}
        </p>
      )}
      {error && <Notice message={error} />}
      <RefundHistory data={h} reasons={reasons} />
    </div>
  );
}
