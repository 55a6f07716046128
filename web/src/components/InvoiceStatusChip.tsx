import { useI18n, type StringKey } from '../i18n.ts';

export const INVOICE_STATUS: Record<string, StringKey> = {
  outstanding: 'statusOutstanding',
  paying: 'statusPaying',
  paid: 'statusPaid',
  void: 'statusVoid',
  refunded: 'statusRefunded',
  // payments/provider-outcomes.ts: the provider reported another amount or currency.
  held: 'statusHeld',
};

export function InvoiceStatusChip({ status, overdue }: { status: string; overdue: boolean }) {
  const { t } = useI18n();
  if (overdue && status === 'outstanding') return <span className="chip chip--bad">{t('statusOverdue')}</span>;
  const key = INVOICE_STATUS[status];
  return <span className={`chip chip--${status}`}>{key ? t(key) : status}</span>;
}
