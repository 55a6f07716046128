// One unpaid invoice as anyone presenting the plate sees it (issue 12: plates are personal data):
// lot, the stay's date, the amount, the last day to pay — no times — and paying it through the
// checkout. Once paid, the payer's own receipt link.
import type { ReactNode } from 'react';
import type { PayState } from '../hooks/usePayments.ts';
import { useI18n } from '../i18n.ts';
import type { PublicInvoice } from '../types.ts';
import { InvoiceShell } from './InvoiceShell.tsx';

interface Props {
  invoice: PublicInvoice;
  pay?: PayState<PublicInvoice>;
  onPay: () => void;
  /** Shown under the invoice: the checkout form. */
  children?: ReactNode;
}

export function PublicInvoiceCard({ invoice, pay, onPay, children }: Props) {
  const { t } = useI18n();
  return (
    <InvoiceShell invoice={invoice} pay={pay} onPay={onPay}
      when={(i) => <span className="muted" data-testid="invoice-date">{t('stayOn', { d: i.date })}</span>}
      due={(i) => i.dueDate}>
      {children}
    </InvoiceShell>
  );
}
