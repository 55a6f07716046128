// Refund by invoice number: the arrears list holds unpaid bills only, so a paid one (a driver paid
// twice, a disputed charge) is found by the number on its receipt, then refunded in the dialog.
import { useState } from 'react';
import { useI18n } from '../../i18n.ts';
import { Field } from '../Field.tsx';
import { RefundButton } from './RefundButton.tsx';

export function RefundCard({ token, onExpired }: { token: string; onExpired: () => void }) {
  const { t } = useI18n();
  const [input, setInput] = useState('');
  const [open, setOpen] = useState<number | null>(null);
  const id = /^\d{1,15}$/.test(input.trim()) ? Number(input.trim()) : null;
  return (
    <section className="card" data-testid="refund-card">
      <h2>{t('opRefundTitle')}</h2>
      <p className="muted">{t('opRefundHint')}</p>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); setOpen(id); }}>
        <Field label={t('opInvoiceNo')} id="refund-invoice-id" narrow>
          {(control) => (
            <input {...control} className="input" inputMode="numeric" autoComplete="off" value={input} onChange={(e) => setInput(e.target.value)} data-testid="refund-invoice-id" />
          )}
        </Field>
        <button type="submit" className="btn btn--small" disabled={id === null} data-testid="refund-button">{t('opRefund')}</button>
      </form>
      {/* Keyed on the number: another invoice starts a fresh dialog (and a fresh idempotency key). */}
      {open !== null && <RefundButton key={open} invoiceId={open} token={token} onExpired={onExpired} />}
    </section>
  );
}
