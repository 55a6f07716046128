// Pay for parking without an account: present a plate, see what it owes — amount, lot, date, never
// times or history (plate masked) — and pay an invoice by its reference through the (simulated)
// checkout with a one-off token. The answer to paying carries a payment key: with it the page
// follows that payment and gets its receipt; without it no one sees a settled invoice.
import { useCallback, useRef, useState, type FormEvent } from 'react';
import { errorMessage, fetchInvoiceByRef, fetchPlateInvoices, isAbort, payInvoice } from '../api.ts';
import { usePayments } from '../hooks/usePayments.ts';
import { useI18n } from '../i18n.ts';
import { formatFen } from '../money.ts';
import { plateHint } from '../plates.ts';
import type { PlateInvoicesResponse } from '../types.ts';
import { CheckoutForm } from './CheckoutForm.tsx';
import { PublicInvoiceCard } from './PublicInvoiceCard.tsx';
import { Notice } from './Notice.tsx';
import { PlateInput } from './PlateInput.tsx';

export function LookupPage() {
  const { t } = useI18n();
  const [input, setInput] = useState('');
  const [result, setResult] = useState<PlateInvoicesResponse | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [checkoutFor, setCheckoutFor] = useState<string | null>(null);
  const inFlight = useRef<AbortController | null>(null);
  // ref → the payment key from the answer to paying: what lets this page see the outcome and receipt.
  const paymentKeys = useRef(new Map<string, string>());
  const check = useCallback((ref: string) => fetchInvoiceByRef(ref, paymentKeys.current.get(ref)), []);
  const { states, pay } = usePayments(check);
  const payWith = (ref: string, source: string) =>
    pay(ref, async () => paymentKeys.current.set(ref, (await payInvoice(ref, { source })).paymentKey));

  const hint = plateHint(input);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (hint.state !== 'ok') return;
    inFlight.current?.abort();
    const ac = new AbortController();
    inFlight.current = ac;
    setLoading(true);
    setError(null);
    setCheckoutFor(null);
    try {
      const r = await fetchPlateInvoices(hint.plate, ac.signal);
      setResult(r);
    } catch (err) {
      if (isAbort(err)) return;
      setResult(null);
      setError(errorMessage(err));
    } finally {
      if (inFlight.current === ac) setLoading(false);
    }
  };

  return (
    <div className="page">
      <section className="card">
        <h2>{t('lookupTitle')}</h2>
        <p className="muted">{t('lookupHint')}</p>
        <form className="inline-form" onSubmit={submit}>
          <PlateInput value={input} onChange={setInput} testId="lookup-input" label={t('plate')} />
          <button type="submit" className="btn btn--primary" disabled={loading || hint.state !== 'ok'} data-testid="lookup-submit">
            {loading ? t('searching') : t('lookup')}
          </button>
        </form>
        {error && <Notice message={error} />}
      </section>
      {result && (
        <section className="card" data-testid="lookup-result" data-count={result.invoices.length}>
          <div className="card__head">
            <h2>
              <span className="plate-chip">{result.plate}</span>
            </h2>
            <span className="muted">
              {result.invoices.length === 0 ? t('nothingOwed') : t('totalOwed', { amount: formatFen(result.totalOutstandingFen), n: result.invoices.length })}
            </span>
          </div>
          {result.invoices.length > 0 && (
            <ul className="invoices">
              {result.invoices.map((inv) => (
                <PublicInvoiceCard key={inv.ref} invoice={inv} pay={states.get(inv.ref)} onPay={() => setCheckoutFor(inv.ref)}>
                  {checkoutFor === inv.ref && (
                    <CheckoutForm
                      amount={formatFen(inv.amountFen)}
                      onCancel={() => setCheckoutFor(null)}
                      onToken={(source) => {
                        setCheckoutFor(null);
                        void payWith(inv.ref, source);
                      }}
                    />
                  )}
                </PublicInvoiceCard>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
