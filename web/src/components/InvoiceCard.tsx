// One invoice of the driver's own plates: where and when, the amount and its fee lines, its status,
// and paying it with the default method. (The plate lookup shows less: PublicInvoiceCard.tsx.)
import type { ReactNode } from 'react';
import { formatLocalTime } from '../format.ts';
import type { PayState } from '../hooks/usePayments.ts';
import { useI18n } from '../i18n.ts';
import { formatFen } from '../money.ts';
import type { Invoice } from '../types.ts';
import { InvoiceStatusChip } from './InvoiceStatusChip.tsx';
import { PayMessages, settled } from './PayMessages.tsx';
import { ReceiptLink } from './ReceiptLink.tsx';

interface Props {
  invoice: Invoice;
  pay?: PayState<Invoice>;
  onPay?: () => void;
  children?: ReactNode;
}

export function InvoiceCard({ invoice: listed, pay, onPay, children }: Props) {
  const { t, lang } = useI18n();
  const invoice = settled(listed, pay);
  const payable = invoice.status === 'outstanding' && pay?.phase !== 'pending';
  return (
    <li className="invoice" data-testid="invoice-row" data-invoice-ref={invoice.ref} data-status={invoice.status} data-pay={pay?.phase ?? ''}>
      <div className="invoice__head">
        <div className="row__main">
          <strong>{lang === 'en' ? invoice.lotNameEn || invoice.lotName : invoice.lotName}</strong>
          <span className="muted">
            <span className="plate-chip plate-chip--small">{invoice.plate}</span> {formatLocalTime(invoice.entryTime)} → {formatLocalTime(invoice.exitTime)}
          </span>
        </div>
        <div className="invoice__amount">
          <strong data-testid="invoice-amount">{formatFen(invoice.amountFen)}</strong>
          <InvoiceStatusChip status={invoice.status} overdue={invoice.overdue} />
        </div>
      </div>
      {invoice.lines.length > 0 && (
        <details className="invoice__lines">
          <summary>{t('lineItems', { n: invoice.lines.length })}</summary>
          <table>
            <tbody>
              {invoice.lines.map((l, i) => (
                <tr key={i}>
                  <td>{lang === 'en' ? l.name : l.nameZh || l.name}</td>
                  <td className="muted">
                    {formatLocalTime(l.from).slice(11)}–{formatLocalTime(l.to).slice(11)}
                  </td>
                  <td className="muted">{t('minutes', { n: l.minutes })}</td>
                  <td className="num">{formatFen(l.amountFen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {invoice.refunds.length > 0 && (
        // Each refund the provider confirmed, line by line (a partial refund leaves the invoice paid).
        <ul className="invoice__refunds" data-testid="invoice-refunds">
          {invoice.refunds.map((r, i) => (
            <li key={i} data-testid="invoice-refund">{t('refundLine', { amount: formatFen(-r.amountFen), t: formatLocalTime(r.at) })}</li>
          ))}
        </ul>
      )}
      <div className="invoice__foot">
        <span className="muted">{t('dueAt', { t: formatLocalTime(invoice.dueAt).slice(0, 10) })}</span>
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
