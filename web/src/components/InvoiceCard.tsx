// One invoice of the driver's own plates: where and when, the amount and its fee lines, its status,
// and paying it with the default method. (The plate lookup shows less: PublicInvoiceCard.tsx.)
import type { ReactNode } from 'react';
import { formatLocalTime } from '../format.ts';
import type { PayState } from '../hooks/usePayments.ts';
import { useI18n } from '../i18n.ts';
import { formatFen } from '../money.ts';
import type { Invoice } from '../types.ts';
import { InvoiceShell } from './InvoiceShell.tsx';

interface Props {
  invoice: Invoice;
  pay?: PayState<Invoice>;
  onPay?: () => void;
  children?: ReactNode;
}

export function InvoiceCard({ invoice, pay, onPay, children }: Props) {
  const { t, lang } = useI18n();
  return (
    <InvoiceShell invoice={invoice} pay={pay} onPay={onPay}
      when={(i) => (
        <span className="muted">
          <span className="plate-chip plate-chip--small">{i.plate}</span> {formatLocalTime(i.entryTime)} → {formatLocalTime(i.exitTime)}
        </span>
      )}
      due={(i) => formatLocalTime(i.dueAt).slice(0, 10)}
      details={(invoice) => (
        <>
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
        </>
      )}>
      {children}
    </InvoiceShell>
  );
}
