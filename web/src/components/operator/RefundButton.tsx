// Refund one paid invoice, after an explicit confirmation in place (no browser dialog: it reads
// in the page's language and screen readers announce it). The API answers 202: the provider
// confirms later by webhook, so the result says "requested".
import { useState } from 'react';
import { refundInvoice } from '../../refunds-api.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { Refund as RefundResponse } from '../../types.ts';
import { Notice } from '../Notice.tsx';

interface Props {
  invoiceId: number;
  token: string;
  onExpired: () => void;
  onRefunded?: (r: RefundResponse) => void;
  disabled?: boolean;
}

type Phase = { step: 'idle' } | { step: 'confirm' } | { step: 'busy' } | { step: 'done'; refund: RefundResponse } | { step: 'error'; message: string };

export function RefundButton({ invoiceId, token, onExpired, onRefunded, disabled = false }: Props) {
  const { t } = useI18n();
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });

  const refund = async () => {
    setPhase({ step: 'busy' });
    try {
      const r = await refundInvoice(token, invoiceId, { amountFen: 0, reason: { code: 'goodwill' }, evidence: [] }, crypto.randomUUID());
      setPhase({ step: 'done', refund: r });
      onRefunded?.(r);
    } catch (err) {
      const message = operatorFailure(err, onExpired);
      setPhase(message === null ? { step: 'idle' } : { step: 'error', message });
    }
  };

  if (phase.step === 'confirm' || phase.step === 'busy') {
    return (
      <div className="confirm" role="alertdialog" aria-labelledby={`refund-confirm-${invoiceId}`} data-testid="refund-confirm">
        <p id={`refund-confirm-${invoiceId}`}>{t('opRefundConfirm', { id: invoiceId })}</p>
        <div className="confirm__actions">
          <button type="button" className="btn btn--small btn--danger" disabled={phase.step === 'busy'} onClick={() => void refund()} data-testid="refund-confirm-yes">
            {t('opConfirmRefund')}
          </button>
          <button type="button" className="btn btn--small" disabled={phase.step === 'busy'} onClick={() => setPhase({ step: 'idle' })} data-testid="refund-confirm-no">
            {t('cancel')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="refund">
      <button type="button" className="btn btn--small" disabled={disabled} onClick={() => setPhase({ step: 'confirm' })} data-testid="refund-button">
        {t('opRefund')}
      </button>
      {phase.step === 'done' && (
        <p className="pay-msg pay-msg--ok" role="status" data-testid="refund-done">
          {t('opRefundRequested', { id: phase.refund.invoiceId, refund: phase.refund.id, status: phase.refund.status })}
        </p>
      )}
      {phase.step === 'error' && <Notice message={phase.message} />}
    </div>
  );
}
