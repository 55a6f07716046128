// Refund by invoice number: the arrears list holds unpaid bills only, so a paid one (a driver paid
// twice, a disputed charge) is found by the number on its receipt.
import { useState } from 'react';
import { useI18n } from '../../i18n.ts';
import { Field } from '../Field.tsx';
import { RefundButton } from './RefundButton.tsx';

export function RefundCard({ token, onExpired }: { token: string; onExpired: () => void }) {
  const { t } = useI18n();
  const [input, setInput] = useState('');
  const id = /^\d{1,15}$/.test(input.trim()) ? Number(input.trim()) : null;
  return (
    <section className="card" data-testid="refund-card">
      <h2>{t('opRefundTitle')}</h2>
      <p className="muted">{t('opRefundHint')}</p>
      <div className="inline-form">
        <Field label={t('opInvoiceNo')} id="refund-invoice-id" narrow>
          {(control) => (
            <input
              {...control}
              className="input"
              inputMode="numeric"
              autoComplete="off"
              value={input}
              onChange={(e) => setInput(e.target.value)}
              data-testid="refund-invoice-id"
            />
          )}
        </Field>
      </div>
      {/* Keyed on the number: a new number starts a fresh confirmation. */}
      <RefundButton key={id ?? 'none'} invoiceId={id ?? 0} token={token} onExpired={onExpired} disabled={id === null} />
    </section>
  );
}
