// One unpaid invoice as anyone presenting the plate sees it (issue 12: plates are personal data):
// lot, the stay's date, the amount, the last day to pay — no times — and paying it through the
// checkout. Once paid, the payer's own receipt link.
import type { ReactNode } from 'react';
import type { PayState } from '../hooks/usePayments.ts';
import { useI18n } from '../i18n.ts';
import { formatFen } from '../money.ts';
import type { PublicInvoice } from '../types.ts';
import { InvoiceStatusChip } from './InvoiceStatusChip.tsx';
import { PayMessages, settled } from './PayMessages.tsx';
import { ReceiptLink } from './ReceiptLink.tsx';

interface Props {
  invoice: PublicInvoice;
  pay?: PayState<PublicInvoice>;
  onPay: () => void;
  /** Shown under the invoice: the checkout form. */
  children?: ReactNode;
}

export function PublicInvoiceCard({ invoice: listed, pay, onPay, children }: Props) {
  const { t, lang } = useI18n();
  const invoice = settled(listed, pay);
  const payable = invoice.status === 'outstanding' && pay?.phase !== 'pending';
  return (
    <li className="invoice" data-testid="invoice-row" data-invoice-ref={invoice.ref} data-status={invoice.status} data-pay={pay?.phase ?? ''}>
      <div className="invoice__head">
        <div className="row__main">
          <strong>{lang === 'en' ? invoice.lotNameEn || invoice.lotName : invoice.lotName}</strong>
          <span className="muted" data-testid="invoice-date">{t('stayOn', { d: invoice.date })}</span>
        </div>
        <div className="invoice__amount">
          <strong data-testid="invoice-amount">{formatFen(invoice.amountFen)}</strong>
          <InvoiceStatusChip status={invoice.status} overdue={invoice.overdue} />
        </div>
      </div>
      <div className="invoice__foot">
        <span className="muted">{t('dueAt', { t: invoice.dueDate })}</span>
        <span className="invoice__pay" role="status">
          <PayMessages pay={pay} />
          {invoice.receipt && <ReceiptLink url={invoice.receipt.url} number={invoice.receipt.number} />}
          {payable && (
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
