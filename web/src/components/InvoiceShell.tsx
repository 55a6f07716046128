// What every invoice card shows the same way — lot, amount and status, the last day to pay, paying
// and the receipt — around what differs: the driver's own card (InvoiceCard.tsx) shows the plate,
// times, fee lines and refunds; the plate lookup's (PublicInvoiceCard.tsx) only the stay's date.
import type { ReactNode } from 'react';
import type { PayState } from '../hooks/usePayments.ts';
import { useI18n } from '../i18n.ts';
import { formatFen } from '../money.ts';
import { InvoiceStatusChip } from './InvoiceStatusChip.tsx';
import { PayMessages, settled } from './PayMessages.tsx';
import { ReceiptLink } from './ReceiptLink.tsx';

interface Shown {
  ref: string;
  status: string;
  overdue: boolean;
  lastFailure: string | null;
  lotName: string;
  lotNameEn: string;
  amountFen: number;
  receipt: { url: string; number: string } | null;
}

interface Props<T extends Shown> {
  invoice: T;
  pay?: PayState<T>;
  /** Without it the card has no pay button. */
  onPay?: () => void;
  /** Under the lot's name: when (and for whom) the stay was, in as much detail as the viewer may see. */
  when: (invoice: T) => ReactNode;
  /** The last day to pay, as shown. */
  due: (invoice: T) => string;
  /** Between the head and the foot: fee lines, refunds. */
  details?: (invoice: T) => ReactNode;
  /** Under the invoice: the checkout form. */
  children?: ReactNode;
}

export function InvoiceShell<T extends Shown>({ invoice: listed, pay, onPay, when, due, details, children }: Props<T>) {
  const { t, lang } = useI18n();
  const invoice = settled(listed, pay);
  const payable = invoice.status === 'outstanding' && pay?.phase !== 'pending';
  return (
    <li className="invoice" data-testid="invoice-row" data-invoice-ref={invoice.ref} data-status={invoice.status} data-pay={pay?.phase ?? ''}>
      <div className="invoice__head">
        <div className="row__main">
          <strong>{lang === 'en' ? invoice.lotNameEn || invoice.lotName : invoice.lotName}</strong>
          {when(invoice)}
        </div>
        <div className="invoice__amount">
          <strong data-testid="invoice-amount">{formatFen(invoice.amountFen)}</strong>
          <InvoiceStatusChip status={invoice.status} overdue={invoice.overdue} />
        </div>
      </div>
      {details?.(invoice)}
      <div className="invoice__foot">
        <span className="muted">{t('dueAt', { t: due(invoice) })}</span>
        <span className="invoice__pay" role="status">
          <PayMessages pay={pay} />
          {invoice.receipt && <ReceiptLink url={invoice.receipt.url} number={invoice.receipt.number} />}
          {onPay && payable && (
            <button type="button" className="btn btn--primary btn--small" onClick={onPay} data-testid="pay-button">
              {pay?.phase === 'declined' || pay?.phase === 'error' ? t('payAgain') : t('pay')}
            </button>
          )}
        </span>
      </div>
      {children}
    </li>
  );
}
