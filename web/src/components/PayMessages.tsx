// How a payment started from this page is going (usePayments), shared by the account's invoices
// and the plate lookup's.
import type { PayState } from '../hooks/usePayments.ts';
import { useI18n } from '../i18n.ts';
import { paymentFailureText } from '../server-texts.ts';

export function PayMessages({ pay }: { pay?: PayState }) {
  const { t, lang } = useI18n();
  return (
    <>
      {pay?.phase === 'pending' && <span className="pay-msg">{t('payPending')}</span>}
      {pay?.phase === 'paid' && <span className="pay-msg pay-msg--ok">{t('payPaid')}</span>}
      {pay?.phase === 'declined' && <span className="pay-msg pay-msg--bad">{t('payDeclined', { reason: pay.reason ? paymentFailureText(pay.reason, lang) : '—' })}</span>}
      {pay?.phase === 'timeout' && <span className="pay-msg">{t('payTimeout')}</span>}
      {pay?.phase === 'error' && <span className="pay-msg pay-msg--bad">{pay.message}</span>}
    </>
  );
}

/** The invoice as the payment left it: a settled payment's answer wins over the list's copy. */
export function settled<T extends { status: string; lastFailure: string | null }>(invoice: T, pay: PayState<T> | undefined): T {
  if (pay?.phase === 'paid') return pay.invoice;
  if (pay?.phase === 'pending') return { ...invoice, status: 'paying' };
  if (pay?.phase === 'declined') return { ...invoice, status: 'outstanding', lastFailure: pay.reason };
  return invoice;
}
